// One rule per forward IR op: the torch expression computing the node from its operands. Tensors
// of batched nodes carry the batch as a leading dimension; unbatched ones (parameters, constants)
// have exactly their per-example shape, so layout ops index dimensions from the end.
import type { GradOp, IrNode, OpName } from '../../runtime/ir.js';

export interface Operand {
  /** A Python expression: a variable, or a float literal for an inlined constant. */
  expr: string;
  shape: number[];
  batched: boolean;
}

export interface RuleCtx {
  node: IrNode;
  ins: Operand[];
  /** Operand i, repeated over the batch when this node is batched and the operand isn't. */
  data(i: number): string;
  /** The PyTorch name of a parameter (attr `path`). */
  param(path: string): string;
  noise(stream: string): string;
  scalar(name: string): string;
  input(name: string): string;
}

type Rule = (c: RuleCtx) => string;
const num = (n: IrNode, a: string) => n.attrs[a] as number;
const tuple = (s: number[]) => (s.length === 1 ? `(${s[0]},)` : `(${s.join(', ')})`);

/** An operand shaped to broadcast against the node: a batched per-example scalar [B] becomes [B, 1, …]. */
function broadcastable(c: RuleCtx, i: number): string {
  const o = c.ins[i];
  const rank = c.node.shape.length;
  return o.batched && o.shape.length === 0 && rank > 0 ? `${o.expr}.reshape(-1${', 1'.repeat(rank)})` : o.expr;
}

const unary = (f: (x: string) => string): Rule => (c) => f(c.ins[0].expr);
const infix = (op: string): Rule => (c) => `${broadcastable(c, 0)} ${op} ${broadcastable(c, 1)}`;
const optBias = (c: RuleCtx, i: number) => (c.ins[i] ? c.ins[i].expr : 'None');

function conv(c: RuleCtx, fn: 'conv2d' | 'conv_transpose2d'): string {
  const mask = c.node.attrs.mask as string | undefined;
  const w = mask ? `masked(${c.ins[1].expr}, "${mask}")` : c.ins[1].expr;
  return `F.${fn}(${c.data(0)}, ${w}, ${optBias(c, 2)}, stride=${num(c.node, 'stride')}, padding=${num(c.node, 'padding')})`;
}

const gruArgs = (c: RuleCtx, from: number) => c.ins.slice(from, from + 4).map((o) => o.expr).join(', ');

export const PY_RULES: Record<Exclude<OpName, GradOp>, Rule> = {
  input: (c) => c.input(c.node.attrs.name as string),
  param: (c) => c.param(c.node.attrs.path as string),
  const: (c) => `torch.tensor(${pyFloat(num(c.node, 'value'))}, dtype=dtype, device=device)`,
  scalar_input: (c) => `torch.as_tensor(${c.scalar(c.node.attrs.name as string)}, dtype=dtype, device=device)`,
  noise: (c) => c.noise(c.node.attrs.stream as string),
  conv2d: (c) => conv(c, 'conv2d'),
  conv_transpose2d: (c) => conv(c, 'conv_transpose2d'),
  linear: (c) => {
    if (c.node.attrs.transpose) throw new Error('linear with attr transpose only appears in differentiated graphs');
    return `F.linear(${c.data(0)}, ${c.ins[1].expr}, ${optBias(c, 2)})`;
  },
  sdn_sweep: (c) => `sdn_sweep(${c.data(0)}, ${gruArgs(c, 1)}, direction=${num(c.node, 'direction')})`,
  gru_cell: (c) => `gru_cell(${c.data(0)}, ${c.data(1)}, ${gruArgs(c, 2)})`,
  neg: unary((x) => `-${x}`),
  exp: unary((x) => `torch.exp(${x})`),
  log: unary((x) => `torch.log(${x})`),
  tanh: unary((x) => `torch.tanh(${x})`),
  sigmoid: unary((x) => `torch.sigmoid(${x})`),
  elu: unary((x) => `F.elu(${x})`),
  relu: unary((x) => `F.relu(${x})`),
  softplus: unary((x) => `F.softplus(${x})`),
  square: unary((x) => `torch.square(${x})`),
  add: infix('+'),
  sub: infix('-'),
  mul: infix('*'),
  div: infix('/'),
  max: (c) => `torch.maximum(${broadcastable(c, 0)}, ${broadcastable(c, 1)})`,
  slice_channels: (c) => `${c.ins[0].expr}.narrow(${-c.ins[0].shape.length}, ${num(c.node, 'start')}, ${num(c.node, 'size')})`,
  concat_channels: (c) => `torch.cat([${c.ins.map((_, i) => c.data(i)).join(', ')}], dim=${-c.node.shape.length})`,
  pad2d: (c) => {
    const p = num(c.node, 'pad');
    return `F.pad(${c.ins[0].expr}, (${p}, ${p}, ${p}, ${p}))`;
  },
  crop2d: (c) => {
    const n = num(c.node, 'crop');
    return `${c.ins[0].expr}[..., ${n}:-${n}, ${n}:-${n}]`;
  },
  upsample_nearest: (c) => {
    const f = num(c.node, 'factor');
    const [, h, w] = c.ins[0].shape, x = c.ins[0].expr;
    return `${x}[..., :, None, :, None].expand(*${x}.shape[:-2], ${h}, ${f}, ${w}, ${f}).flatten(-4, -3).flatten(-2, -1)`;
  },
  // PyTorch's F.interpolate(scale_factor=1/f, mode='nearest') reads pixel f·i.
  downsample_nearest: (c) => {
    const f = num(c.node, 'factor');
    const [, h, w] = c.node.shape;
    return `${c.ins[0].expr}[..., 0:${h * f}:${f}, 0:${w * f}:${f}]`;
  },
  reshape: (c) => {
    const to = c.node.attrs.shape as number[];
    return c.node.batched ? `${c.ins[0].expr}.reshape(-1${to.map((d) => `, ${d}`).join('')})` : `${c.ins[0].expr}.reshape(${tuple(to)})`;
  },
  // [C] → [C, …] (each channel's value everywhere), or [] → any shape.
  expand: (c) => {
    const to = c.node.attrs.shape as number[];
    const x = c.ins[0];
    const ones = x.shape.length === 0 ? to.map(() => 1) : [to[0], ...to.slice(1).map(() => 1)];
    const view = `${x.expr}.reshape(${x.batched ? '-1, ' : ''}${ones.join(', ')})`;
    if (c.node.batched && !x.batched) return `batched(${view}.expand(${to.join(', ')}), B)`;
    return `${view}.expand(${x.batched ? '-1, ' : ''}${to.join(', ')})`;
  },
  sum_per_example: (c) => (c.ins[0].shape.length === 0 ? c.ins[0].expr : `${c.data(0)}.flatten(1).sum(1)`),
  free_bits: (c) => `free_bits(${c.ins[0].expr}, ${pyFloat(num(c.node, 'lambda'))})`,
  dml_logp: (c) => `dml_logp(${c.data(0)}, ${c.data(1)}, mixtures=${num(c.node, 'mixtures')}, bits=${num(c.node, 'bits')})`,
  dml_mode: (c) => `dml_mode(${c.data(0)}, mixtures=${num(c.node, 'mixtures')})`,
  dl_logp: (c) => `dl_logp(${c.data(0)}, ${c.ins[1].expr}, ${c.data(2)}, bits=${num(c.node, 'bits')})`,
  dl_mode: (c) => `torch.clamp(${c.data(0)}, DL_LO, DL_HI)`,
  bernoulli_logp: (c) => `bernoulli_logp(${c.data(0)}, ${c.data(1)})`,
};

/** A Python float literal that reads back as the same double. */
export function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'math.nan';
  if (!Number.isFinite(v)) return v > 0 ? 'math.inf' : '-math.inf';
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}
