// The mutual information gap (Chen et al., 2018) as disentanglement_lib's compute_mig: codes of
// `points` grid points, each dimension discretized into `bins` equal-width bins over its range
// (np.histogram + np.digitize), the discrete mutual information (nats) of every dimension with
// every factor, and per factor the gap between the two most informative dimensions over the
// factor's entropy, averaged over factors.
import { column, type FactorCodes, Rng, sampleCodes } from './grid.js';

export interface MigOptions {
  points: number;
  bins: number;
}

export const MIG_DEFAULTS: MigOptions = { points: 10000, bins: 20 };

/** np.digitize(v, np.histogram(v, bins)[1][:-1]): bin numbers 1..bins. */
export function histogramDiscretize(v: Float64Array, bins: number): Int32Array {
  let lo = Infinity, hi = -Infinity;
  for (const u of v) [lo, hi] = [Math.min(lo, u), Math.max(hi, u)];
  if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
  const edges = Float64Array.from({ length: bins }, (_, j) => lo + (j * (hi - lo)) / bins);
  return Int32Array.from(v, (u) => {
    let b = 0;
    while (b < bins && edges[b]! <= u) b++;
    return b;
  });
}

/** sklearn.metrics.mutual_info_score of two discrete labelings, in nats. */
export function mutualInfo(a: Int32Array, b: Int32Array): number {
  const n = a.length, joint = new Map<number, number>(), pa = new Map<number, number>(), pb = new Map<number, number>();
  let span = 1;
  for (const v of b) span = Math.max(span, v + 1);
  for (let i = 0; i < n; i++) {
    const key = a[i]! * span + b[i]!;
    joint.set(key, (joint.get(key) ?? 0) + 1);
    pa.set(a[i]!, (pa.get(a[i]!) ?? 0) + 1);
    pb.set(b[i]!, (pb.get(b[i]!) ?? 0) + 1);
  }
  let mi = 0;
  for (const [key, c] of joint) {
    const ca = pa.get(Math.floor(key / span))!, cb = pb.get(key % span)!;
    mi += (c / n) * Math.log((c * n) / (ca * cb));
  }
  return Math.max(0, mi);
}

export function migMetric(fc: FactorCodes, seed: number, o: MigOptions = MIG_DEFAULTS): number {
  const { x, y } = sampleCodes(fc, o.points, new Rng(seed, 'mig'));
  const nf = fc.sizes.length;
  const codes = Array.from({ length: fc.dim }, (_, d) => histogramDiscretize(Float64Array.from({ length: o.points }, (_, i) => x[i * fc.dim + d]!), o.bins));
  let total = 0;
  for (let f = 0; f < nf; f++) {
    const factor = column(y, nf, f);
    const m = codes.map((c) => mutualInfo(c, factor)).sort((a, b) => b - a);
    total += (m[0]! - m[1]!) / mutualInfo(factor, factor);
  }
  return total / nf;
}
