// The hand-written backward kernels of the tests' tape (test/support/tape.ts): the reverse mode
// the differentiated graph is checked against, each checked against finite differences in float64
// (test/runtime/cpu/kernels). The product's backward is the differentiated graph alone.
import {
  type Arr, type GruWeights, type Shape4, type SweepDirection, affineInto, allocLike, batchOf, checkLen, conv2dOutputShape,
  conv2dWeightGrad, convTranspose2dOutputShape, convTranspose2dWeightGrad, dlTerm, fromF64, gruPointwiseBackward, gruSizes,
  maskedWeight, numel, sigmoidScalar,
} from '../../runtime/cpu/kernels/index.js';
import { forwardState, neighbours } from '../../runtime/cpu/kernels/sdn-sweep.js';

const sig = sigmoidScalar;

export interface Conv2dGrads<T extends Arr> {
  dx: T;
  /** Gradient w.r.t. the raw (unmasked) weight: zero where the mask is zero. */
  dw: T;
  dbias: T;
}

export interface GruWeightGrads<T extends Arr> {
  dwIh: T;
  dwHh: T;
  dbIh: T;
  dbHh: T;
}

function zipGrad<T extends Arr>(what: string, gy: T, v: Arr, f: (g: number, v: number) => number): T {
  checkLen(what, v, gy.length);
  const dx = allocLike(gy, gy.length);
  for (let i = 0; i < gy.length; i++) dx[i] = f(gy[i], v[i]);
  return dx;
}

/** Gradient of ELU given its input x. */
export function eluBackward<T extends Arr>(gy: T, x: Arr): T {
  return zipGrad('eluBackward', gy, x, (g, v) => (v > 0 ? g : g * Math.exp(v)));
}

/** Gradient of sigmoid given its output y. */
export function sigmoidBackward<T extends Arr>(gy: T, y: Arr): T {
  return zipGrad('sigmoidBackward', gy, y, (g, s) => g * s * (1 - s));
}

/** Gradient of tanh given its output y. */
export function tanhBackward<T extends Arr>(gy: T, y: Arr): T {
  return zipGrad('tanhBackward', gy, y, (g, t) => g * (1 - t * t));
}

/** Gradient of softplus given its input x. */
export function softplusBackward<T extends Arr>(gy: T, x: Arr): T {
  return zipGrad('softplusBackward', gy, x, (g, v) => g * sigmoidScalar(v));
}

/** Gradients of Σ_b gLogp[b] · logp[b] w.r.t. mean and logscale. */
export function dlLogProbBackward<T extends Arr>(
  gLogp: Arr, mean: T, logscale: number, x: Arr, shape: readonly number[], nbits: number,
): { dMean: T; dLogscale: number } {
  const { B, per } = batchOf('dlLogProbBackward', mean, x, shape);
  checkLen('dlLogProbBackward gLogp', gLogp, B);
  const bin = 1 / 2 ** nbits;
  const dMean = new Float64Array(mean.length);
  let dLogscale = 0;
  const r = new Float64Array(3);
  for (let b = 0; b < B; b++) {
    for (let j = b * per; j < (b + 1) * per; j++) {
      dlTerm(mean[j], x[j], logscale, bin, r);
      dMean[j] = gLogp[b] * r[1];
      dLogscale += gLogp[b] * r[2];
    }
  }
  return { dMean: fromF64(mean, dMean), dLogscale };
}

/** Gradient w.r.t. logits of Σ_b gLogp[b] · logp[b]: gLogp[b] · (x − σ(l)). */
export function bernoulliLogProbBackward<T extends Arr>(gLogp: Arr, logits: T, x: Arr, shape: readonly number[]): T {
  const { B, per } = batchOf('bernoulliLogProbBackward', logits, x, shape);
  checkLen('bernoulliLogProbBackward gLogp', gLogp, B);
  const d = new Float64Array(logits.length);
  for (let b = 0; b < B; b++) {
    for (let j = b * per; j < (b + 1) * per; j++) d[j] = gLogp[b] * (x[j] - sig(logits[j]));
  }
  return fromF64(logits, d);
}

/** Vector-Jacobian product of gruCell for upstream gradient gHNew [N, H]. */
export function gruCellBackward<T extends Arr>(
  gHNew: T, x: Arr, h: Arr, N: number, p: GruWeights,
): { dx: T; dh: T } & GruWeightGrads<T> {
  const { hidden: H, input: I } = gruSizes(p);
  checkLen('gruCellBackward gHNew', gHNew, N * H);
  checkLen('gruCellBackward x', x, N * I);
  checkLen('gruCellBackward h', h, N * H);
  const gi = new Float64Array(3 * H);
  const gh = new Float64Array(3 * H);
  const dgi = new Float64Array(3 * H);
  const dgh = new Float64Array(3 * H);
  const dx = new Float64Array(N * I);
  const dh = new Float64Array(N * H);
  const dwIh = new Float64Array(p.wIh.length);
  const dwHh = new Float64Array(p.wHh.length);
  const dbIh = new Float64Array(3 * H);
  const dbHh = new Float64Array(3 * H);
  for (let n = 0; n < N; n++) {
    affineInto(p.wIh, p.bIh, 3 * H, I, x, n * I, gi, 0);
    affineInto(p.wHh, p.bHh, 3 * H, H, h, n * H, gh, 0);
    gruPointwiseBackward(gi, 0, gh, 0, h, n * H, H, gHNew, n * H, dgi, dgh, dh, n * H);
    affineBackwardInto(p.wIh, 3 * H, I, dgi, 0, x, n * I, dx, n * I, dwIh, dbIh);
    affineBackwardInto(p.wHh, 3 * H, H, dgh, 0, h, n * H, dh, n * H, dwHh, dbHh);
  }
  const f = (a: Float64Array) => fromF64(gHNew, a);
  return { dx: f(dx), dh: f(dh), dwIh: f(dwIh), dwHh: f(dwHh), dbIh: f(dbIh), dbHh: f(dbHh) };
}

/** Backward of affineInto for upstream g: dv += wᵀ g (if dv), dw += g ⊗ v, db += g. */
export function affineBackwardInto(
  w: Arr, rows: number, cols: number, g: Float64Array, go: number, v: ArrayLike<number>, vo: number,
  dv: Float64Array | null, dvo: number, dw: Float64Array, db: Float64Array,
): void {
  for (let r = 0; r < rows; r++) {
    const gr = g[go + r];
    if (gr === 0) continue;
    db[r] += gr;
    const wr = r * cols;
    for (let c = 0; c < cols; c++) {
      dw[wr + c] += gr * v[vo + c];
      if (dv) dv[dvo + c] += gr * w[wr + c];
    }
  }
}

/**
 * Vector-Jacobian product of sdnSweep for upstream gradient gy [B, F, H, W]: recomputes the forward
 * sweep, then scans the lines in reverse, pushing each line's input gradient onto the previous line.
 */
export function sdnSweepBackward<T extends Arr>(
  gy: T, x: Arr, shape: Shape4, p: GruWeights, direction: SweepDirection,
): { dx: T } & GruWeightGrads<T> {
  const st = forwardState(x, shape, p, direction);
  const { F, L, P, index, lx, ly, gi, gh } = st;
  checkLen('sdnSweepBackward gy', gy, index.length);
  const B = shape[0];
  const gY = new Float64Array(index.length); // dL/dy in the line view, grows as later lines are processed
  for (let j = 0; j < index.length; j++) gY[j] = gy[index[j]];
  const dlx = new Float64Array(index.length);
  const dwIh = new Float64Array(p.wIh.length);
  const dwHh = new Float64Array(p.wHh.length);
  const dbIh = new Float64Array(3 * F);
  const dbHh = new Float64Array(3 * F);
  const dgi = new Float64Array(3 * F);
  const dgh = new Float64Array(3 * F);
  const u = new Float64Array(3 * F);
  const du = new Float64Array(3 * F);
  for (let b = 0; b < B; b++) {
    for (let s = L - 1; s >= 1; s--) {
      const prevBase = (b * L + s - 1) * P * F;
      for (let i = 0; i < P; i++) {
        const q = (b * L + s) * P + i;
        gruPointwiseBackward(gi, q * 3 * F, gh, q * 3 * F, lx, q * F, F, gY, q * F, dgi, dgh, dlx, q * F);
        affineBackwardInto(p.wHh, 3 * F, F, dgh, 0, lx, q * F, dlx, q * F, dwHh, dbHh);
        neighbours(ly, prevBase, i, P, F, u);
        du.fill(0);
        affineBackwardInto(p.wIh, 3 * F, 3 * F, dgi, 0, u, 0, du, 0, dwIh, dbIh);
        for (let k = 0; k < 3; k++) {
          const nq = i - 1 + k;
          if (nq < 0 || nq >= P) continue;
          for (let f = 0; f < F; f++) gY[prevBase + nq * F + f] += du[k * F + f];
        }
      }
    }
    // The first swept line passes through unchanged.
    const base = b * L * P * F;
    for (let j = 0; j < P * F; j++) dlx[base + j] += gY[base + j];
  }
  const dx = new Float64Array(index.length);
  for (let j = 0; j < index.length; j++) dx[index[j]] = dlx[j];
  const f = (a: Float64Array) => fromF64(gy, a);
  return { dx: f(dx), dwIh: f(dwIh), dwHh: f(dwHh), dbIh: f(dbIh), dbHh: f(dbHh) };
}

/** Vector-Jacobian product of `conv2d` for upstream gradient gy (shape conv2dOutputShape(...)). */
export function conv2dBackward<T extends Arr>(
  gy: T, x: Arr, xShape: Shape4, w: Arr, wShape: Shape4,
  stride: number, padding: number, mask?: Arr | null,
): Conv2dGrads<T> {
  const shape = conv2dOutputShape(xShape, wShape, stride, padding);
  const [B, C, H, W] = xShape;
  const [, O, Ho, Wo] = shape;
  const [, , kh, kw] = wShape;
  checkLen('conv2dBackward gy', gy, numel(shape));
  checkLen('conv2dBackward x', x, numel(xShape));
  const wm = maskedWeight(w, wShape, mask);
  const dx = new Float64Array(x.length);
  const db = new Float64Array(O);
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < O; o++) {
      const gBase = (b * O + o) * Ho * Wo;
      for (let i = 0; i < Ho * Wo; i++) db[o] += gy[gBase + i];
      for (let c = 0; c < C; c++) {
        const xBase = (b * C + c) * H * W;
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const wi = ((o * C + c) * kh + ky) * kw + kx;
            if (mask && mask[wi] === 0) continue;
            const wv = wm[wi];
            for (let oy = 0; oy < Ho; oy++) {
              const iy = oy * stride - padding + ky;
              if (iy < 0 || iy >= H) continue;
              for (let ox = 0; ox < Wo; ox++) {
                const ix = ox * stride - padding + kx;
                if (ix >= 0 && ix < W) dx[xBase + iy * W + ix] += gy[gBase + oy * Wo + ox] * wv;
              }
            }
          }
        }
      }
    }
  }
  return { dx: fromF64(gy, dx), dw: conv2dWeightGrad(gy, x, xShape, wShape, stride, padding, mask), dbias: fromF64(gy, db) };
}

/** Vector-Jacobian product of `convTranspose2d` for upstream gradient gy. */
export function convTranspose2dBackward<T extends Arr>(
  gy: T, x: Arr, xShape: Shape4, w: Arr, wShape: Shape4, stride: number, padding: number,
): Conv2dGrads<T> {
  const shape = convTranspose2dOutputShape(xShape, wShape, stride, padding);
  const [B, C, H, W] = xShape;
  const [, O, Ho, Wo] = shape;
  const [, , kh, kw] = wShape;
  checkLen('convTranspose2dBackward gy', gy, numel(shape));
  checkLen('convTranspose2dBackward x', x, numel(xShape));
  checkLen('convTranspose2dBackward w', w, numel(wShape));
  const dx = new Float64Array(x.length);
  const db = new Float64Array(O);
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < O; o++) {
      const gBase = (b * O + o) * Ho * Wo;
      for (let i = 0; i < Ho * Wo; i++) db[o] += gy[gBase + i];
    }
    for (let c = 0; c < C; c++) {
      const xBase = (b * C + c) * H * W;
      for (let o = 0; o < O; o++) {
        const gBase = (b * O + o) * Ho * Wo;
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const wv = w[((c * O + o) * kh + ky) * kw + kx];
            for (let iy = 0; iy < H; iy++) {
              const oy = iy * stride - padding + ky;
              if (oy < 0 || oy >= Ho) continue;
              for (let ix = 0; ix < W; ix++) {
                const ox = ix * stride - padding + kx;
                if (ox >= 0 && ox < Wo) dx[xBase + iy * W + ix] += gy[gBase + oy * Wo + ox] * wv;
              }
            }
          }
        }
      }
    }
  }
  return { dx: fromF64(gy, dx), dw: convTranspose2dWeightGrad(gy, x, xShape, wShape, stride, padding), dbias: fromF64(gy, db) };
}
