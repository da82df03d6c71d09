// Limited-memory BFGS (Nocedal & Wright, Algorithm 7.4/7.5) with a backtracking Armijo line
// search, for the small smooth convex problems of the metrics' classifiers. Browser-safe.

export type Objective = (w: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  maxIter?: number;
  /** Stop when ‖∇f‖∞ ≤ gtol · max(1, |f|). */
  gtol?: number;
  memory?: number;
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** Minimizes `f` from `w` (updated in place); returns the final objective value. */
export function lbfgs(f: Objective, w: Float64Array, opts: LbfgsOptions = {}): number {
  const n = w.length, m = opts.memory ?? 10, maxIter = opts.maxIter ?? 200, gtol = opts.gtol ?? 1e-7;
  const g = new Float64Array(n), gNew = new Float64Array(n), d = new Float64Array(n), wNew = new Float64Array(n);
  const S: Float64Array[] = [], Y: Float64Array[] = [], rho: number[] = [];
  let fx = f(w, g);
  for (let iter = 0; iter < maxIter; iter++) {
    let gmax = 0;
    for (let i = 0; i < n; i++) gmax = Math.max(gmax, Math.abs(g[i]!));
    if (gmax <= gtol * Math.max(1, Math.abs(fx))) break;
    // Two-loop recursion: d = −H ∇f.
    d.set(g);
    const alpha = new Array<number>(S.length);
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = rho[k]! * dot(S[k]!, d);
      for (let i = 0; i < n; i++) d[i] -= alpha[k]! * Y[k]![i]!;
    }
    const gamma = S.length ? dot(S.at(-1)!, Y.at(-1)!) / dot(Y.at(-1)!, Y.at(-1)!) : 1 / Math.max(1, gmax);
    for (let i = 0; i < n; i++) d[i] *= gamma;
    for (let k = 0; k < S.length; k++) {
      const beta = rho[k]! * dot(Y[k]!, d);
      for (let i = 0; i < n; i++) d[i] += S[k]![i]! * (alpha[k]! - beta);
    }
    for (let i = 0; i < n; i++) d[i] = -d[i]!;
    let slope = dot(g, d);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      S.length = Y.length = rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i]! / Math.max(1, gmax);
      slope = dot(g, d);
    }
    let step = 1, fNew = Infinity;
    for (let tries = 0; tries < 40; tries++, step *= 0.5) {
      for (let i = 0; i < n; i++) wNew[i] = w[i]! + step * d[i]!;
      fNew = f(wNew, gNew);
      if (fNew <= fx + 1e-4 * step * slope) break;
    }
    if (!(fNew < fx)) break; // no progress possible at float64 precision
    const s = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = wNew[i]! - w[i]!;
      y[i] = gNew[i]! - g[i]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
      if (S.length > m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
    }
    w.set(wNew);
    g.set(gNew);
    fx = fNew;
  }
  return fx;
}
