// PyTorch GRUCell (gate blocks r, z, n):
//   r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
//   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.
// The pointwise part works on precomputed affine halves gi = W_ih x + b_ih and gh = W_hh h + b_hh
// so the SDN sweep can reuse it with gh computed once for all positions.
import { type Arr, allocLike, checkLen } from './util.js';
import { sigmoidScalar } from './elementwise.js';

/** weight_ih [3H, I], weight_hh [3H, H], bias_ih [3H], bias_hh [3H]. */
export interface GruWeights {
  wIh: Arr;
  wHh: Arr;
  bIh: Arr;
  bHh: Arr;
}

/** Hidden and input sizes implied by the weights (validated). */
export function gruSizes(p: GruWeights): { hidden: number; input: number } {
  const hidden = p.bIh.length / 3;
  const input = p.wIh.length / (3 * hidden);
  if (!Number.isInteger(hidden) || hidden <= 0 || !Number.isInteger(input) || input <= 0) {
    throw new Error(`GRU: inconsistent weights (bias_ih ${p.bIh.length}, weight_ih ${p.wIh.length})`);
  }
  checkLen('GRU bias_hh', p.bHh, 3 * hidden);
  checkLen('GRU weight_hh', p.wHh, 3 * hidden * hidden);
  return { hidden, input };
}

/** out[oo + r] = b[r] + Σ_c w[r, c] · v[vo + c] for a row-major w [rows, cols]. */
export function affineInto(
  w: Arr, b: Arr, rows: number, cols: number, v: ArrayLike<number>, vo: number, out: Float64Array, oo: number,
): void {
  for (let r = 0; r < rows; r++) {
    let acc = b[r];
    const wr = r * cols;
    for (let c = 0; c < cols; c++) acc += w[wr + c] * v[vo + c];
    out[oo + r] = acc;
  }
}


/** out = wᵀ·g for w [rows, cols] and g [rows] (the input gradient of an affine map alone). */
export function transposedProduct(w: Arr, rows: number, cols: number, g: Float64Array, out: Float64Array): void {
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const gr = g[r];
    if (gr === 0) continue;
    const wr = r * cols;
    for (let c = 0; c < cols; c++) out[c] += gr * w[wr + c];
  }
}

/** h'[k] for k < H from the affine halves gi, gh (3H each, at offsets gio/gho) and h (at ho). */
export function gruPointwise(
  gi: Float64Array, gio: number, gh: Float64Array, gho: number, h: ArrayLike<number>, ho: number,
  H: number, out: Float64Array, oo: number,
): void {
  for (let k = 0; k < H; k++) {
    const r = sigmoidScalar(gi[gio + k] + gh[gho + k]);
    const z = sigmoidScalar(gi[gio + H + k] + gh[gho + H + k]);
    const n = Math.tanh(gi[gio + 2 * H + k] + r * gh[gho + 2 * H + k]);
    out[oo + k] = (1 - z) * n + z * h[ho + k];
  }
}

/**
 * Backward of gruPointwise for upstream g (at go): writes d gi and d gh into dgi[0..3H), dgh[0..3H)
 * and adds the direct term z ⊙ g to dh[dho..).
 */
export function gruPointwiseBackward(
  gi: Float64Array, gio: number, gh: Float64Array, gho: number, h: ArrayLike<number>, ho: number, H: number,
  g: ArrayLike<number>, go: number, dgi: Float64Array, dgh: Float64Array, dh: Float64Array, dho: number,
): void {
  for (let k = 0; k < H; k++) {
    const r = sigmoidScalar(gi[gio + k] + gh[gho + k]);
    const z = sigmoidScalar(gi[gio + H + k] + gh[gho + H + k]);
    const ghn = gh[gho + 2 * H + k];
    const n = Math.tanh(gi[gio + 2 * H + k] + r * ghn);
    const gk = g[go + k];
    const dan = gk * (1 - z) * (1 - n * n);
    const daz = gk * (h[ho + k] - n) * z * (1 - z);
    const dar = dan * ghn * r * (1 - r);
    dgi[k] = dar;
    dgh[k] = dar;
    dgi[H + k] = daz;
    dgh[H + k] = daz;
    dgi[2 * H + k] = dan;
    dgh[2 * H + k] = dan * r;
    dh[dho + k] += gk * z;
  }
}

/** One GRUCell step for a batch: x [N, I], h [N, H] → h' [N, H]. */
export function gruCell<T extends Arr>(x: T, h: Arr, N: number, p: GruWeights): T {
  const { hidden: H, input: I } = gruSizes(p);
  checkLen('gruCell x', x, N * I);
  checkLen('gruCell h', h, N * H);
  const gi = new Float64Array(3 * H);
  const gh = new Float64Array(3 * H);
  const out = new Float64Array(H);
  const y = allocLike(x, N * H);
  for (let n = 0; n < N; n++) {
    affineInto(p.wIh, p.bIh, 3 * H, I, x, n * I, gi, 0);
    affineInto(p.wHh, p.bHh, 3 * H, H, h, n * H, gh, 0);
    gruPointwise(gi, 0, gh, 0, h, n * H, H, out, 0);
    y.set(out, n * H);
  }
  return y;
}

