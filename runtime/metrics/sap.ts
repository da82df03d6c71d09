// The SAP score (Kumar et al., 2018) as disentanglement_lib's compute_sap with discrete factors:
// for every code dimension and factor, a linear SVM (C = 0.01, balanced class weights) predicts
// the factor from that one dimension of `trainPoints` grid points; its accuracy on `testPoints`
// fresh points fills the dimensions × factors score matrix. Per factor, the gap between the two
// best dimensions, averaged over factors.
import { column, type FactorCodes, Rng, sampleCodes } from './grid.js';
import { accuracy } from './logistic-regression.js';
import { fitLinearSvm, predictLinearSvm } from './linear-svm.js';

export interface SapOptions {
  trainPoints: number;
  testPoints: number;
  C: number;
}

export const SAP_DEFAULTS: SapOptions = { trainPoints: 10000, testPoints: 5000, C: 0.01 };

export function sapMetric(fc: FactorCodes, seed: number, o: SapOptions = SAP_DEFAULTS): number {
  const rng = new Rng(seed, 'sap');
  const train = sampleCodes(fc, o.trainPoints, rng), test = sampleCodes(fc, o.testPoints, rng);
  const nf = fc.sizes.length, dim = fc.dim;
  const dimension = (x: Float64Array, d: number) => Float64Array.from({ length: x.length / dim }, (_, i) => x[i * dim + d]!);
  let total = 0;
  for (let f = 0; f < nf; f++) {
    const yTrain = column(train.y, nf, f), yTest = column(test.y, nf, f);
    const scores: number[] = [];
    for (let d = 0; d < dim; d++) {
      const model = fitLinearSvm(dimension(train.x, d), yTrain, 1, fc.sizes[f]!, o.C);
      scores.push(accuracy(predictLinearSvm(model, dimension(test.x, d)), yTest));
    }
    scores.sort((a, b) => b - a);
    total += scores[0]! - scores[1]!;
  }
  return total / nf;
}
