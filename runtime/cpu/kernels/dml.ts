// Discretized mixture of logistics log-likelihood (PixelCNN++ form, the authors' DML class).
// params [B, M + 3·M·C, H, W]; per pixel (NHWC view) the first M values are mixture logits, the rest
// reshape to [C, 3M]: means, log-scales (clamped at −7), coefficients (tanh). Data x in [−1, 1].
// The CDF is evaluated at x ± bin, bin = 1/(2^nbits − 1): half the spacing of 2^nbits levels in [−1, 1].
import { DML_EDGE, DML_MIN_DELTA, DML_MIN_LOG_SCALE, LOG_FLOOR } from '../../likelihood-constants.js';
import { type Arr, type Shape4, checkLen, checkShape, fromF64, numel } from './util.js';
import { sigmoidScalar as sig, softplusScalar as softplus } from './elementwise.js';

function check(params: Arr, x: Arr, xShape: Shape4, M: number, nbits: number): number {
  checkShape('dmlLogProb x shape', xShape, 4);
  const [B, C, H, W] = xShape;
  if (C < 1 || C > 3) throw new Error(`dmlLogProb: 1 to 3 channels supported, got ${C}`);
  if (!Number.isInteger(M) || M < 1) throw new Error(`dmlLogProb: bad mixture count ${M}`);
  if (!Number.isInteger(nbits) || nbits < 1) throw new Error(`dmlLogProb: bad nbits ${nbits}`);
  checkLen('dmlLogProb x', x, numel(xShape));
  const K = M + 3 * M * C;
  checkLen(`dmlLogProb params [${B}, ${K}, ${H}, ${W}]`, params, B * K * H * W);
  return K;
}

/** log P(bin of xc) for one logistic and its derivatives w.r.t. centered = xc − mean and log-scale. */
function logisticBin(xc: number, centered: number, ls: number, bin: number, out: Float64Array): void {
  const inv = Math.exp(-ls);
  const pin = inv * (centered + bin);
  const min = inv * (centered - bin);
  let d: number;
  if (xc < -DML_EDGE) {
    d = 1 - sig(pin); // log σ(pin)
    out[0] = pin - softplus(pin);
    out[1] = d * inv;
    out[2] = -d * pin;
    return;
  }
  if (xc > DML_EDGE) {
    d = -sig(min); // log(1 − σ(min))
    out[0] = -softplus(min);
    out[1] = d * inv;
    out[2] = -d * min;
    return;
  }
  const cp = sig(pin);
  const cm = sig(min);
  const delta = cp - cm;
  if (delta > DML_MIN_DELTA) {
    const dp = (cp * (1 - cp)) / delta;
    const dm = -(cm * (1 - cm)) / delta;
    out[0] = Math.log(Math.max(delta, LOG_FLOOR));
    out[1] = inv * (dp + dm);
    out[2] = -(dp * pin + dm * min);
    return;
  }
  // Tiny bin mass: fall back to the density at the bin centre.
  const mid = inv * centered;
  d = 1 - 2 * sig(mid);
  out[0] = mid - ls - 2 * softplus(mid) - Math.log(0.5 / bin);
  out[1] = d * inv;
  out[2] = -d * mid - 1;
}

/**
 * One pixel: p holds its K parameters, xv its C values. Returns log p(pixel); when dp is given, adds
 * g · d logp / d p into it.
 */
function pixel(p: Float64Array, xv: Float64Array, M: number, C: number, bin: number, dp: Float64Array | null, g: number): number {
  let lmax = -Infinity;
  for (let m = 0; m < M; m++) lmax = Math.max(lmax, p[m]);
  let lsum = 0;
  for (let m = 0; m < M; m++) lsum += Math.exp(p[m] - lmax);
  const logZ = lmax + Math.log(lsum);
  const total = new Float64Array(M);
  const dCent = new Float64Array(M * C);
  const dLs = new Float64Array(M * C);
  const r = new Float64Array(3);
  const base = (c: number) => M + c * 3 * M; // start of channel c's [means, log-scales, coeffs]
  const coeff = (c: number, m: number) => Math.tanh(p[base(c) + 2 * M + m]);
  for (let m = 0; m < M; m++) {
    total[m] = p[m] - logZ;
    for (let c = 0; c < C; c++) {
      let mean = p[base(c) + m];
      if (c === 1) mean += coeff(0, m) * xv[0];
      if (c === 2) mean += coeff(1, m) * xv[0] + coeff(2, m) * xv[1];
      const ls = Math.max(p[base(c) + M + m], DML_MIN_LOG_SCALE);
      logisticBin(xv[c], xv[c] - mean, ls, bin, r);
      total[m] += r[0];
      dCent[m * C + c] = r[1];
      dLs[m * C + c] = r[2];
    }
  }
  let tmax = -Infinity;
  for (let m = 0; m < M; m++) tmax = Math.max(tmax, total[m]);
  let tsum = 0;
  for (let m = 0; m < M; m++) tsum += Math.exp(total[m] - tmax);
  const lp = tmax + Math.log(tsum);
  if (!dp) return lp;
  for (let m = 0; m < M; m++) {
    const w = g * Math.exp(total[m] - lp); // responsibility of component m, scaled by upstream g
    dp[m] += w - g * Math.exp(p[m] - logZ);
    for (let c = 0; c < C; c++) {
      const dMean = -dCent[m * C + c] * w; // also the gradient of the coupled mean
      dp[base(c) + m] += dMean;
      if (p[base(c) + M + m] >= DML_MIN_LOG_SCALE) dp[base(c) + M + m] += dLs[m * C + c] * w;
      const coeffGrad = (cc: number, v: number) => {
        const t = coeff(cc, m);
        dp[base(cc) + 2 * M + m] += v * (1 - t * t);
      };
      if (c === 1) coeffGrad(0, dMean * xv[0]);
      if (c === 2) {
        coeffGrad(1, dMean * xv[0]);
        coeffGrad(2, dMean * xv[1]);
      }
    }
  }
  return lp;
}

function run<T extends Arr>(
  params: T, x: Arr, xShape: Shape4, M: number, nbits: number, gLogp: Arr | null,
): { logp: Float64Array; dparams: Float64Array | null } {
  const K = check(params, x, xShape, M, nbits);
  const [B, C, H, W] = xShape;
  if (gLogp) checkLen('dmlLogProbBackward gLogp', gLogp, B);
  const bin = 1 / (2 ** nbits - 1);
  const HW = H * W;
  const logp = new Float64Array(B);
  const dparams = gLogp ? new Float64Array(params.length) : null;
  const p = new Float64Array(K);
  const xv = new Float64Array(C);
  const dp = new Float64Array(K);
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < HW; s++) {
      for (let k = 0; k < K; k++) p[k] = params[(b * K + k) * HW + s];
      for (let c = 0; c < C; c++) xv[c] = x[(b * C + c) * HW + s];
      dp.fill(0);
      logp[b] += pixel(p, xv, M, C, bin, dparams ? dp : null, gLogp ? gLogp[b] : 0);
      if (dparams) for (let k = 0; k < K; k++) dparams[(b * K + k) * HW + s] = dp[k];
    }
  }
  return { logp, dparams };
}

/** Log-likelihood per image [B] of x [B, C, H, W] under DML params [B, M + 3MC, H, W]. */
export function dmlLogProb<T extends Arr>(params: T, x: Arr, xShape: Shape4, mixtures: number, nbits: number): T {
  return fromF64(params, run(params, x, xShape, mixtures, nbits, null).logp);
}

/** Gradient w.r.t. params of Σ_b gLogp[b] · logp[b]. */
export function dmlLogProbBackward<T extends Arr>(
  gLogp: Arr, params: T, x: Arr, xShape: Shape4, mixtures: number, nbits: number,
): T {
  return fromF64(params, run(params, x, xShape, mixtures, nbits, gLogp).dparams as Float64Array);
}
