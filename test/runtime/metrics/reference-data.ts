// The fixed data of the scikit-learn cross-check (sklearn-reference.test.ts): a partly entangled
// 5-dimensional code over a 5×4×3×6 grid (each dimension mostly one factor, some of the next, plus
// noise; the fifth pure noise), 2,000 training and 1,000 test points for DCI, SAP and MIG, and
// 1,500 / 800 β-VAE metric points. scripts/sklearn-reference.py computes the reference numbers
// from `npx tsx scripts/sklearn-reference-data.ts > data.json`.
import { indexToFactors } from '../../../runtime/data/shapes3d.js';
import { Rng, rowOf, sampleCodes, sampleFactors } from '../../../runtime/metrics/grid.js';
import { normals } from '../../../runtime/rng/philox.js';

export const SIZES = [5, 4, 3, 6];
export const DIM = 5;

export function referenceData() {
  const n = SIZES.reduce((a, b) => a * b, 1);
  const z = normals(3, 11, 0, n * DIM);
  const codes = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) {
    const f = indexToFactors(i, SIZES).map((v, k) => (2 * v) / (SIZES[k]! - 1) - 1);
    codes.set([...f.map((v, d) => v + 0.4 * f[(d + 1) % 4]! + 0.3 * z[i * DIM + d]!), 0.5 * z[i * DIM + 4]!], i * DIM);
  }
  const rng = new Rng(0, 'xcheck');
  const train = sampleCodes({ codes, dim: DIM, sizes: SIZES }, 2000, rng), test = sampleCodes({ codes, dim: DIM, sizes: SIZES }, 1000, rng);
  const beta = (count: number) => {
    const x = new Float64Array(count * DIM), y = new Int32Array(count);
    for (let p = 0; p < count; p++) {
      const k = rng.int(4), a = sampleFactors(SIZES, 64, rng), b = sampleFactors(SIZES, 64, rng);
      for (let i = 0; i < 64; i++) b[i * 4 + k] = a[i * 4 + k]!;
      for (let i = 0; i < 64; i++) {
        const ra = rowOf(SIZES, a, i) * DIM, rb = rowOf(SIZES, b, i) * DIM;
        for (let d = 0; d < DIM; d++) x[p * DIM + d] += Math.abs(codes[ra + d]! - codes[rb + d]!) / 64;
      }
      y[p] = k;
    }
    return { x, y };
  };
  return { train, test, betaTrain: beta(1500), betaTest: beta(800) };
}
