// The FactorVAE metric (Kim & Mnih, 2018) as disentanglement_lib's compute_factor_vae: code
// dimensions are scaled by their global variance (over `varianceEstimate` grid points, ddof 1),
// those with std below `pruneStd` dropped; a point is a factor k drawn uniformly, a batch of grid
// points that share factor k's value, and the dimension of least scaled variance within the
// batch. A majority-vote classifier maps dimensions to factors; the score is its accuracy on
// `evalPoints` fresh points. With no active dimension the score is 0.
import { type FactorCodes, Rng, rowOf, sampleCodes, sampleFactors } from './grid.js';

export interface FactorVaeOptions {
  batch: number;
  varianceEstimate: number;
  trainPoints: number;
  evalPoints: number;
  pruneStd: number;
}

export const FACTOR_VAE_DEFAULTS: FactorVaeOptions = { batch: 64, varianceEstimate: 10000, trainPoints: 10000, evalPoints: 5000, pruneStd: 0.05 };

/** Per-dimension variance (ddof 1) of n × dim rows. */
function variances(x: Float64Array, dim: number): Float64Array {
  const n = x.length / dim, mean = new Float64Array(dim), v = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += x[i * dim + d]! / n;
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) v[d] += (x[i * dim + d]! - mean[d]!) ** 2 / (n - 1);
  return v;
}

function votes(fc: FactorCodes, o: FactorVaeOptions, count: number, global: Float64Array, active: number[], rng: Rng): number[][] {
  const { sizes, dim, codes } = fc, nf = sizes.length;
  const table = Array.from({ length: nf }, () => new Array<number>(active.length).fill(0));
  const batch = new Float64Array(o.batch * dim);
  for (let p = 0; p < count; p++) {
    const k = rng.int(nf);
    const f = sampleFactors(sizes, o.batch, rng);
    for (let i = 1; i < o.batch; i++) f[i * nf + k] = f[k]!;
    for (let i = 0; i < o.batch; i++) {
      const r = rowOf(sizes, f, i) * dim;
      for (let d = 0; d < dim; d++) batch[i * dim + d] = codes[r + d]!;
    }
    const local = variances(batch, dim);
    let arg = 0;
    active.forEach((d, a) => {
      if (local[d]! / global[d]! < local[active[arg]!]! / global[active[arg]!]!) arg = a;
    });
    table[k]![arg]++;
  }
  return table;
}

export function factorVaeMetric(fc: FactorCodes, seed: number, o: FactorVaeOptions = FACTOR_VAE_DEFAULTS): { train: number; eval: number; activeDims: number } {
  const rng = new Rng(seed, 'factor_vae');
  const global = variances(sampleCodes(fc, o.varianceEstimate, rng).x, fc.dim);
  const active = Array.from(global.keys()).filter((d) => Math.sqrt(global[d]!) >= o.pruneStd);
  if (active.length === 0) return { train: 0, eval: 0, activeDims: 0 };
  const trainVotes = votes(fc, o, o.trainPoints, global, active, rng);
  // For each active dimension, the factor that voted for it most often (the first on ties, as argmax).
  const classifier = active.map((_, a) => trainVotes.reduce((best, row, k) => (row[a]! > trainVotes[best]![a]! ? k : best), 0));
  const score = (table: number[][]) => {
    let hits = 0, total = 0;
    table.forEach((row) => row.forEach((v) => (total += v)));
    classifier.forEach((k, a) => (hits += table[k]![a]!));
    return hits / total;
  };
  const evalVotes = votes(fc, o, o.evalPoints, global, active, rng);
  return { train: score(trainVotes), eval: score(evalVotes), activeDims: active.length };
}
