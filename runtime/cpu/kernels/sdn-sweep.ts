// One directional SDN correction sweep (the authors' _CorrectionLayer), generalised to H ≠ W.
// Direction 0: columns left→right, 1: columns right→left, 2: rows top→bottom, 3: rows bottom→top.
// The first swept line is unchanged; every later line d is a GRUCell step per position i with
// hidden = the position's own pre-sweep features and input = [y(d∓1, i−1), y(d∓1, i), y(d∓1, i+1)]
// (neighbour-major concat, zero outside the image), where y(d∓1, ·) is the already corrected line.
import { type Arr, type Shape4, checkLen, checkShape, fromF64, numel } from './util.js';
import {
  type GruWeights, affineInto, gruPointwise, gruPointwiseBackward, gruSizes, transposedProduct,
} from './gru.js';

export type SweepDirection = 0 | 1 | 2 | 3;

/**
 * Internally the map is viewed as [B, L, P, F]: L lines in scan order (line 0 is swept first),
 * P positions per line in ascending image coordinate, F features contiguous.
 * Returns the NCHW index of every element of that view.
 */
function lineIndex(shape: Shape4, dir: SweepDirection): { L: number; P: number; index: Int32Array } {
  const [B, F, H, W] = shape;
  const alongCols = dir === 0 || dir === 1;
  const L = alongCols ? W : H;
  const P = alongCols ? H : W;
  const index = new Int32Array(B * F * H * W);
  let j = 0;
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < L; s++) {
      const d = dir === 1 || dir === 3 ? L - 1 - s : s;
      for (let i = 0; i < P; i++) {
        const [row, col] = alongCols ? [i, d] : [d, i];
        for (let f = 0; f < F; f++) index[j++] = ((b * F + f) * H + row) * W + col;
      }
    }
  }
  return { L, P, index };
}

interface SweepState {
  F: number;
  L: number;
  P: number;
  index: Int32Array;
  lx: Float64Array; // pre-sweep features, line view
  ly: Float64Array; // corrected features, line view
  gi: Float64Array; // W_ih u + b_ih per position (3F each; unused on line 0)
  gh: Float64Array; // W_hh h + b_hh per position (3F each)
}

function checkArgs(x: Arr, shape: Shape4, p: GruWeights, dir: number): number {
  checkShape('sdnSweep shape', shape, 4);
  checkLen('sdnSweep x', x, numel(shape));
  if (![0, 1, 2, 3].includes(dir)) throw new Error(`sdnSweep: direction must be 0..3, got ${dir}`);
  const F = shape[1];
  const { hidden, input } = gruSizes(p);
  if (hidden !== F || input !== 3 * F) {
    throw new Error(`sdnSweep: GRU has hidden ${hidden}, input ${input}; expected ${F}, ${3 * F} for ${F} features`);
  }
  return F;
}

/** Gathers the three neighbours (i−1, i, i+1) of line `prev` of ly into u (zero outside). */
export function neighbours(ly: Float64Array, lineBase: number, i: number, P: number, F: number, u: Float64Array): void {
  u.fill(0);
  for (let k = 0; k < 3; k++) {
    const q = i - 1 + k;
    if (q < 0 || q >= P) continue;
    const o = lineBase + q * F;
    for (let f = 0; f < F; f++) u[k * F + f] = ly[o + f];
  }
}

export function forwardState(x: Arr, shape: Shape4, p: GruWeights, dir: SweepDirection): SweepState {
  const F = checkArgs(x, shape, p, dir);
  const B = shape[0];
  const { L, P, index } = lineIndex(shape, dir);
  const n = index.length;
  const lx = new Float64Array(n);
  for (let j = 0; j < n; j++) lx[j] = x[index[j]];
  const ly = Float64Array.from(lx);
  const positions = n / F;
  // The hidden half only involves each position's own pre-sweep features: compute it for all at once.
  const gh = new Float64Array(positions * 3 * F);
  for (let q = 0; q < positions; q++) affineInto(p.wHh, p.bHh, 3 * F, F, lx, q * F, gh, q * 3 * F);
  const gi = new Float64Array(positions * 3 * F);
  const u = new Float64Array(3 * F);
  for (let b = 0; b < B; b++) {
    for (let s = 1; s < L; s++) {
      const prevBase = (b * L + s - 1) * P * F;
      for (let i = 0; i < P; i++) {
        const q = (b * L + s) * P + i;
        neighbours(ly, prevBase, i, P, F, u);
        affineInto(p.wIh, p.bIh, 3 * F, 3 * F, u, 0, gi, q * 3 * F);
        gruPointwise(gi, q * 3 * F, gh, q * 3 * F, lx, q * F, F, ly, q * F);
      }
    }
  }
  return { F, L, P, index, lx, ly, gi, gh };
}

/** Applies one sweep to x [B, F, H, W] with GRU weights (hidden F, input 3F). Returns y, same shape. */
export function sdnSweep<T extends Arr>(x: T, shape: Shape4, p: GruWeights, direction: SweepDirection): T {
  const { index, ly } = forwardState(x, shape, p, direction);
  const y = new Float64Array(ly.length);
  for (let j = 0; j < index.length; j++) y[index[j]] = ly[j];
  return fromF64(x, y);
}


/**
 * The sweep's backward as the `sweep_grad` op computes it, for upstream gradient gy [B, F, H, W]:
 * [B, 7F, H, W] holding per position ∂L/∂gi (the input half W_ih·u + b_ih, 3F; zero on the first
 * line), ∂L/∂gh (the hidden half W_hh·h + b_hh, 3F) and the direct term z ⊙ ∂L/∂y of ∂L/∂x (F;
 * on the first line, which passes through, ∂L/∂y itself). Everything else of the sweep's backward
 * is a GEMM or a reduction over these (the gradient rules of compiler/ops/sweep.ts).
 */
export function sdnSweepGrad<T extends Arr>(gy: T, x: Arr, shape: Shape4, p: GruWeights, direction: SweepDirection): T {
  const { F, L, P, index, lx, ly, gi, gh } = forwardState(x, shape, p, direction);
  checkLen('sdnSweepGrad gy', gy, index.length);
  const [B, , H, W] = shape;
  const gY = new Float64Array(index.length);
  for (let j = 0; j < index.length; j++) gY[j] = gy[index[j]];
  const G = new Float64Array((index.length / F) * 7 * F);
  const dgi = new Float64Array(3 * F), dgh = new Float64Array(3 * F), u = new Float64Array(3 * F), du = new Float64Array(3 * F);
  for (let b = 0; b < B; b++) {
    for (let s = L - 1; s >= 1; s--) {
      const prevBase = (b * L + s - 1) * P * F;
      for (let i = 0; i < P; i++) {
        const q = (b * L + s) * P + i;
        gruPointwiseBackward(gi, q * 3 * F, gh, q * 3 * F, lx, q * F, F, gY, q * F, dgi, dgh, G, q * 7 * F + 6 * F);
        G.set(dgi, q * 7 * F);
        G.set(dgh, q * 7 * F + 3 * F);
        neighbours(ly, prevBase, i, P, F, u);
        transposedProduct(p.wIh, 3 * F, 3 * F, dgi, du);
        for (let k = 0; k < 3; k++) {
          const nq = i - 1 + k;
          if (nq < 0 || nq >= P) continue;
          for (let f = 0; f < F; f++) gY[prevBase + nq * F + f] += du[k * F + f];
        }
      }
    }
    for (let i = 0; i < P; i++) {
      const q = b * L * P + i;
      for (let f = 0; f < F; f++) G[q * 7 * F + 6 * F + f] = gY[q * F + f];
    }
  }
  const out = new Float64Array(G.length);
  const HW = H * W;
  for (let q = 0; q < index.length / F; q++) {
    const b = Math.floor(q / (L * P));
    const hw = index[q * F] - b * F * HW;
    for (let c = 0; c < 7 * F; c++) out[(b * 7 * F + c) * HW + hw] = G[q * 7 * F + c];
  }
  return fromF64(gy, out);
}

/** ∂L/∂W_ih [3F, 3F] = Σ over examples and positions of dgi ⊗ u, u the neighbours on the previous line of y. */
export function sdnSweepGradWih<T extends Arr>(dgi: T, y: Arr, shape: Shape4, direction: SweepDirection): T {
  const [B, F] = shape;
  const { L, P, index } = lineIndex(shape, direction);
  checkLen('sdnSweepGradWih y', y, index.length);
  checkLen('sdnSweepGradWih dgi', dgi, 3 * index.length);
  const ly = new Float64Array(index.length);
  for (let j = 0; j < index.length; j++) ly[j] = y[index[j]];
  const HW = shape[2] * shape[3];
  const dw = new Float64Array(9 * F * F);
  const u = new Float64Array(3 * F);
  for (let b = 0; b < B; b++) {
    for (let s = 1; s < L; s++) {
      for (let i = 0; i < P; i++) {
        const q = (b * L + s) * P + i;
        neighbours(ly, (b * L + s - 1) * P * F, i, P, F, u);
        const hw = index[q * F] - b * F * HW;
        for (let r = 0; r < 3 * F; r++) {
          const g = dgi[(b * 3 * F + r) * HW + hw];
          if (g === 0) continue;
          for (let c = 0; c < 3 * F; c++) dw[r * 3 * F + c] += g * u[c];
        }
      }
    }
  }
  return fromF64(dgi, dw);
}
