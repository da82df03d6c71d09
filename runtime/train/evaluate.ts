// Test-set likelihood: −ELBO in bits/dim (one posterior sample per image and importance sample,
// averaged) and the importance-weighted NLL with K samples, as the authors'
// estimate_likelihood_of_a_batch: log p(x) ≈ logsumexp_k ELBO_k − log K. Jensen makes the
// IW estimate at least the mean ELBO image by image, so NLL ≤ −ELBO on the same samples.
import { scaleBatch, type Dataset, type Likelihood } from '../data/batches.js';
import { yieldToEventLoop } from './loop.js';
import { noiseSeed } from './schedule.js';

/** Per-image ELBO and KL (nats) of a batch of scaled images under Philox seed `seed`. */
export type ElboFn = (x: Float32Array, seed: number) => Promise<{ elbo: Float32Array; kl: Float32Array }>;

export interface EvalOptions {
  likelihood: Likelihood;
  nbits: number;
  batch: number;
  /** Importance samples per image (default 1). */
  k?: number;
  seed: number;
  onProgress?: (done: number, total: number) => void;
  /** Checked between batches: true abandons the evaluation (the result is undefined). */
  shouldStop?: () => boolean;
}

export interface EvalResult {
  images: number;
  k: number;
  /** −mean ELBO in bits/dim. */
  elboBpd: number;
  klBpd: number;
  /** Importance-weighted NLL estimate in bits/dim (equals elboBpd when k = 1). */
  nllBpd: number;
}

export async function evaluateLikelihood(elbo: ElboFn, data: Dataset, opts: EvalOptions): Promise<EvalResult | undefined> {
  const k = opts.k ?? 1;
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`k must be a positive integer, got ${k}`);
  if (!(Number.isInteger(opts.batch) && opts.batch >= 1)) throw new RangeError(`batch must be a positive integer, got ${opts.batch}`);
  if (data.count < 1) throw new Error(`${data.name}: no images to evaluate`);
  const dims = data.channels * data.height * data.width;
  let sumElbo = 0, sumKl = 0, sumLogpx = 0;
  for (let start = 0; start < data.count; start += opts.batch) {
    if (opts.shouldStop) {
      await yieldToEventLoop();
      if (opts.shouldStop()) return undefined;
    }
    const n = Math.min(opts.batch, data.count - start);
    const x = scaleBatch(data.images.subarray(start * dims, (start + n) * dims), opts.likelihood, opts.nbits);
    const elbos = Array.from({ length: n }, () => new Float64Array(k));
    for (let j = 0; j < k; j++) {
      const r = await elbo(x, noiseSeed(noiseSeed(opts.seed, 'eval', j), 'eval', start));
      for (let i = 0; i < n; i++) {
        elbos[i][j] = r.elbo[i];
        sumElbo += r.elbo[i] / k;
        sumKl += r.kl[i] / k;
      }
    }
    for (const e of elbos) sumLogpx += logSumExp(e) - Math.log(k);
    opts.onProgress?.(start + n, data.count);
  }
  const toBpd = (nats: number) => nats / (data.count * dims * Math.LN2);
  return { images: data.count, k, elboBpd: -toBpd(sumElbo), klBpd: toBpd(sumKl), nllBpd: -toBpd(sumLogpx) };
}

function logSumExp(v: Float64Array): number {
  let m = -Infinity;
  for (const x of v) m = Math.max(m, x);
  if (!Number.isFinite(m)) return m;
  let s = 0;
  for (const x of v) s += Math.exp(x - m);
  return m + Math.log(s);
}
