// Gradient-boosted regression trees for classification, as scikit-learn's
// GradientBoostingClassifier defaults that DCI uses (100 stages, learning rate 0.1, depth 3,
// one tree per class and stage on the multinomial deviance's negative gradient, leaves set by
// one Newton step, the prior as the initial score), with two documented differences:
// - splits are searched over at most 1,024 quantile bins of each feature (histogram boosting)
//   instead of every distinct value; with at most 1,024 distinct values the two coincide;
// - two-class problems use the multinomial deviance with two trees per stage, where sklearn fits
//   one tree on the binomial deviance.
// Feature importances as sklearn's: each tree's total squared-error decrease per feature over the
// training size, averaged over the trees that split, normalized to sum 1. Where features tie for
// the best split (small nodes of repeated grid points often split identically on several), the
// first one splits and the decrease is shared equally among them, so the importances do not depend
// on the order of the features (sklearn breaks such ties at random). Browser-safe.

export interface BoostedTreesOptions {
  stages?: number;
  learningRate?: number;
  maxDepth?: number;
  maxBins?: number;
}

interface Tree {
  /** Internal nodes: feature (−1 for a leaf), threshold (go left when x ≤ it), children; leaves: value. */
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

export interface BoostedTrees {
  classes: number;
  dim: number;
  prior: Float64Array;
  learningRate: number;
  /** stages × classes trees. */
  trees: Tree[];
  importances: Float64Array;
}

/** Thresholds of each feature's bins: midpoints between distinct values, or quantiles when there are more than maxBins. */
function binEdges(x: Float64Array, n: number, dim: number, j: number, maxBins: number): Float64Array {
  const v = Float64Array.from({ length: n }, (_, i) => x[i * dim + j]!).sort();
  const distinct: number[] = [];
  for (let i = 0; i < n; i++) if (i === 0 || v[i] !== v[i - 1]) distinct.push(v[i]!);
  if (distinct.length <= maxBins) return Float64Array.from(distinct.slice(1), (u, k) => (distinct[k]! + u) / 2);
  const edges: number[] = [];
  for (let b = 1; b < maxBins; b++) {
    const q = v[Math.floor((b * n) / maxBins)]!;
    if (edges.length === 0 || q > edges.at(-1)!) edges.push(q);
  }
  return Float64Array.from(edges);
}

function binOf(edges: Float64Array, u: number): number {
  let lo = 0, hi = edges.length; // first edge ≥ u
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function fitBoostedTrees(x: Float64Array, y: Int32Array, dim: number, classes: number, opts: BoostedTreesOptions = {}): BoostedTrees {
  const stages = opts.stages ?? 100, lr = opts.learningRate ?? 0.1, maxDepth = opts.maxDepth ?? 3, maxBins = opts.maxBins ?? 1024;
  const n = y.length;
  const counts = new Float64Array(classes);
  for (let i = 0; i < n; i++) counts[y[i]!]++;
  const prior = Float64Array.from(counts, (c) => Math.log(Math.max(c, 1e-12) / n));
  const model: BoostedTrees = { classes, dim, prior, learningRate: lr, trees: [], importances: new Float64Array(dim) };
  if (Array.from(counts).filter((c) => c > 0).length < 2) return model; // one class: nothing to learn
  const edges = Array.from({ length: dim }, (_, j) => binEdges(x, n, dim, j, maxBins));
  const bins = new Uint16Array(n * dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) bins[i * dim + j] = binOf(edges[j]!, x[i * dim + j]!);
  const raw = new Float64Array(n * classes);
  for (let i = 0; i < n; i++) raw.set(prior, i * classes);
  const residual = new Float64Array(n), prob = new Float64Array(n * classes);
  const importanceSum = new Float64Array(dim);
  let splittingTrees = 0;
  const order = new Int32Array(n);
  for (let s = 0; s < stages; s++) {
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let k = 0; k < classes; k++) max = Math.max(max, raw[i * classes + k]!);
      let sum = 0;
      for (let k = 0; k < classes; k++) sum += (prob[i * classes + k] = Math.exp(raw[i * classes + k]! - max));
      for (let k = 0; k < classes; k++) prob[i * classes + k]! /= sum;
    }
    for (let k = 0; k < classes; k++) {
      for (let i = 0; i < n; i++) residual[i] = (y[i] === k ? 1 : 0) - prob[i * classes + k]!;
      for (let i = 0; i < n; i++) order[i] = i;
      const imp = new Float64Array(dim);
      const tree = growTree(order, residual, bins, edges, dim, maxDepth, classes, imp);
      if (tree.feature.some((f) => f >= 0)) {
        splittingTrees++;
        for (let j = 0; j < dim; j++) importanceSum[j] += imp[j]! / n;
      }
      model.trees.push(tree);
      for (let i = 0; i < n; i++) raw[i * classes + k] += lr * leafValue(tree, (j) => x[i * dim + j]!);
    }
  }
  const total = importanceSum.reduce((a, b) => a + b, 0);
  if (splittingTrees > 0 && total > 0) for (let j = 0; j < dim; j++) model.importances[j] = importanceSum[j]! / total;
  return model;
}

/** Grows one depth-limited tree on `residual` over the samples in `order` (reordered in place). */
function growTree(order: Int32Array, residual: Float64Array, bins: Uint16Array, edges: Float64Array[], dim: number, maxDepth: number, classes: number, imp: Float64Array): Tree {
  const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [] };
  const maxB = Math.max(1, ...edges.map((e) => e.length + 1));
  const cnt = new Float64Array(maxB), sum = new Float64Array(maxB);
  const grow = (lo: number, hi: number, depth: number): number => {
    const id = tree.feature.length;
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    let s = 0, num = 0, den = 0;
    for (let t = lo; t < hi; t++) {
      const r = residual[order[t]!]!;
      s += r;
      num += r;
      den += Math.abs(r) * (1 - Math.abs(r));
    }
    tree.value.push(den > 1e-150 ? ((classes - 1) / classes) * (num / den) : 0);
    const n = hi - lo;
    if (depth >= maxDepth || n < 2) return id;
    let best = 1e-12 * Math.max(1, Math.abs(s)), bestJ = -1, bestB = -1;
    let tied: number[] = [];
    for (let j = 0; j < dim; j++) {
      const nb = edges[j]!.length + 1;
      cnt.fill(0, 0, nb);
      sum.fill(0, 0, nb);
      for (let t = lo; t < hi; t++) {
        const i = order[t]!, b = bins[i * dim + j]!;
        cnt[b]++;
        sum[b] += residual[i]!;
      }
      let nl = 0, sl = 0;
      for (let b = 0; b < nb - 1; b++) {
        nl += cnt[b]!;
        sl += sum[b]!;
        const nr = n - nl;
        if (nl === 0 || nr === 0) continue;
        const sr = s - sl;
        const gain = (sl * sl) / nl + (sr * sr) / nr - (s * s) / n;
        if (gain > best * (1 + 1e-12)) [best, bestJ, bestB, tied] = [gain, j, b, [j]];
        else if (bestJ >= 0 && gain >= best * (1 - 1e-12) && !tied.includes(j)) tied.push(j);
      }
    }
    if (bestJ < 0) return id;
    let mid = lo;
    for (let t = lo; t < hi; t++) {
      if (bins[order[t]! * dim + bestJ]! <= bestB) {
        const tmp = order[mid]!;
        order[mid++] = order[t]!;
        order[t] = tmp;
      }
    }
    for (const j of tied) imp[j] += best / tied.length;
    tree.feature[id] = bestJ;
    tree.threshold[id] = edges[bestJ]![bestB]!;
    tree.left[id] = grow(lo, mid, depth + 1);
    tree.right[id] = grow(mid, hi, depth + 1);
    return id;
  };
  grow(0, order.length, 0);
  return tree;
}

function leafValue(tree: Tree, feature: (j: number) => number): number {
  let node = 0;
  while (tree.feature[node]! >= 0) node = feature(tree.feature[node]!) <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
  return tree.value[node]!;
}

export function predictBoostedTrees(m: BoostedTrees, x: Float64Array): Int32Array {
  const n = x.length / m.dim;
  const out = new Int32Array(n);
  const score = new Float64Array(m.classes);
  for (let i = 0; i < n; i++) {
    score.set(m.prior);
    m.trees.forEach((t, k) => (score[k % m.classes] += m.learningRate * leafValue(t, (j) => x[i * m.dim + j]!)));
    let best = 0;
    for (let k = 1; k < m.classes; k++) if (score[k]! > score[best]!) best = k;
    out[i] = best;
  }
  return out;
}
