// A linear support vector classifier as scikit-learn's LinearSVC (liblinear) with
// class_weight="balanced", which the SAP score uses with C = 0.01: squared hinge loss, L2 penalty
// on the weights and the intercept (liblinear treats the intercept as a feature of value 1),
// one-vs-rest for more than two classes. As liblinear, a one-vs-rest problem weights its positive
// examples by their class weight and its negatives by 1; a two-class problem weights both.
// Solved in the primal with L-BFGS (the squared hinge is smooth). Browser-safe.
import { lbfgs } from './lbfgs.js';

export interface SvmModel {
  classes: number;
  dim: number;
  /** One row of dim weights + intercept per binary problem (one for two classes, else one per class). */
  w: Float64Array;
}

function fitBinary(x: Float64Array, dim: number, target: Float64Array, cost: Float64Array): Float64Array {
  const n = target.length, stride = dim + 1;
  const w = new Float64Array(stride);
  lbfgs((p, grad) => {
    let loss = 0;
    for (let j = 0; j < stride; j++) {
      loss += 0.5 * p[j]! * p[j]!;
      grad[j] = p[j]!;
    }
    for (let i = 0; i < n; i++) {
      let z = p[dim]!;
      for (let j = 0; j < dim; j++) z += p[j]! * x[i * dim + j]!;
      const margin = 1 - target[i]! * z;
      if (margin <= 0) continue;
      loss += cost[i]! * margin * margin;
      const r = -2 * cost[i]! * margin * target[i]!;
      for (let j = 0; j < dim; j++) grad[j] += r * x[i * dim + j]!;
      grad[dim] += r;
    }
    return loss;
  }, w, { maxIter: 500, gtol: 1e-9 });
  return w;
}

/** Fits `x` (n × dim) to labels `y` in 0..classes−1 with penalty `C` and balanced class weights. */
export function fitLinearSvm(x: Float64Array, y: Int32Array, dim: number, classes: number, C: number): SvmModel {
  const n = y.length;
  const counts = new Float64Array(classes);
  for (let i = 0; i < n; i++) counts[y[i]!]++;
  const present = Array.from(counts).filter((c) => c > 0).length;
  const weight = Array.from(counts, (c) => (c > 0 ? n / (present * c) : 0));
  const problems = classes === 2 ? 1 : classes;
  const w = new Float64Array(problems * (dim + 1));
  const target = new Float64Array(n), cost = new Float64Array(n);
  for (let k = 0; k < problems; k++) {
    const positive = classes === 2 ? 1 : k;
    for (let i = 0; i < n; i++) {
      const pos = y[i] === positive;
      target[i] = pos ? 1 : -1;
      cost[i] = C * (pos || classes === 2 ? weight[y[i]!]! : 1);
    }
    w.set(fitBinary(x, dim, target, cost), k * (dim + 1));
  }
  return { classes, dim, w };
}

export function predictLinearSvm(m: SvmModel, x: Float64Array): Int32Array {
  const n = x.length / m.dim, stride = m.dim + 1;
  const out = new Int32Array(n);
  const decision = (k: number, i: number) => {
    let z = m.w[k * stride + m.dim]!;
    for (let j = 0; j < m.dim; j++) z += m.w[k * stride + j]! * x[i * m.dim + j]!;
    return z;
  };
  for (let i = 0; i < n; i++) {
    if (m.classes === 2) {
      out[i] = decision(0, i) > 0 ? 1 : 0;
      continue;
    }
    let best = -Infinity;
    for (let k = 0; k < m.classes; k++) {
      const z = decision(k, i);
      if (z > best) [best, out[i]] = [z, k];
    }
  }
  return out;
}
