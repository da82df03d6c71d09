// Weight normalization as the authors apply it after init (torch.nn.utils.weight_norm): each conv
// weight w becomes w = g · v / ‖v‖ with one g per output channel: Conv2d weights [out, in, kh, kw]
// use dim 0 (g [out, 1, 1, 1], the norm over the other dims), ConvTranspose2d weights
// [in, out, kh, kw] dim 1 (g [1, out, 1, 1]). v starts as w and g as ‖w‖, so w is unchanged.
// Only conv/deconv/masked-conv weights: the `param`s feeding input 1 of a conv2d or
// conv_transpose2d node. Linear layers, GRU cells and biases stay as they are.
// Trainable names follow PyTorch: `<path>_g` and `<path>_v` (`…weight_g`, `…weight_v`).
import { isParam, numel, type IrGraph, type IrParam } from '../ir.js';
import type { CompiledModel } from '../program.js';

export interface TrainableSpec {
  /** Trainable tensor name: a parameter path, or `<path>_g` / `<path>_v`. */
  name: string;
  /** The matching PyTorch state_dict name. */
  torch: string;
  shape: number[];
}

interface Target {
  param: IrParam;
  dim: 0 | 1;
  /** Output channels (one g each) and the slice of element i. */
  slices: number;
  sliceOf: (i: number) => number;
}

/** Which parameters get weight norm, and along which dim: 0 for conv2d, 1 for conv_transpose2d. */
export function weightNormTargets(graph: IrGraph): Map<string, 0 | 1> {
  const byNode = new Map(graph.nodes.filter(isParam).map((n) => [n.id, n.attrs.path as string]));
  const out = new Map<string, 0 | 1>();
  for (const n of graph.nodes) {
    if (n.op !== 'conv2d' && n.op !== 'conv_transpose2d') continue;
    const path = byNode.get(n.inputs[1]);
    if (path !== undefined) out.set(path, n.op === 'conv2d' ? 0 : 1);
  }
  return out;
}

export class WeightNorm {
  private readonly targets = new Map<string, Target>();
  readonly specs: TrainableSpec[] = [];

  /** `targets` empty (or from --no-weight-norm) makes this the identity reparameterization. */
  constructor(readonly params: readonly IrParam[], targets: Map<string, 0 | 1>) {
    for (const p of params) {
      const dim = targets.get(p.path);
      if (dim === undefined || p.shape.length !== 4) {
        this.specs.push({ name: p.path, torch: p.torch, shape: p.shape });
        continue;
      }
      const [d0, d1, kh, kw] = p.shape;
      const t: Target = dim === 0
        ? { param: p, dim, slices: d0, sliceOf: (i) => Math.floor(i / (d1 * kh * kw)) }
        : { param: p, dim, slices: d1, sliceOf: (i) => Math.floor(i / (kh * kw)) % d1 };
      this.targets.set(p.path, t);
      this.specs.push({ name: `${p.path}_g`, torch: `${p.torch}_g`, shape: dim === 0 ? [d0, 1, 1, 1] : [1, d1, 1, 1] });
      this.specs.push({ name: `${p.path}_v`, torch: `${p.torch}_v`, shape: [...p.shape] });
    }
  }

  get normalized(): string[] {
    return [...this.targets.keys()];
  }

  /** The trainable tensors for weights w: g = ‖w‖ per slice, v = w (copies). */
  fromWeights(w: Map<string, Float32Array>): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const p of this.params) {
      const value = w.get(p.path);
      if (!value) throw new Error(`weight norm: no value for parameter '${p.path}'`);
      const t = this.targets.get(p.path);
      if (!t) {
        out.set(p.path, Float32Array.from(value));
        continue;
      }
      out.set(`${p.path}_g`, Float32Array.from(norms(t, value)));
      out.set(`${p.path}_v`, Float32Array.from(value));
    }
    return out;
  }

  /** The model's parameters w = g · v / ‖v‖ (others passed through, not copied). */
  weights(trainable: Map<string, Float32Array>): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const p of this.params) {
      const t = this.targets.get(p.path);
      if (!t) {
        out.set(p.path, this.get(trainable, p.path));
        continue;
      }
      const g = this.get(trainable, `${p.path}_g`), v = this.get(trainable, `${p.path}_v`);
      const scale = norms(t, v).map((n, s) => Math.fround(g[s]) / n);
      const w = new Float32Array(v.length);
      for (let i = 0; i < v.length; i++) w[i] = v[i] * scale[t.sliceOf(i)];
      out.set(p.path, w);
    }
    return out;
  }

  /**
   * Gradients of the trainable tensors from the gradients of w (chain rule, as PyTorch's
   * weight_norm backward): with n = ‖v‖, ∂g = Σ ∂w·v / n and ∂v = g/n · (∂w − ∂g · v / n).
   */
  backward(trainable: Map<string, Float32Array>, gradW: Map<string, Float32Array>): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const p of this.params) {
      const dw = this.get(gradW, p.path);
      const t = this.targets.get(p.path);
      if (!t) {
        out.set(p.path, dw);
        continue;
      }
      const g = this.get(trainable, `${p.path}_g`), v = this.get(trainable, `${p.path}_v`);
      const n = norms(t, v);
      const dot = new Float64Array(t.slices);
      for (let i = 0; i < v.length; i++) dot[t.sliceOf(i)] += dw[i] * v[i];
      const dg = new Float32Array(t.slices);
      for (let s = 0; s < t.slices; s++) dg[s] = dot[s] / n[s];
      const dv = new Float32Array(v.length);
      for (let i = 0; i < v.length; i++) {
        const s = t.sliceOf(i);
        dv[i] = (g[s] / n[s]) * (dw[i] - (dg[s] * v[i]) / n[s]);
      }
      out.set(`${p.path}_g`, dg);
      out.set(`${p.path}_v`, dv);
    }
    return out;
  }

  private get(m: Map<string, Float32Array>, name: string): Float32Array {
    const v = m.get(name);
    if (!v) throw new Error(`weight norm: no tensor '${name}'`);
    return v;
  }
}

/** ‖v‖ per slice, accumulated in float64 and rounded to float32 (so g = ‖w‖ makes g / ‖v‖ exactly 1). */
function norms(t: Target, v: ArrayLike<number>): number[] {
  const sq = new Float64Array(t.slices);
  for (let i = 0; i < v.length; i++) sq[t.sliceOf(i)] += v[i] * v[i];
  return Array.from(sq, (s) => Math.fround(Math.sqrt(s)));
}

/** The reparameterization a recipe trains `model` under (identity without weight norm). */
export function weightNormFor(model: CompiledModel, enabled: boolean): WeightNorm {
  return new WeightNorm(model.params, enabled ? weightNormTargets(model.graphs.elbo.ir) : new Map());
}

export const trainableCount = (specs: readonly TrainableSpec[]): number => specs.reduce((s, t) => s + numel(t.shape), 0);
