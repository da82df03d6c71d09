// The metrics' classifiers against scikit-learn 1.2.1 (what disentanglement_lib calls) on one fixed
// data set (reference-data.ts); the numbers below are scripts/sklearn-reference.py's output.
import { describe, expect, it } from 'vitest';
import { fitBoostedTrees, predictBoostedTrees } from '../../../runtime/metrics/boosted-trees.js';
import { dciFromImportance } from '../../../runtime/metrics/dci.js';
import { column } from '../../../runtime/metrics/grid.js';
import { fitLinearSvm, predictLinearSvm } from '../../../runtime/metrics/linear-svm.js';
import { accuracy, fitLogistic } from '../../../runtime/metrics/logistic-regression.js';
import { histogramDiscretize, mutualInfo } from '../../../runtime/metrics/mig.js';
import { DIM, referenceData, SIZES } from './reference-data.js';

const SKLEARN = {
  importance: [
    [0.606383231729511, 0.06133638022515703, 0.005152679735952342, 0.1619654462373923],
    [0.14887130655757114, 0.6730412562915896, 0.023862186705480994, 0.07662622439986533],
    [0.05258822933750639, 0.1687326948213166, 0.8635931712115841, 0.08809561216880774],
    [0.07514442887132664, 0.04040584319869942, 0.09121324588424849, 0.595002909765383],
    [0.11701280350408473, 0.05648382546323732, 0.016178716462734145, 0.07830980742855168],
  ],
  accuracy: [0.983, 0.988, 1.0, 0.988],
  disentanglement: 0.3884178816471023,
  completeness: 0.38497300823801545,
  sap: [[0.481, 0.317, 0.405, 0.155], [0.228, 0.581, 0.391, 0.164], [0.21, 0.235, 0.803, 0.246], [0.271, 0.256, 0.343, 0.421], [0.218, 0.263, 0.348, 0.183]],
  mig: 0.3822861808253771,
  coef: [
    [-7.052784193612453, 3.133829859029159, 2.23171766483328, 2.177990300916366, -0.08530035461820129],
    [2.0083380936240864, -7.002624430027628, 2.7767612936108166, 2.5802954586269093, 0.1151943008465604],
    [1.8485856791400193, 1.3107060922149805, -6.926050654587486, 2.3059536892099692, 0.02552300806414727],
    [3.195860420848345, 2.55808847878348, 1.9175716961433884, -7.0642394487532485, -0.05541695429250836],
  ],
  intercept: [-0.525702053392267, -0.2555957284809032, 1.7004067375761933, -0.9191089557030315],
};

const { train, test, betaTrain } = referenceData();
const nf = SIZES.length;
const dimension = (x: Float64Array, d: number) => Float64Array.from({ length: x.length / DIM }, (_, i) => x[i * DIM + d]!);

describe('agreement with scikit-learn', () => {
  it('gradient-boosted trees: importances within 0.005, test accuracies within 0.01, DCI within 0.002', () => {
    const r = Array.from({ length: DIM }, () => new Array<number>(nf).fill(0));
    for (let f = 0; f < nf; f++) {
      const m = fitBoostedTrees(train.x, column(train.y, nf, f), DIM, SIZES[f]!);
      m.importances.forEach((v, d) => (r[d]![f] = v));
      expect(Math.abs(accuracy(predictBoostedTrees(m, test.x), column(test.y, nf, f)) - SKLEARN.accuracy[f]!)).toBeLessThan(0.01);
    }
    r.forEach((row, d) => row.forEach((v, f) => expect(Math.abs(v - SKLEARN.importance[d]![f]!), `R[${d}][${f}]`).toBeLessThan(0.005)));
    const dci = dciFromImportance(r);
    expect(Math.abs(dci.disentanglement - SKLEARN.disentanglement)).toBeLessThan(0.002);
    expect(Math.abs(dci.completeness - SKLEARN.completeness)).toBeLessThan(0.002);
  });

  it('LinearSVC(C = 0.01, balanced): the same SAP score matrix', () => {
    for (let d = 0; d < DIM; d++) {
      for (let f = 0; f < nf; f++) {
        const m = fitLinearSvm(dimension(train.x, d), column(train.y, nf, f), 1, SIZES[f]!, 0.01);
        expect(accuracy(predictLinearSvm(m, dimension(test.x, d)), column(test.y, nf, f)), `S[${d}][${f}]`).toBeCloseTo(SKLEARN.sap[d]![f]!, 9);
      }
    }
  });

  it('MIG: histogram discretization and mutual information equal to 1e-12', () => {
    const disc = Array.from({ length: DIM }, (_, d) => histogramDiscretize(dimension(train.x, d), 20));
    let total = 0;
    for (let f = 0; f < nf; f++) {
      const y = column(train.y, nf, f);
      const m = disc.map((c) => mutualInfo(c, y)).sort((a, b) => b - a);
      total += (m[0]! - m[1]!) / mutualInfo(y, y);
    }
    expect(total / nf).toBeCloseTo(SKLEARN.mig, 12);
  });

  it('LogisticRegression(): the same coefficients and intercepts to 0.002', () => {
    const m = fitLogistic(betaTrain.x, betaTrain.y, DIM, nf);
    for (let k = 0; k < nf; k++) {
      for (let d = 0; d < DIM; d++) expect(Math.abs(m.w[k * (DIM + 1) + d]! - SKLEARN.coef[k]![d]!), `coef[${k}][${d}]`).toBeLessThan(0.002);
      expect(Math.abs(m.w[k * (DIM + 1) + DIM]! - SKLEARN.intercept[k]!), `intercept[${k}]`).toBeLessThan(0.002);
    }
  });
});
