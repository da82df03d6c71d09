// DCI (Eastwood & Williams, 2018) as disentanglement_lib's compute_dci: for each factor, gradient-
// boosted trees (boosted-trees.ts) predict it from the codes of `trainPoints` grid points; their
// feature importances form the dimensions × factors matrix R. Disentanglement: per dimension
// 1 − H(R row, base #factors), weighted by the row's share of R; completeness: per factor
// 1 − H(R column, base #dimensions), weighted likewise; informativeness: the trees' mean accuracy
// on `testPoints` fresh points.
import { fitBoostedTrees, predictBoostedTrees } from './boosted-trees.js';
import { column, type FactorCodes, Rng, sampleCodes } from './grid.js';
import { accuracy } from './logistic-regression.js';

export interface DciOptions {
  trainPoints: number;
  testPoints: number;
}

export const DCI_DEFAULTS: DciOptions = { trainPoints: 10000, testPoints: 5000 };

export interface DciScores {
  disentanglement: number;
  completeness: number;
  informativeness: number;
  /** Mean training accuracy of the trees. */
  informativenessTrain: number;
}

/** 1 − entropy(p + 1e-11, base) as scipy.stats.entropy, which normalizes p first. */
function oneMinusEntropy(p: number[], base: number): number {
  const q = p.map((v) => v + 1e-11), s = q.reduce((a, b) => a + b, 0);
  return 1 - q.reduce((h, v) => h - (v / s) * Math.log(v / s), 0) / Math.log(base);
}

/** Disentanglement and completeness of an importance matrix (rows: code dimensions, columns: factors). */
export function dciFromImportance(r: number[][]): { disentanglement: number; completeness: number } {
  const dims = r.length, nf = r[0]!.length;
  let total = r.flat().reduce((a, b) => a + b, 0);
  const w = total === 0 ? r.map((row) => row.map(() => 1)) : r;
  if (total === 0) total = dims * nf;
  let disentanglement = 0, completeness = 0;
  for (let i = 0; i < dims; i++) disentanglement += oneMinusEntropy(r[i]!, nf) * (w[i]!.reduce((a, b) => a + b, 0) / total);
  for (let j = 0; j < nf; j++) {
    const col = r.map((row) => row[j]!);
    completeness += oneMinusEntropy(col, dims) * (w.reduce((a, row) => a + row[j]!, 0) / total);
  }
  return { disentanglement, completeness };
}

export function dciMetric(fc: FactorCodes, seed: number, o: DciOptions = DCI_DEFAULTS): DciScores {
  const rng = new Rng(seed, 'dci');
  const train = sampleCodes(fc, o.trainPoints, rng), test = sampleCodes(fc, o.testPoints, rng);
  const nf = fc.sizes.length;
  const r = Array.from({ length: fc.dim }, () => new Array<number>(nf).fill(0));
  let accTrain = 0, accTest = 0;
  for (let f = 0; f < nf; f++) {
    const yTrain = column(train.y, nf, f), yTest = column(test.y, nf, f);
    const model = fitBoostedTrees(train.x, yTrain, fc.dim, fc.sizes[f]!);
    model.importances.forEach((v, d) => (r[d]![f] = Math.abs(v)));
    accTrain += accuracy(predictBoostedTrees(model, train.x), yTrain) / nf;
    accTest += accuracy(predictBoostedTrees(model, test.x), yTest) / nf;
  }
  return { ...dciFromImportance(r), informativeness: accTest, informativenessTrain: accTrain };
}
