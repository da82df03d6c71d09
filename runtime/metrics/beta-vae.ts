// The β-VAE metric (Higgins et al., 2017) as disentanglement_lib's compute_beta_vae_sklearn: a
// point is a factor k drawn uniformly and the mean absolute code difference over `batch` pairs
// of grid points that share factor k (and nothing else by design); a logistic regression predicts
// k from the point. The score is its accuracy on `evalPoints` fresh points.
import { type FactorCodes, Rng, rowOf, sampleFactors } from './grid.js';
import { accuracy, fitLogistic, predictLogistic } from './logistic-regression.js';

export interface BetaVaeOptions {
  batch: number;
  trainPoints: number;
  evalPoints: number;
}

export const BETA_VAE_DEFAULTS: BetaVaeOptions = { batch: 64, trainPoints: 10000, evalPoints: 5000 };

function points(fc: FactorCodes, o: BetaVaeOptions, count: number, rng: Rng): { x: Float64Array; y: Int32Array } {
  const { sizes, dim, codes } = fc, nf = sizes.length;
  const x = new Float64Array(count * dim), y = new Int32Array(count);
  for (let p = 0; p < count; p++) {
    const k = rng.int(nf);
    const a = sampleFactors(sizes, o.batch, rng), b = sampleFactors(sizes, o.batch, rng);
    for (let i = 0; i < o.batch; i++) b[i * nf + k] = a[i * nf + k]!;
    for (let i = 0; i < o.batch; i++) {
      const ra = rowOf(sizes, a, i) * dim, rb = rowOf(sizes, b, i) * dim;
      for (let d = 0; d < dim; d++) x[p * dim + d] += Math.abs(codes[ra + d]! - codes[rb + d]!) / o.batch;
    }
    y[p] = k;
  }
  return { x, y };
}

export function betaVaeMetric(fc: FactorCodes, seed: number, o: BetaVaeOptions = BETA_VAE_DEFAULTS): { train: number; eval: number } {
  const rng = new Rng(seed, 'beta_vae');
  const train = points(fc, o, o.trainPoints, rng);
  const model = fitLogistic(train.x, train.y, fc.dim, fc.sizes.length);
  const test = points(fc, o, o.evalPoints, rng);
  return { train: accuracy(predictLogistic(model, train.x), train.y), eval: accuracy(predictLogistic(model, test.x), test.y) };
}
