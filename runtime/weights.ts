// Binding a weights file to a model's parameters. Tensors may be named by the compiler's paths
// or by the authors' PyTorch state_dict names. Nothing is silently ignored: a missing, extra or
// wrongly shaped tensor, or one holding NaN or ±Inf, is an error naming it (and both shapes).
import { numel, type IrParam } from './ir.js';

export interface NamedTensor {
  shape: readonly number[];
  data: Float32Array;
}

export class WeightsError extends Error {}

export interface BindOptions {
  /** Accept files that lack some parameters (they keep their current values). */
  allowMissing?: boolean;
  /** Where the tensors came from, for messages. */
  source?: string;
}

export function bindWeights(params: readonly IrParam[], tensors: Map<string, NamedTensor>, opts: BindOptions = {}): Map<string, Float32Array> {
  tensors = withoutWeightNorm(params, tensors);
  const byName = new Map<string, IrParam>();
  for (const p of params) {
    byName.set(p.path, p);
    byName.set(p.torch, p);
  }
  const problems: string[] = [];
  const bound = new Map<string, Float32Array>();
  const named = new Set<string>();
  for (const [name, t] of tensors) {
    const p = byName.get(name);
    if (!p) {
      problems.push(`extra tensor '${name}' ${fmt(t.shape)}: the model has no such parameter`);
      continue;
    }
    named.add(p.path);
    if (bound.has(p.path)) {
      problems.push(`tensor '${name}' binds parameter '${p.path}' a second time`);
      continue;
    }
    const sameShape = t.shape.length === p.shape.length && t.shape.every((d, i) => d === p.shape[i]);
    if (!sameShape) {
      problems.push(`tensor '${name}' has shape ${fmt(t.shape)} but parameter '${p.path}' (PyTorch '${p.torch}') has shape ${fmt(p.shape)}`);
      continue;
    }
    if (t.data.length !== numel(p.shape)) {
      problems.push(`tensor '${name}' holds ${t.data.length} values, its shape ${fmt(t.shape)} needs ${numel(p.shape)}`);
      continue;
    }
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      problems.push(`tensor '${name}' holds non-finite values (${t.data[bad]} at flat index ${bad}); the file is damaged or the run diverged`);
      continue;
    }
    bound.set(p.path, t.data);
  }
  if (!opts.allowMissing) {
    for (const p of params) if (!named.has(p.path)) problems.push(`missing tensor for parameter '${p.path}' (PyTorch '${p.torch}') ${fmt(p.shape)}`);
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 20).map((m) => `  - ${m}`);
    if (problems.length > 20) shown.push(`  … and ${problems.length - 20} more`);
    throw new WeightsError(`${opts.source ?? 'weights'}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${shown.join('\n')}`);
  }
  return bound;
}

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * A weight-normed state dict (torch.nn.utils.weight_norm: `<name>_g`, `<name>_v` for a parameter's
 * path or PyTorch name) with each pair replaced by w = g · v / ‖v‖, the norm over the dims where g
 * has size 1. A pair that doesn't fit is left as it is, so that binding names both tensors.
 */
export function withoutWeightNorm(params: readonly IrParam[], tensors: Map<string, NamedTensor>): Map<string, NamedTensor> {
  const names = new Set(params.flatMap((p) => [p.path, p.torch]));
  const out = new Map(tensors);
  for (const [name, g] of tensors) {
    const base = name.slice(0, -2);
    const v = tensors.get(`${base}_v`);
    if (!name.endsWith('_g') || !v || !names.has(base) || tensors.has(base)) continue;
    const w = weightFromNorm(g, v);
    if (!w) continue;
    out.delete(name);
    out.delete(`${base}_v`);
    out.set(base, w);
  }
  return out;
}

function weightFromNorm(g: NamedTensor, v: NamedTensor): NamedTensor | undefined {
  if (g.shape.length !== v.shape.length || g.shape.some((d, i) => d !== 1 && d !== v.shape[i])) return undefined;
  if (g.data.length !== numel(g.shape) || v.data.length !== numel(v.shape)) return undefined;
  // Element i of v belongs to slice sliceOf(i): its index in g (g broadcasts over the other dims).
  const strides = v.shape.map((_, d) => numel(v.shape.slice(d + 1)));
  const gStrides = g.shape.map((_, d) => numel(g.shape.slice(d + 1)));
  const sliceOf = (i: number) => v.shape.reduce((s, dim, d) => s + (g.shape[d] === 1 ? 0 : (Math.floor(i / strides[d]) % dim) * gStrides[d]), 0);
  const sq = new Float64Array(g.data.length);
  for (let i = 0; i < v.data.length; i++) sq[sliceOf(i)] += v.data[i] * v.data[i];
  const data = new Float32Array(v.data.length);
  for (let i = 0; i < v.data.length; i++) {
    const s = sliceOf(i);
    data[i] = sq[s] > 0 ? (g.data[s] * v.data[i]) / Math.sqrt(sq[s]) : 0;
  }
  return { shape: v.shape, data };
}
