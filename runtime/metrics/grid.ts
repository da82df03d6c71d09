// A representation over a full factor grid: one code row per grid point, in mixed-radix order
// (last factor fastest), so a metric can "sample observations with chosen factors" by index, as
// disentanglement_lib's GroundTruthData does. Seeded sampling, and a generator per metric so each
// metric's draws do not depend on which others ran (disentanglement_lib seeds each with 0).
// Browser-safe.
import { mix32, splitmix32 } from '../data/batches.js';

export interface FactorCodes {
  /** count × dim codes, row k the representation of grid point k. */
  codes: Float32Array;
  dim: number;
  /** Number of values of each factor; their product is the number of rows. */
  sizes: number[];
}

export class MetricsError extends Error {
  override name = 'MetricsError';
}

export function checkFactorCodes(fc: FactorCodes): number {
  if (fc.sizes.length < 2 || fc.sizes.some((s) => !Number.isInteger(s) || s < 2)) throw new MetricsError(`factor sizes must be at least two integers ≥ 2 (a factor with one value varies nothing), got ${fc.sizes.join(',')}`);
  if (!Number.isInteger(fc.dim) || fc.dim < 2) throw new MetricsError(`the codes must have at least 2 dimensions (MIG and SAP compare the best two), got ${fc.dim}`);
  const count = fc.sizes.reduce((a, b) => a * b, 1);
  if (fc.codes.length !== count * fc.dim) {
    throw new MetricsError(`the codes have ${fc.codes.length / fc.dim} rows, but the factor grid ${fc.sizes.join('×')} has ${count} points (one row per point, last factor fastest)`);
  }
  for (let i = 0; i < fc.codes.length; i++) {
    if (!Number.isFinite(fc.codes[i]!)) throw new MetricsError(`code row ${Math.floor(i / fc.dim)}, dimension ${i % fc.dim} is ${fc.codes[i]}; codes must be finite`);
  }
  return count;
}

/** A seeded uniform generator: splitmix32, one stream per (seed, metric name). */
export class Rng {
  private readonly next: () => number;

  constructor(seed: number, stream: string) {
    let h = mix32(seed >>> 0);
    for (let i = 0; i < stream.length; i++) h = mix32((h ^ stream.charCodeAt(i)) >>> 0);
    this.next = splitmix32(h);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.next() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
}

/** Draws `n` grid points with each factor uniform and independent: their factor digits, n × factors. */
export function sampleFactors(sizes: readonly number[], n: number, rng: Rng): Int32Array {
  const out = new Int32Array(n * sizes.length);
  for (let i = 0; i < n; i++) for (let f = 0; f < sizes.length; f++) out[i * sizes.length + f] = rng.int(sizes[f]!);
  return out;
}

/** The row of the grid point with the given digits (row `i` of an n × factors array). */
export function rowOf(sizes: readonly number[], factors: Int32Array, i: number): number {
  let index = 0;
  for (let f = 0; f < sizes.length; f++) index = index * sizes[f]! + factors[i * sizes.length + f]!;
  return index;
}

/** Codes (n × dim, float64) and factor digits (n × factors) of `n` uniformly drawn grid points. */
export function sampleCodes(fc: FactorCodes, n: number, rng: Rng): { x: Float64Array; y: Int32Array } {
  const y = sampleFactors(fc.sizes, n, rng);
  const x = new Float64Array(n * fc.dim);
  for (let i = 0; i < n; i++) {
    const row = rowOf(fc.sizes, y, i);
    for (let d = 0; d < fc.dim; d++) x[i * fc.dim + d] = fc.codes[row * fc.dim + d]!;
  }
  return { x, y };
}

/** Column `f` of an n × k int array. */
export function column(a: Int32Array, k: number, f: number): Int32Array {
  const n = a.length / k;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i * k + f]!;
  return out;
}
