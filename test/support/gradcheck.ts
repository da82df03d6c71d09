// Float64 finite-difference gradient checks and deterministic random inputs for kernel tests.
import { relErr } from './golden.js';

/** Deterministic uniform values in [lo, hi) (mulberry32). */
export function rand(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Central differences of the scalar `f()` w.r.t. every element of `param` (perturbed in place). */
export function numericGrad(f: () => number, param: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(param.length);
  for (let i = 0; i < param.length; i++) {
    const v = param[i];
    param[i] = v + h;
    const fp = f();
    param[i] = v - h;
    const fm = f();
    param[i] = v;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

/** Relative error between an analytic gradient and central differences of f w.r.t. param. */
export function gradErr(f: () => number, param: Float64Array, analytic: ArrayLike<number>, h = 1e-6): number {
  return relErr(analytic, numericGrad(f, param, h));
}
