// One entry per IR op: its shape rule and its forward FLOP count. Shape rules return a
// message instead of a shape when the inputs don't fit; the elaborator turns that into a
// diagnostic at the source expression.
import { numel, type Attr, type OpName } from '../../runtime/ir.js';
import { GRAD_OP_RULES } from './grad-ops.js';

export interface OperandInfo {
  shape: number[];
  batched: boolean;
}

export type Attrs = Record<string, Attr>;

export interface OpRule {
  shape(ins: OperandInfo[], a: Attrs): number[] | string;
  /** Forward FLOPs per example (multiply-adds count as 2). */
  flops(ins: OperandInfo[], out: number[], a: Attrs): number;
}

export const convOut = (size: number, k: number, s: number, p: number) => (size + 2 * p - k) / s + 1;
const convTOut = (size: number, k: number, s: number, p: number) => (size - 1) * s - 2 * p + k;

export const elementwise: OpRule = { shape: (ins) => ins[0].shape, flops: (_i, out) => numel(out) };
const transcendental: OpRule = { shape: (ins) => ins[0].shape, flops: (_i, out) => 4 * numel(out) };

function broadcast(ins: OperandInfo[]): number[] | string {
  const [a, b] = ins;
  if (a.shape.length === 0) return b.shape;
  if (b.shape.length === 0) return a.shape;
  if (a.shape.join() === b.shape.join()) return a.shape;
  return `shapes [${a.shape}] and [${b.shape}] don't match`;
}
const binary: OpRule = { shape: broadcast, flops: (_i, out) => numel(out) };

function conv2dShape(ins: OperandInfo[], a: Attrs): number[] | string {
  const [x, w] = ins;
  if (x.shape.length !== 3) return `conv expects a [C, H, W] map, got [${x.shape}]`;
  const [c, h, wd] = x.shape;
  const [o, ci, kh, kw] = w.shape;
  if (c !== ci) return `input has ${c} channels, the layer expects ${ci}`;
  const s = a.stride as number, p = a.padding as number;
  const oh = convOut(h, kh, s, p), ow = convOut(wd, kw, s, p);
  if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh < 1 || ow < 1)
    return `kernel ${kh}×${kw}, stride ${s}, padding ${p} on a ${h}×${wd} map gives no integer output size ((${h} + 2·${p} − ${kh}) / ${s} + 1 = ${oh})`;
  return [o, oh, ow];
}

function convT2dShape(ins: OperandInfo[], a: Attrs): number[] | string {
  const [x, w] = ins;
  if (x.shape.length !== 3) return `deconv expects a [C, H, W] map, got [${x.shape}]`;
  const [c, h, wd] = x.shape;
  const [ci, o, kh, kw] = w.shape;
  if (c !== ci) return `input has ${c} channels, the layer expects ${ci}`;
  const s = a.stride as number, p = a.padding as number;
  const oh = convTOut(h, kh, s, p), ow = convTOut(wd, kw, s, p);
  if (oh < 1 || ow < 1) return `kernel ${kh}×${kw}, stride ${s}, padding ${p} on a ${h}×${wd} map gives an empty output`;
  return [o, oh, ow];
}

const map3 = (ins: OperandInfo[], f: (c: number, h: number, w: number) => number[] | string) =>
  ins[0].shape.length === 3 ? f(ins[0].shape[0], ins[0].shape[1], ins[0].shape[2]) : `expected a [C, H, W] map, got [${ins[0].shape}]`;

export const OPS: Record<OpName, OpRule> = {
  input: { shape: (_i, a) => a.shape as number[], flops: () => 0 },
  param: { shape: (_i, a) => a.shape as number[], flops: () => 0 },
  const: { shape: () => [], flops: () => 0 },
  scalar_input: { shape: () => [], flops: () => 0 },
  noise: { shape: (_i, a) => a.shape as number[], flops: (_i, out) => 20 * numel(out) },
  conv2d: {
    shape: conv2dShape,
    flops: (ins, out) => 2 * numel(out) * ins[1].shape[1] * ins[1].shape[2] * ins[1].shape[3] + numel(out),
  },
  conv_transpose2d: {
    shape: convT2dShape,
    flops: (ins, out) => 2 * numel(ins[0].shape) * ins[1].shape[1] * ins[1].shape[2] * ins[1].shape[3] + numel(out),
  },
  // With attr `transpose` (autodiff only), y = Wᵀx for W [O, C]: x [O] → [C].
  linear: {
    shape: (ins, a) => {
      const [x, w] = ins;
      const [o, c] = a.transpose ? [w.shape[1], w.shape[0]] : w.shape;
      if (x.shape.length !== 1) return `linear expects a flat vector, got [${x.shape}] (use flatten)`;
      if (x.shape[0] !== c) return `input has ${x.shape[0]} features, the layer expects ${c}`;
      return [o];
    },
    flops: (ins, out) => 2 * ins[0].shape[0] * out[0] + out[0],
  },
  sdn_sweep: {
    shape: (ins) => {
      const [x, wih] = ins;
      if (x.shape.length !== 3) return `an SDN sweep expects a [F, H, W] map, got [${x.shape}]`;
      if (wih.shape[0] !== 3 * x.shape[0]) return `map has ${x.shape[0]} features, the GRU cell expects ${wih.shape[0] / 3}`;
      return x.shape;
    },
    // Every position but those of the first line: a GRU step with input 3F and hidden F.
    flops: (ins, _o, a) => {
      const [f, h, w] = ins[0].shape;
      const steps = (a.direction as number) < 2 ? h * (w - 1) : (h - 1) * w;
      return steps * (2 * (9 * f * f + 3 * f * f) + 12 * f);
    },
  },
  gru_cell: {
    shape: (ins) => {
      const [x, h, wih, whh] = ins;
      if (x.shape.length !== 1 || h.shape.length !== 1) return `a GRU cell takes vectors, got [${x.shape}] and [${h.shape}]`;
      if (wih.shape[1] !== x.shape[0] || whh.shape[1] !== h.shape[0]) return `the GRU cell expects input ${wih.shape[1]} and hidden ${whh.shape[1]}`;
      return h.shape;
    },
    flops: (ins) => 2 * 3 * ins[1].shape[0] * (ins[0].shape[0] + ins[1].shape[0]) + 12 * ins[1].shape[0],
  },
  neg: elementwise, exp: transcendental, log: transcendental, tanh: transcendental, sigmoid: transcendental,
  elu: transcendental, relu: elementwise, softplus: transcendental, square: elementwise,
  add: binary, sub: binary, mul: binary, div: binary, max: binary,
  slice_channels: {
    shape: (ins, a) => {
      const [c, ...rest] = ins[0].shape;
      const start = a.start as number, size = a.size as number;
      if (start + size > c) return `cannot take channels ${start}..${start + size} of a tensor with ${c}`;
      return [size, ...rest];
    },
    flops: () => 0,
  },
  concat_channels: {
    shape: (ins) => {
      const rest = ins[0].shape.slice(1).join();
      const bad = ins.find((i) => i.shape.slice(1).join() !== rest);
      if (bad) return `cannot concatenate maps of sizes [${ins[0].shape.slice(1)}] and [${bad.shape.slice(1)}]`;
      return [ins.reduce((s, i) => s + i.shape[0], 0), ...ins[0].shape.slice(1)];
    },
    flops: () => 0,
  },
  pad2d: { shape: (ins, a) => map3(ins, (c, h, w) => [c, h + 2 * (a.pad as number), w + 2 * (a.pad as number)]), flops: () => 0 },
  crop2d: {
    shape: (ins, a) => map3(ins, (c, h, w) => {
      const n = a.crop as number;
      return h - 2 * n < 1 || w - 2 * n < 1 ? `cropping ${n} from each side of a ${h}×${w} map leaves nothing` : [c, h - 2 * n, w - 2 * n];
    }),
    flops: () => 0,
  },
  upsample_nearest: { shape: (ins, a) => map3(ins, (c, h, w) => [c, h * (a.factor as number), w * (a.factor as number)]), flops: () => 0 },
  downsample_nearest: {
    shape: (ins, a) => map3(ins, (c, h, w) => {
      const f = a.factor as number;
      return [c, Math.floor(h / f), Math.floor(w / f)];
    }),
    flops: () => 0,
  },
  reshape: {
    shape: (ins, a) => {
      const to = a.shape as number[];
      return numel(to) === numel(ins[0].shape) ? to : `cannot reshape [${ins[0].shape}] (${numel(ins[0].shape)} values) to [${to}]`;
    },
    flops: () => 0,
  },
  // [C] → [C, ...], or [] → any shape.
  expand: {
    shape: (ins, a) => {
      const to = a.shape as number[];
      const ok = ins[0].shape.length === 0 || (ins[0].shape.length === 1 && ins[0].shape[0] === to[0]);
      return ok ? to : `cannot expand [${ins[0].shape}] to [${to}]`;
    },
    flops: () => 0,
  },
  sum_per_example: { shape: () => [], flops: (ins) => numel(ins[0].shape) },
  free_bits: { shape: (ins) => (ins[0].shape.length === 0 ? [] : 'free bits apply to a per-example KL'), flops: () => 4 },
  dml_logp: {
    shape: (ins, a) => {
      const [p, x] = ins;
      const m = a.mixtures as number;
      const c = x.shape[0];
      if (p.shape[0] !== m * (1 + 3 * c)) return `a ${m}-component DML over ${c} channels needs ${m * (1 + 3 * c)} parameter channels, got ${p.shape[0]}`;
      if (p.shape.slice(1).join() !== x.shape.slice(1).join()) return `parameters [${p.shape}] don't match the data [${x.shape}]`;
      return [];
    },
    flops: (ins, _o, a) => numel(ins[1].shape) * (a.mixtures as number) * 40,
  },
  dml_mode: {
    shape: (ins, a) => {
      const m = a.mixtures as number, [pc, h, w] = ins[0].shape;
      const c = (pc / m - 1) / 3;
      return Number.isInteger(c) && c >= 1 ? [c, h, w] : `${pc} channels are not the parameters of a ${m}-component DML`;
    },
    flops: (ins) => numel(ins[0].shape),
  },
  dl_logp: {
    shape: (ins) => (ins[0].shape.join() === ins[2].shape.join() ? [] : `means [${ins[0].shape}] don't match the data [${ins[2].shape}]`),
    flops: (ins) => 20 * numel(ins[0].shape),
  },
  dl_mode: { shape: (ins) => ins[0].shape, flops: (ins) => numel(ins[0].shape) },
  ...GRAD_OP_RULES,
  bernoulli_logp: {
    shape: (ins) => (ins[0].shape.join() === ins[1].shape.join() ? [] : `logits [${ins[0].shape}] don't match the data [${ins[1].shape}]`),
    flops: (ins) => 8 * numel(ins[0].shape),
  },
};
