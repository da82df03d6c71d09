// Multinomial logistic regression with an L2 penalty on the weights (not the intercepts), as
// scikit-learn's LogisticRegression defaults (C = 1, lbfgs, multinomial), which the β-VAE metric
// uses: minimizes C · Σᵢ −log softmax(W xᵢ + b)[yᵢ] + ½‖W‖². Browser-safe.
import { lbfgs } from './lbfgs.js';

export interface LogisticModel {
  classes: number;
  dim: number;
  /** classes × (dim + 1): weights, then the intercept, per class. */
  w: Float64Array;
}

/** Fits `x` (n × dim) to labels `y` in 0..classes−1. */
export function fitLogistic(x: Float64Array, y: Int32Array, dim: number, classes: number, C = 1, maxIter = 200): LogisticModel {
  const n = y.length, stride = dim + 1;
  const w = new Float64Array(classes * stride);
  const logits = new Float64Array(classes);
  const objective = (p: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let k = 0; k < classes; k++) {
        let z = p[k * stride + dim]!;
        for (let j = 0; j < dim; j++) z += p[k * stride + j]! * x[i * dim + j]!;
        logits[k] = z;
        max = Math.max(max, z);
      }
      let sum = 0;
      for (let k = 0; k < classes; k++) sum += Math.exp(logits[k]! - max);
      const lse = max + Math.log(sum);
      loss += lse - logits[y[i]!]!;
      for (let k = 0; k < classes; k++) {
        const r = C * (Math.exp(logits[k]! - lse) - (k === y[i] ? 1 : 0));
        for (let j = 0; j < dim; j++) grad[k * stride + j] += r * x[i * dim + j]!;
        grad[k * stride + dim] += r;
      }
    }
    let reg = 0;
    for (let k = 0; k < classes; k++) {
      for (let j = 0; j < dim; j++) {
        const v = p[k * stride + j]!;
        reg += v * v;
        grad[k * stride + j] += v;
      }
    }
    return C * loss + 0.5 * reg;
  };
  lbfgs(objective, w, { maxIter });
  return { classes, dim, w };
}

/** The most probable class of each row of `x`. */
export function predictLogistic(m: LogisticModel, x: Float64Array): Int32Array {
  const n = x.length / m.dim, stride = m.dim + 1;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    for (let k = 0; k < m.classes; k++) {
      let z = m.w[k * stride + m.dim]!;
      for (let j = 0; j < m.dim; j++) z += m.w[k * stride + j]! * x[i * m.dim + j]!;
      if (z > best) [best, out[i]] = [z, k];
    }
  }
  return out;
}

export function accuracy(predicted: Int32Array, y: Int32Array): number {
  let hits = 0;
  for (let i = 0; i < y.length; i++) if (predicted[i] === y[i]) hits++;
  return hits / y.length;
}
