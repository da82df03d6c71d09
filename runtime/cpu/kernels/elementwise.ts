// Elementwise activations. Array versions return a new array of the input's type; backward
// functions take the upstream gradient plus whatever the derivative is cheapest to express in.
import { type Arr, allocLike, checkLen } from './util.js';

export function sigmoidScalar(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v); // avoids exp overflow for very negative v
  return e / (1 + e);
}

/** log(1 + e^v), stable for large |v|. */
export function softplusScalar(v: number): number {
  return Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
}

function map<T extends Arr>(x: T, f: (v: number) => number): T {
  const y = allocLike(x, x.length);
  for (let i = 0; i < x.length; i++) y[i] = f(x[i]);
  return y;
}

function zipGrad<T extends Arr>(what: string, gy: T, v: Arr, f: (g: number, v: number) => number): T {
  checkLen(what, v, gy.length);
  const dx = allocLike(gy, gy.length);
  for (let i = 0; i < gy.length; i++) dx[i] = f(gy[i], v[i]);
  return dx;
}

/** ELU with alpha = 1 (PyTorch nn.ELU default). */
export function elu<T extends Arr>(x: T): T {
  return map(x, (v) => (v > 0 ? v : Math.expm1(v)));
}
/** Gradient of ELU given its input x. */
export function eluBackward<T extends Arr>(gy: T, x: Arr): T {
  return zipGrad('eluBackward', gy, x, (g, v) => (v > 0 ? g : g * Math.exp(v)));
}

export function sigmoid<T extends Arr>(x: T): T {
  return map(x, sigmoidScalar);
}
/** Gradient of sigmoid given its output y. */
export function sigmoidBackward<T extends Arr>(gy: T, y: Arr): T {
  return zipGrad('sigmoidBackward', gy, y, (g, s) => g * s * (1 - s));
}

export function tanh<T extends Arr>(x: T): T {
  return map(x, Math.tanh);
}
/** Gradient of tanh given its output y. */
export function tanhBackward<T extends Arr>(gy: T, y: Arr): T {
  return zipGrad('tanhBackward', gy, y, (g, t) => g * (1 - t * t));
}

export function softplus<T extends Arr>(x: T): T {
  return map(x, softplusScalar);
}
/** Gradient of softplus given its input x. */
export function softplusBackward<T extends Arr>(gy: T, x: Arr): T {
  return zipGrad('softplusBackward', gy, x, (g, v) => g * sigmoidScalar(v));
}
