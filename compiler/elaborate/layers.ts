// Built-in layers: each creates its parameters (with the authors' initializers) under its
// module path and emits primitive IR ops. An SDN layer is project-in conv + tanh, one
// sdn_sweep per direction, and a 1×1 project-out (paper Sec. 3; authors' lib/nn.py).
import type { Attr, Init } from '../../runtime/ir.js';
import { fail } from '../../diagnostics/diagnostic.js';
import { int, tensor, type Args, type Builtin, type CallContext, type ParamSpec } from './builtin.js';
import { num, type ListValue, type TensorValue } from './values.js';
import { gruNames, resSdnNames, sdnNames, sweepTorchPrefix } from './torch-names.js';

const ORTHOGONAL: Init = { kind: 'orthogonal' };
const uniform = (fanIn: number): Init => ({ kind: 'uniform', bound: 1 / Math.sqrt(fanIn) });

export interface ConvSpec { out: number; k: number; s: number; p: number; transposed: boolean; mask?: 'A' | 'B' }

/** Default padding keeps `size / stride` for the paper's (3,1) and (4,2) kernels: floor((k − s + 1) / 2). */
const defaultPadding = (k: number, s: number) => Math.floor((k - s + 1) / 2);

function checkPositive(ctx: CallContext, what: Record<string, number>) {
  for (const [name, v] of Object.entries(what)) {
    if (!(v > 0)) fail('E-HYPERPARAM', `\`${name}\` must be positive, got ${v}`, ctx.span);
  }
}

export interface ConvWeights { w: TensorValue; b: TensorValue }

/** Creates a conv's weight and bias (orthogonal weight as the authors' weights_init, PyTorch's default bias). */
export function convWeights(ctx: CallContext, scope: string[], torchScope: string[], cin: number, c: ConvSpec): ConvWeights {
  checkPositive(ctx, { out: c.out, k: c.k, s: c.s });
  if (c.p < 0) fail('E-HYPERPARAM', `padding must not be negative, got ${c.p}`, ctx.span);
  const wShape = c.transposed ? [cin, c.out, c.k, c.k] : [c.out, cin, c.k, c.k];
  // PyTorch's default bias init uses fan_in = weight.size(1)·k·k (out channels for a transposed conv).
  const fanIn = wShape[1] * c.k * c.k;
  return {
    w: param(ctx, scope, torchScope, 'weight', wShape, ORTHOGONAL),
    b: param(ctx, scope, torchScope, 'bias', [c.out], uniform(fanIn)),
  };
}

export function applyConv(ctx: CallContext, x: TensorValue, wb: ConvWeights, c: ConvSpec): TensorValue {
  const attrs: Record<string, Attr> = { stride: c.s, padding: c.p };
  if (c.mask) attrs.mask = c.mask;
  const ops = ctx.b.at(ctx.span);
  return (c.transposed ? ops.conv_transpose2d : ops.conv2d)([x, wb.w, wb.b], attrs);
}

export function convCore(ctx: CallContext, scope: string[], torchScope: string[], x: TensorValue, c: ConvSpec): TensorValue {
  if (x.shape.length !== 3) fail('E-SHAPE', `a convolution expects a [C, H, W] map, got [${x.shape}]`, ctx.span);
  return applyConv(ctx, x, convWeights(ctx, scope, torchScope, x.shape[0], c), c);
}

/** Creates `scope.name` (ours) ↔ `torchScope.torchName` (theirs). */
function param(ctx: CallContext, scope: string[], torchScope: string[], name: string, shape: number[], init: Init, torchName = name) {
  const join = (parts: string[]) => parts.filter((x) => x !== '').join('.');
  return ctx.b.param(join([...scope, name]), join([...torchScope, torchName]), shape, init, ctx.span);
}

const convParams = (k: number, s: number): ParamSpec[] => [
  { name: 'x', type: 'tensor' }, { name: 'out', type: 'int' },
  { name: 'k', type: 'int', default: num(k) }, { name: 's', type: 'int', default: num(s) }, { name: 'p', type: 'int', default: null },
];

const convSpec = (args: Args, transposed: boolean): ConvSpec => {
  const k = int(args, 'k'), s = int(args, 's');
  return { out: int(args, 'out'), k, s, p: args.p ? int(args, 'p') : defaultPadding(k, s), transposed };
};

function directions(ctx: CallContext, v: ListValue): number[] {
  const dirs = v.items.map((d) => (d.kind === 'number' && d.isInt ? d.value : NaN));
  if (dirs.length === 0) fail('E-HYPERPARAM', 'an SDN layer needs at least one direction', ctx.span);
  const bad = dirs.find((d) => !(d >= 0 && d <= 3));
  if (bad !== undefined) fail('E-HYPERPARAM', `direction ${bad} is outside 0..3 (0: left→right, 1: right→left, 2: top→bottom, 3: bottom→top)`, ctx.span);
  return dirs;
}

function sdnCore(ctx: CallContext, scope: string[], torchScope: string[], x: TensorValue, conv: ConvSpec, features: number, dirs: number[]): TensorValue {
  checkPositive(ctx, { features });
  const prefix = (pair: readonly string[]) => pair.map((n) => n.split('.').slice(0, -1));
  const [inOurs, inTheirs] = prefix(sdnNames.inWeight);
  let h = ctx.b.at(ctx.span).tanh([convCore(ctx, [...scope, ...inOurs], [...torchScope, ...inTheirs], x, { ...conv, out: features })]);
  dirs.forEach((direction, i) => {
    const n = sdnNames.sweep(i);
    // PyTorch GRUCell init: every tensor uniform(±1/√hidden).
    const init = uniform(features);
    const g = (pair: string[], shape: number[]) => param(ctx, scope, torchScope, pair[0], shape, init, pair[1]);
    const wIh = g(n.wIh, [3 * features, 3 * features]);
    const wHh = g(n.wHh, [3 * features, features]);
    const bIh = g(n.bIh, [3 * features]);
    const bHh = g(n.bHh, [3 * features]);
    h = ctx.b.at(ctx.span).sdn_sweep([h, wIh, wHh, bIh, bHh], { direction });
  });
  const [outOurs, outTheirs] = prefix(sdnNames.outWeight);
  return convCore(ctx, [...scope, ...outOurs], [...torchScope, ...outTheirs], h, { out: conv.out, k: 1, s: 1, p: 0, transposed: false });
}

/** PyTorch GRUCell init: every tensor uniform(±1/√hidden). */
function gruWeights(ctx: CallContext, input: number, hidden: number, torchScope: string[]) {
  const init = uniform(hidden);
  const g = (pair: readonly string[], shape: number[]) => param(ctx, ctx.scope, torchScope, pair[0], shape, init, pair[1]);
  return { wIh: g(gruNames.wIh, [3 * hidden, input]), wHh: g(gruNames.wHh, [3 * hidden, hidden]), bIh: g(gruNames.bIh, [3 * hidden]), bHh: g(gruNames.bHh, [3 * hidden]) };
}

const sdnParams: ParamSpec[] = [
  ...convParams(3, 1),
  { name: 'features', type: 'int' }, { name: 'dirs', type: 'list[int]' }, { name: 'upsample', type: 'bool', default: { kind: 'bool', value: false } },
];

const sdnArgs = (ctx: CallContext, args: Args) => ({
  conv: convSpec(args, (args.upsample as { value: boolean }).value),
  features: int(args, 'features'),
  dirs: directions(ctx, args.dirs as ListValue),
});

export const LAYERS: Record<string, Builtin> = {
  conv: {
    kind: 'layer', params: convParams(3, 1), doc: 'conv(x, out, k=3, s=1, p) — 2-D convolution with bias',
    call: (ctx, args) => convCore(ctx, ctx.scope, ctx.scope, tensor(args, 'x'), convSpec(args, false)),
  },
  deconv: {
    kind: 'layer', params: convParams(4, 2), doc: 'deconv(x, out, k=4, s=2, p) — transposed convolution with bias',
    call: (ctx, args) => convCore(ctx, ctx.scope, ctx.scope, tensor(args, 'x'), convSpec(args, true)),
  },
  masked_conv: {
    kind: 'layer',
    params: [...convParams(3, 1), { name: 'mask', type: 'string', default: { kind: 'string', value: 'B' } }],
    doc: 'masked_conv(x, out, k=3, mask="A"|"B") — PixelCNN-masked convolution',
    call: (ctx, args) => {
      const mask = (args.mask as { value: string }).value;
      if (mask !== 'A' && mask !== 'B') fail('E-HYPERPARAM', `mask must be "A" or "B", got "${mask}"`, ctx.span);
      return convCore(ctx, ctx.scope, ctx.scope, tensor(args, 'x'), { ...convSpec(args, false), mask });
    },
  },
  linear: {
    kind: 'layer', params: [{ name: 'x', type: 'tensor' }, { name: 'out', type: 'int' }], doc: 'linear(x, out) — fully connected layer on a flat vector',
    call: (ctx, args) => {
      const x = tensor(args, 'x'), out = int(args, 'out');
      checkPositive(ctx, { out });
      if (x.shape.length !== 1) fail('E-SHAPE', `linear expects a flat vector, got [${x.shape}] (use flatten)`, ctx.span);
      const w = param(ctx, ctx.scope, ctx.scope, 'weight', [out, x.shape[0]], { kind: 'normal', std: 0.02 });
      const b = param(ctx, ctx.scope, ctx.scope, 'bias', [out], uniform(x.shape[0]));
      return ctx.b.at(ctx.span).linear([x, w, b]);
    },
  },
  sdn: {
    kind: 'layer', params: sdnParams,
    doc: 'sdn(x, out, features, dirs, k=3, s=1, p, upsample=false) — SDN layer: project-in, tanh, one sweep per direction, 1×1 project-out',
    call: (ctx, args) => {
      const a = sdnArgs(ctx, args);
      return sdnCore(ctx, ctx.scope, ctx.scope, tensor(args, 'x'), a.conv, a.features, a.dirs);
    },
  },
  ressdn: {
    kind: 'layer', params: sdnParams,
    doc: 'ressdn(x, out, features, dirs, ...) — gated residual SDN: σ(g)·conv(x) + (1 − σ(g))·v with (v, g) = sdn(x, 2·out)',
    call: (ctx, args) => {
      const a = sdnArgs(ctx, args);
      const x = tensor(args, 'x');
      const [ours, theirs] = [resSdnNames.conv[0], resSdnNames.conv[1]];
      const cnn = convCore(ctx, [...ctx.scope, ours], [...ctx.scope, theirs], x, a.conv);
      const both = sdnCore(ctx, [...ctx.scope, resSdnNames.sdn[0]], [...ctx.scope, resSdnNames.sdn[1]], x, { ...a.conv, out: 2 * a.conv.out }, a.features, a.dirs);
      const c = a.conv.out;
      const ops = ctx.b.at(ctx.span);
      const value = ops.slice_channels([both], { start: 0, size: c });
      const gate = ops.sigmoid([ops.slice_channels([both], { start: c, size: c })]);
      const one = ops.const([], { value: 1 });
      const gated = ops.mul([gate, cnn]);
      const rest = ops.mul([ops.sub([one, gate]), value]);
      return ops.add([gated, rest]);
    },
  },
  sweep: {
    kind: 'layer', params: [{ name: 'x', type: 'tensor' }, { name: 'direction', type: 'int' }],
    doc: 'sweep(x, direction) — one SDN correction sweep (a GRU scan over the lines of the map)',
    call: (ctx, args) => {
      const x = tensor(args, 'x');
      const [direction] = directions(ctx, { kind: 'list', items: [args.direction!] });
      if (x.shape.length !== 3) fail('E-SHAPE', `a sweep expects a [F, H, W] map, got [${x.shape}]`, ctx.span);
      const w = gruWeights(ctx, 3 * x.shape[0], x.shape[0], [...ctx.scope, ...sweepTorchPrefix.split('.')]);
      return ctx.b.at(ctx.span).sdn_sweep([x, w.wIh, w.wHh, w.bIh, w.bHh], { direction });
    },
  },
  gru: {
    kind: 'layer', params: [{ name: 'x', type: 'tensor' }, { name: 'h', type: 'tensor' }],
    doc: 'gru(x, h) — one GRU cell step on vectors (gate order r, z, n as PyTorch)',
    call: (ctx, args) => {
      const x = tensor(args, 'x'), h = tensor(args, 'h');
      if (x.shape.length !== 1 || h.shape.length !== 1) fail('E-SHAPE', `gru takes vectors, got [${x.shape}] and [${h.shape}]`, ctx.span);
      const w = gruWeights(ctx, x.shape[0], h.shape[0], ctx.scope);
      return ctx.b.at(ctx.span).gru_cell([x, h, w.wIh, w.wHh, w.bIh, w.bHh]);
    },
  },
  constant: {
    kind: 'layer', params: [{ name: 'shape', type: 'list[int]' }], doc: 'constant([C]) — a learned vector, initialized to zeros (e.g. the top-down input h)',
    call: (ctx, args) => {
      const shape = (args.shape as ListValue).items.map((i) => (i as { value: number }).value);
      checkPositive(ctx, Object.fromEntries(shape.map((s, i) => [`shape[${i}]`, s])));
      return param(ctx, ctx.scope, ctx.scope, '', shape, { kind: 'zeros' });
    },
  },
};
