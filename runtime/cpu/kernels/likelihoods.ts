// Per-image log-likelihoods of the authors' DL (discretized logistic) and Bernoulli models.
// `shape` is x's shape with the batch first; each image's log-probabilities are summed.
import { DL_EPS, DL_MEAN_HI, DL_MEAN_LO } from '../../likelihood-constants.js';
import { type Arr, checkLen, fromF64, numel } from './util.js';
import { sigmoidScalar as sig, softplusScalar as softplus } from './elementwise.js';


export function batchOf(what: string, a: Arr, x: Arr, shape: readonly number[]): { B: number; per: number } {
  if (shape.length < 1 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new Error(`${what}: bad shape [${shape.join(', ')}]`);
  }
  checkLen(`${what} params`, a, numel(shape));
  checkLen(`${what} x`, x, numel(shape));
  return { B: shape[0], per: numel(shape) / shape[0] };
}

/** Element j's DL term: log(σ(u + bin/scale) − σ(u) + 1e−7), u = (x − clamp(mean)) / scale, and its derivatives. */
export function dlTerm(mean: number, x: number, logscale: number, bin: number, out: Float64Array): void {
  const scale = Math.exp(logscale);
  const m = Math.min(Math.max(mean, DL_MEAN_LO), DL_MEAN_HI);
  const u = (x - m) / scale;
  const a = u + bin / scale;
  const sa = sig(a);
  const su = sig(u);
  const D = sa - su + DL_EPS;
  const da = (sa * (1 - sa)) / D;
  const du = (su * (1 - su)) / D;
  out[0] = Math.log(D);
  // d/dmean: u and a both shift by −1/scale; zero where the clamp is active.
  out[1] = mean >= DL_MEAN_LO && mean <= DL_MEAN_HI ? -(da - du) / scale : 0;
  // d/dlogscale: du/dls = −u, da/dls = −a.
  out[2] = -da * a + du * u;
}

/** DL log-likelihood per image [B]: mean [B, ...] (pre-clamp), scalar logscale, x [B, ...], bin 1/2^nbits. */
export function dlLogProb<T extends Arr>(mean: T, logscale: number, x: Arr, shape: readonly number[], nbits: number): T {
  const { B, per } = batchOf('dlLogProb', mean, x, shape);
  const bin = 1 / 2 ** nbits;
  const out = new Float64Array(B);
  const r = new Float64Array(3);
  for (let b = 0; b < B; b++) {
    for (let j = b * per; j < (b + 1) * per; j++) {
      dlTerm(mean[j], x[j], logscale, bin, r);
      out[b] += r[0];
    }
  }
  return fromF64(mean, out);
}


/** Bernoulli(logits) log-likelihood per image [B]: Σ x·l − softplus(l). */
export function bernoulliLogProb<T extends Arr>(logits: T, x: Arr, shape: readonly number[]): T {
  const { B, per } = batchOf('bernoulliLogProb', logits, x, shape);
  const out = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    for (let j = b * per; j < (b + 1) * per; j++) out[b] += x[j] * logits[j] - softplus(logits[j]);
  }
  return fromF64(logits, out);
}

