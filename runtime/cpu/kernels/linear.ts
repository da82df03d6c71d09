// Fully connected layer, PyTorch nn.Linear layout: y[n, o] = b[o] + Σ_i w[o, i] x[n, i].
import { type Arr, allocLike, checkLen, fromF64 } from './util.js';

export interface LinearGrads<T extends Arr> {
  dx: T;
  dw: T;
  dbias: T;
}

/** x [N, inF], w [outF, inF], bias [outF] | null → y [N, outF]. */
export function linear<T extends Arr>(x: T, N: number, inF: number, w: Arr, outF: number, bias: Arr | null): T {
  checkLen('linear x', x, N * inF);
  checkLen('linear w', w, outF * inF);
  if (bias) checkLen('linear bias', bias, outF);
  const y = allocLike(x, N * outF);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < outF; o++) {
      let acc = bias ? bias[o] : 0;
      for (let i = 0; i < inF; i++) acc += w[o * inF + i] * x[n * inF + i];
      y[n * outF + o] = acc;
    }
  }
  return y;
}

/** Vector-Jacobian product of `linear` for upstream gradient gy [N, outF]. */
export function linearBackward<T extends Arr>(
  gy: T, x: Arr, N: number, inF: number, w: Arr, outF: number,
): LinearGrads<T> {
  checkLen('linearBackward gy', gy, N * outF);
  checkLen('linearBackward x', x, N * inF);
  checkLen('linearBackward w', w, outF * inF);
  const dx = new Float64Array(N * inF);
  const dw = new Float64Array(outF * inF);
  const db = new Float64Array(outF);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < outF; o++) {
      const g = gy[n * outF + o];
      if (g === 0) continue;
      db[o] += g;
      for (let i = 0; i < inF; i++) {
        dx[n * inF + i] += g * w[o * inF + i];
        dw[o * inF + i] += g * x[n * inF + i];
      }
    }
  }
  return { dx: fromF64(gy, dx), dw: fromF64(gy, dw), dbias: fromF64(gy, db) };
}
