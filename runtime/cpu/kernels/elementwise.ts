// Elementwise activations. Array versions return a new array of the input's type; backward
// functions take the upstream gradient plus whatever the derivative is cheapest to express in.
import { type Arr, allocLike } from './util.js';

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


/** ELU with alpha = 1 (PyTorch nn.ELU default). */
export function elu<T extends Arr>(x: T): T {
  return map(x, (v) => (v > 0 ? v : Math.expm1(v)));
}

export function sigmoid<T extends Arr>(x: T): T {
  return map(x, sigmoidScalar);
}

export function tanh<T extends Arr>(x: T): T {
  return map(x, Math.tanh);
}

export function softplus<T extends Arr>(x: T): T {
  return map(x, softplusScalar);
}
