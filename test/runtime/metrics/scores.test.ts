// The five scores on representations with known answers over a small full factor grid.
import { describe, expect, it } from 'vitest';
import { indexToFactors } from '../../../runtime/data/shapes3d.js';
import { dciFromImportance } from '../../../runtime/metrics/dci.js';
import { disentanglementScores, type DisentanglementScores, type FactorCodes, METRIC_DEFAULTS, type MetricSizes, MetricsError } from '../../../runtime/metrics/index.js';
import { histogramDiscretize, mutualInfo } from '../../../runtime/metrics/mig.js';
import { normals } from '../../../runtime/rng/philox.js';

const SIZES = [5, 4, 3, 6]; // 360 grid points
const N = SIZES.reduce((a, b) => a * b, 1);
const SMALL: MetricSizes = {
  betaVae: { batch: 64, trainPoints: 1500, evalPoints: 800 },
  factorVae: { batch: 64, varianceEstimate: 2000, trainPoints: 1500, evalPoints: 800, pruneStd: 0.05 },
  mig: { points: 3000, bins: 20 },
  dci: { trainPoints: 1500, testPoints: 800 },
  sap: { trainPoints: 1500, testPoints: 800, C: 0.01 },
};

/** Codes built from each grid point's factors (scaled to [−1, 1]) and fixed per-point noise. */
function codesOf(fn: (f: number[], z: (d: number) => number) => number[]): FactorCodes {
  const dim = fn(new Array<number>(SIZES.length).fill(0), () => 0).length;
  const z = normals(3, 11, 0, N * dim);
  const codes = new Float32Array(N * dim);
  for (let i = 0; i < N; i++) {
    const f = indexToFactors(i, SIZES).map((v, k) => (2 * v) / (SIZES[k]! - 1) - 1);
    codes.set(fn(f, (d) => z[i * dim + d]!), i * dim);
  }
  return { codes, dim, sizes: SIZES };
}

const separated = codesOf((f, z) => f.map((v, d) => 3 * v + 0.02 * z(d)));
const noise = codesOf((_, z) => [0, 1, 2, 3, 4, 5].map(z));
// Factors 0 and 1 mixed by a 45° rotation, the others kept apart.
const mixed = codesOf((f, z) => [f[0]! + f[1]!, f[0]! - f[1]!, f[2]!, f[3]!].map((v, d) => 3 * v + 0.02 * z(d)));
// Partly entangled: each dimension mostly one factor, a little of the next, plus noise.
const partial = codesOf((f, z) => f.map((v, d) => v + 0.4 * f[(d + 1) % f.length]! + 0.3 * z(d)));

const flat = (s: DisentanglementScores) => [s.beta_vae, s.factor_vae, s.mig, s.dci.disentanglement, s.dci.completeness, s.dci.informativeness, s.sap];

function transform(fc: FactorCodes, perm: number[], scale: number[]): FactorCodes {
  const codes = new Float32Array(fc.codes.length);
  for (let i = 0; i < N; i++) perm.forEach((src, d) => (codes[i * fc.dim + d] = scale[d]! * fc.codes[i * fc.dim + src]!));
  return { ...fc, codes };
}

describe('disentanglement scores', () => {
  it('codes equal to the factors score β-VAE and FactorVAE 1, MIG ≥ 0.9, DCI disentanglement ≥ 0.9 (disentanglement_lib sizes)', () => {
    const s = disentanglementScores(separated, 0, METRIC_DEFAULTS);
    expect(s.beta_vae).toBe(1);
    expect(s.factor_vae).toBe(1);
    expect(s.details.factor_vae_active_dims).toBe(4);
    expect(s.mig).toBeGreaterThanOrEqual(0.9);
    expect(s.dci.disentanglement).toBeGreaterThanOrEqual(0.9);
    expect(s.dci.completeness).toBeGreaterThanOrEqual(0.9);
    expect(s.dci.informativeness).toBe(1);
    expect(s.sap).toBeGreaterThan(0.2);
  });

  it('pure noise scores MIG ≤ 0.05, FactorVAE near chance (1/4), low DCI disentanglement and SAP', () => {
    const s = disentanglementScores(noise, 0, SMALL);
    expect(s.mig).toBeLessThanOrEqual(0.05);
    expect(s.factor_vae).toBeLessThan(0.45);
    expect(s.beta_vae).toBeLessThan(0.45);
    expect(s.dci.disentanglement).toBeLessThan(0.1);
    expect(s.sap).toBeLessThan(0.05);
  });

  it('a code mixing two factors scores lower MIG (and DCI disentanglement) than one separating them', () => {
    const m = disentanglementScores(mixed, 0, SMALL), s = disentanglementScores(separated, 0, SMALL);
    expect(m.mig).toBeLessThan(s.mig - 0.2);
    expect(m.dci.disentanglement).toBeLessThan(s.dci.disentanglement - 0.1);
  });

  it('permuting code dimensions leaves every score unchanged', () => {
    const a = flat(disentanglementScores(partial, 0, SMALL));
    const b = flat(disentanglementScores(transform(partial, [2, 0, 3, 1], [1, 1, 1, 1]), 0, SMALL));
    b.forEach((v, k) => expect(v, `score ${k}`).toBeCloseTo(a[k]!, 6));
    expect(a[3]).toBeLessThan(0.9); // not a trivially perfect code
  });

  // FactorVAE, MIG and DCI are invariant by construction. The β-VAE metric's logistic regression
  // and SAP's SVM are L2-penalized, as in disentanglement_lib, so their optimum moves a little
  // with the scale of a feature: invariant up to that.
  it('rescaling code dimensions (sign included) leaves every score unchanged', () => {
    const a = flat(disentanglementScores(partial, 0, SMALL));
    const b = flat(disentanglementScores(transform(partial, [0, 1, 2, 3], [2, -0.5, 4, 1.5]), 0, SMALL));
    [1, 2, 3, 4, 5].forEach((k) => expect(b[k], `score ${k}`).toBeCloseTo(a[k]!, 6));
    [0, 6].forEach((k) => expect(Math.abs(b[k]! - a[k]!), `score ${k}`).toBeLessThan(0.02));
  });

  it('a fixed seed gives identical scores; another seed other draws', () => {
    const a = disentanglementScores(partial, 7, SMALL), b = disentanglementScores(partial, 7, SMALL);
    expect(b).toEqual(a);
    expect(flat(disentanglementScores(partial, 8, SMALL))).not.toEqual(flat(a));
  });

  it('rejects codes that do not match the factor grid', () => {
    expect(() => disentanglementScores({ ...separated, sizes: [5, 4, 3, 5] })).toThrow(MetricsError);
    expect(() => disentanglementScores({ ...separated, sizes: [5, 4, 3, 5] })).toThrow(/have 360 rows, but the factor grid 5×4×3×5 has 300 points/);
    const bad = new Float32Array(separated.codes);
    bad[7] = NaN;
    expect(() => disentanglementScores({ ...separated, codes: bad })).toThrow(/code row 1, dimension 3 is NaN/);
  });
});

describe('MIG and DCI building blocks', () => {
  it('histogram discretization matches np.digitize(v, np.histogram(v, 20)[1][:-1])', () => {
    // np: bins of width 0.5 over [0, 10]; 10 (the max) lands in bin 20.
    expect([...histogramDiscretize(Float64Array.from([0, 0.49, 0.5, 9.99, 10]), 20)]).toEqual([1, 1, 2, 20, 20]);
    expect([...histogramDiscretize(Float64Array.from([3, 3]), 20)]).toEqual([11, 11]);
  });

  it('mutual information in nats: log 2 for a copied fair bit, 0 for independent labels', () => {
    expect(mutualInfo(Int32Array.from([0, 1, 0, 1]), Int32Array.from([5, 7, 5, 7]))).toBeCloseTo(Math.LN2, 12);
    expect(mutualInfo(Int32Array.from([0, 0, 1, 1]), Int32Array.from([0, 1, 0, 1]))).toBe(0);
  });

  it('DCI of a permutation matrix is 1 and of a uniform one 0', () => {
    const d = dciFromImportance([[0, 1], [1, 0]]);
    expect(d.disentanglement).toBeCloseTo(1, 9);
    expect(d.completeness).toBeCloseTo(1, 9);
    const u = dciFromImportance([[1, 1], [1, 1]]);
    expect(u.disentanglement).toBeCloseTo(0, 9);
    expect(u.completeness).toBeCloseTo(0, 9);
  });
});
