// The metrics' own classifiers, each on problems with known answers.
import { describe, expect, it } from 'vitest';
import { fitBoostedTrees, predictBoostedTrees } from '../../../runtime/metrics/boosted-trees.js';
import { Rng } from '../../../runtime/metrics/grid.js';
import { lbfgs } from '../../../runtime/metrics/lbfgs.js';
import { fitLinearSvm, predictLinearSvm } from '../../../runtime/metrics/linear-svm.js';
import { accuracy, fitLogistic, predictLogistic } from '../../../runtime/metrics/logistic-regression.js';
import { normals } from '../../../runtime/rng/philox.js';

/** n points per class around the given centres (dim = centre length), unit-free noise `spread`. */
function blobs(centres: number[][], n: number, spread: number, seed = 1): { x: Float64Array; y: Int32Array } {
  const dim = centres[0]!.length, z = normals(seed, 7, 0, centres.length * n * dim);
  const x = new Float64Array(centres.length * n * dim), y = new Int32Array(centres.length * n);
  centres.forEach((c, k) => {
    for (let i = 0; i < n; i++) {
      const r = k * n + i;
      y[r] = k;
      for (let d = 0; d < dim; d++) x[r * dim + d] = c[d]! + spread * z[r * dim + d]!;
    }
  });
  return { x, y };
}

describe('L-BFGS', () => {
  it('finds the minimum of the Rosenbrock function', () => {
    const w = Float64Array.from([-1.2, 1]);
    const f = lbfgs((p, g) => {
      const [a, b] = [p[0]!, p[1]!];
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    }, w, { maxIter: 500, gtol: 1e-10 });
    expect(f).toBeLessThan(1e-12);
    expect(w[0]).toBeCloseTo(1, 5);
    expect(w[1]).toBeCloseTo(1, 5);
  });
});

describe('logistic regression (multinomial, L2, C = 1)', () => {
  it('separates three blobs, and its fit is the penalized optimum (zero gradient)', () => {
    const { x, y } = blobs([[0, 0], [4, 0], [0, 4]], 50, 0.5);
    const m = fitLogistic(x, y, 2, 3);
    expect(accuracy(predictLogistic(m, x), y)).toBe(1);
    // ∂/∂b_k of Σ −log p = Σ (p_k − [y = k]) must vanish (intercepts are unpenalized).
    const grad = [0, 0, 0];
    for (let i = 0; i < y.length; i++) {
      const z = [0, 1, 2].map((k) => m.w[k * 3 + 2]! + m.w[k * 3]! * x[i * 2]! + m.w[k * 3 + 1]! * x[i * 2 + 1]!);
      const s = z.reduce((a, v) => a + Math.exp(v), 0);
      z.forEach((v, k) => (grad[k] += Math.exp(v) / s - (y[i] === k ? 1 : 0)));
    }
    for (const g of grad) expect(Math.abs(g)).toBeLessThan(1e-3);
  });

  it('is symmetric on mirrored data: weights of opposite sign, intercepts equal', () => {
    const x = Float64Array.from([-2, -1, 1, 2]), y = Int32Array.from([0, 0, 1, 1]);
    const m = fitLogistic(x, y, 1, 2);
    expect(m.w[0]).toBeCloseTo(-m.w[2]!, 5);
    expect(m.w[1]).toBeCloseTo(m.w[3]!, 5);
    expect([...predictLogistic(m, Float64Array.from([-0.5, 0.5]))]).toEqual([0, 1]);
  });
});

describe('linear SVM (squared hinge, C = 0.01, balanced classes)', () => {
  it('puts the two-class boundary between the classes of 1-D data', () => {
    const { x, y } = blobs([[-3], [3]], 100, 0.5);
    const m = fitLinearSvm(x, y, 1, 2, 0.01);
    expect(m.w.length).toBe(2); // one binary problem for two classes, as liblinear
    expect(accuracy(predictLinearSvm(m, x), y)).toBe(1);
    expect(Math.abs(m.w[1]! / m.w[0]!)).toBeLessThan(0.5); // boundary −b/w near 0
  });

  it('balanced class weights keep a 1-in-10 minority class predicted', () => {
    const major = blobs([[0]], 180, 1, 2), minor = blobs([[3]], 20, 0.5, 3);
    const x = Float64Array.from([...major.x, ...minor.x]), y = Int32Array.from([...major.y, ...minor.y.map(() => 1)]);
    const m = fitLinearSvm(x, y, 1, 2, 0.01);
    const predicted = predictLinearSvm(m, minor.x);
    expect(predicted.reduce((a, v) => a + v, 0)).toBeGreaterThan(15);
  });

  it('one-vs-rest on three classes along a line recovers the outer two, as a linear rule on 1-D data can', () => {
    const { x, y } = blobs([[-4], [0], [4]], 100, 0.3);
    const m = fitLinearSvm(x, y, 1, 3, 0.01);
    expect(m.w.length).toBe(6);
    const p = predictLinearSvm(m, Float64Array.from([-4, 4]));
    expect([...p]).toEqual([0, 2]);
  });
});

describe('gradient-boosted trees', () => {
  it('learns XOR, which needs two splits, and ignores a noise feature', () => {
    const rng = new Rng(5, 'xor');
    const n = 400, x = new Float64Array(n * 3), y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const a = rng.uniform() * 2 - 1, b = rng.uniform() * 2 - 1;
      x.set([a, b, rng.uniform()], i * 3);
      y[i] = (a > 0) !== (b > 0) ? 1 : 0;
    }
    const m = fitBoostedTrees(x, y, 3, 2);
    expect(accuracy(predictBoostedTrees(m, x), y)).toBeGreaterThan(0.98);
    expect(m.importances.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    expect(m.importances[2]).toBeLessThan(0.05);
    expect(m.importances[0]).toBeGreaterThan(0.2);
    expect(m.importances[1]).toBeGreaterThan(0.2);
  });

  it('predicts four classes from the one feature that carries them; a single class gives no trees', () => {
    const rng = new Rng(9, 'four');
    const n = 400, x = new Float64Array(n * 2), y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 4;
      x.set([rng.uniform(), y[i]! + 0.3 * rng.uniform()], i * 2);
    }
    const m = fitBoostedTrees(x, y, 2, 4);
    expect(accuracy(predictBoostedTrees(m, x), y)).toBe(1);
    expect(m.importances[1]).toBeGreaterThan(0.99);
    const single = fitBoostedTrees(x, new Int32Array(n), 2, 1);
    expect([single.trees.length, ...single.importances]).toEqual([0, 0, 0]);
  });
});
