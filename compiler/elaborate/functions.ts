// Built-in functions without parameters: activations, layout ops, and compile-time helpers.
import { fail } from '../../diagnostics/diagnostic.js';
import { int, tensor, type Args, type Builtin, type CallContext, type ParamSpec } from './builtin.js';
import { emitter } from './op-shorthands.js';
import { list, num, type ListValue, type Value } from './values.js';
import type { OpName } from '../../runtime/ir.js';

const X: ParamSpec = { name: 'x', type: 'tensor' };
const ints = (v: Value | undefined) => (v as ListValue).items.map((i) => (i as { value: number }).value);

const unary = (op: OpName, doc: string): Builtin => ({
  kind: 'function', params: [X], doc, call: (ctx, a) => emitter(ctx).op(op, [tensor(a, 'x')]),
});

function positive(ctx: CallContext, name: string, v: number) {
  if (!(v > 0)) fail('E-HYPERPARAM', `\`${name}\` must be positive, got ${v}`, ctx.span);
}

function scalarList(ctx: CallContext, a: Args, name: string): number[] {
  const v = a[name] as ListValue;
  return v.items.map((i, k) => {
    if (i.kind !== 'number') fail('E-TYPE', `${name}[${k}] must be a number`, ctx.span);
    return i.value;
  });
}

export const FUNCTIONS: Record<string, Builtin> = {
  elu: unary('elu', 'elu(x) — ELU (α = 1)'),
  silu: unary('silu', 'silu(x) — x·σ(x) (SiLU, swish)'),
  relu: unary('relu', 'relu(x)'),
  tanh: unary('tanh', 'tanh(x)'),
  sigmoid: unary('sigmoid', 'sigmoid(x)'),
  exp: unary('exp', 'exp(x)'),
  log: unary('log', 'log(x)'),
  softplus: unary('softplus', 'softplus(x)'),
  split: {
    kind: 'function', params: [X, { name: 'sizes', type: 'list[int]' }], doc: 'split(x, [c1, c2, ...]) — channel groups, as views',
    call: (ctx, a) => {
      const x = tensor(a, 'x'), sizes = ints(a.sizes);
      sizes.forEach((s, i) => positive(ctx, `sizes[${i}]`, s));
      const total = sizes.reduce((p, q) => p + q, 0);
      if (total !== x.shape[0]) fail('E-SHAPE', `split sizes add up to ${total} but the tensor has ${x.shape[0]} channels`, ctx.span);
      let start = 0;
      return list(sizes.map((size) => {
        const part = emitter(ctx).op('slice_channels', [x], { start, size });
        start += size;
        return part;
      }));
    },
  },
  chunk: {
    kind: 'function', params: [X, { name: 'n', type: 'int' }], doc: 'chunk(x, n) — n equal channel groups',
    call: (ctx, a) => {
      const x = tensor(a, 'x'), n = int(a, 'n');
      positive(ctx, 'n', n);
      if (x.shape[0] % n !== 0) fail('E-SHAPE', `cannot chunk ${x.shape[0]} channels into ${n} equal parts`, ctx.span);
      const size = x.shape[0] / n;
      return list(Array.from({ length: n }, (_, i) => emitter(ctx).op('slice_channels', [x], { start: i * size, size })));
    },
  },
  concat: {
    kind: 'function', params: [{ name: 'a', type: 'tensor' }, { name: 'b', type: 'tensor' }], doc: 'concat(a, b) — along channels',
    call: (ctx, a) => emitter(ctx).op('concat_channels', [tensor(a, 'a'), tensor(a, 'b')]),
  },
  pad: {
    kind: 'function', params: [X, { name: 'n', type: 'int' }], doc: 'pad(x, n) — zero-pad n pixels on every side',
    call: (ctx, a) => (int(a, 'n') === 0 ? tensor(a, 'x') : emitter(ctx).op('pad2d', [tensor(a, 'x')], { pad: int(a, 'n') })),
  },
  crop: {
    kind: 'function', params: [X, { name: 'n', type: 'int' }], doc: 'crop(x, n) — remove n pixels from every side',
    call: (ctx, a) => (int(a, 'n') === 0 ? tensor(a, 'x') : emitter(ctx).op('crop2d', [tensor(a, 'x')], { crop: int(a, 'n') })),
  },
  upsample: {
    kind: 'function', params: [X, { name: 'factor', type: 'int', default: num(2) }], doc: 'upsample(x, 2) — nearest neighbour',
    call: (ctx, a) => (positive(ctx, 'factor', int(a, 'factor')), emitter(ctx).op('upsample_nearest', [tensor(a, 'x')], { factor: int(a, 'factor') })),
  },
  downsample: {
    kind: 'function', params: [X, { name: 'factor', type: 'int', default: num(2) }], doc: 'downsample(x, 2) — nearest neighbour (every factor-th pixel)',
    call: (ctx, a) => (positive(ctx, 'factor', int(a, 'factor')), emitter(ctx).op('downsample_nearest', [tensor(a, 'x')], { factor: int(a, 'factor') })),
  },
  reshape: {
    kind: 'function', params: [X, { name: 'shape', type: 'list[int]' }], doc: 'reshape(x, [c, h, w]) — per example',
    call: (ctx, a) => emitter(ctx).op('reshape', [tensor(a, 'x')], { shape: ints(a.shape) }),
  },
  flatten: {
    kind: 'function', params: [X], doc: 'flatten(x) — per example, to a vector',
    call: (ctx, a) => {
      const x = tensor(a, 'x');
      return emitter(ctx).op('reshape', [x], { shape: [x.shape.reduce((p, q) => p * q, 1)] });
    },
  },
  expand: {
    kind: 'function', params: [X, { name: 'shape', type: 'list[int]' }], doc: 'expand(v, [C, H, W]) — broadcast a [C] vector to every position and example',
    call: (ctx, a) => emitter(ctx).op('expand', [tensor(a, 'x')], { shape: ints(a.shape) }),
  },
  shape: {
    kind: 'function', params: [X], doc: 'shape(x) — the per-example shape as a list',
    call: (_ctx, a) => list(tensor(a, 'x').shape.map((s) => num(s))),
  },
  sum: {
    kind: 'function', params: [X], doc: 'sum(x) — sum over everything but the batch',
    call: (ctx, a) => emitter(ctx).op('sum_per_example', [tensor(a, 'x')]),
  },
  free_bits: {
    kind: 'function', params: [{ name: 'kl', type: 'tensor' }, { name: 'lambda', type: 'float' }],
    doc: 'free_bits(kl, λ) — kl + (max(mean(kl), λ) − mean(kl)) / batch, the authors\' per-layer free bits',
    call: (ctx, a) => emitter(ctx).op('free_bits', [tensor(a, 'kl')], { lambda: (a.lambda as { value: number }).value }),
  },
  max: {
    kind: 'function', params: [{ name: 'a', type: 'float' }, { name: 'b', type: 'float' }], doc: 'max(a, b) of numbers',
    call: (_c, a) => pick(a, Math.max),
  },
  min: {
    kind: 'function', params: [{ name: 'a', type: 'float' }, { name: 'b', type: 'float' }], doc: 'min(a, b) of numbers',
    call: (_c, a) => pick(a, Math.min),
  },
  len: {
    kind: 'function', params: [{ name: 'items', type: 'list' }], doc: 'len(list)',
    call: (_c, a) => num((a.items as ListValue).items.length),
  },
  reversed: {
    kind: 'function', params: [{ name: 'items', type: 'list' }], doc: 'reversed(list or range)',
    call: (_c, a) => list([...(a.items as ListValue).items].reverse()),
  },
  rotate: {
    kind: 'function', params: [{ name: 'start', type: 'int' }, { name: 'n', type: 'int' }],
    doc: 'rotate(start, n) — the n directions start, start+1, … mod 4 (how the authors hand out directions)',
    call: (ctx, a) => {
      const start = int(a, 'start'), n = int(a, 'n');
      if (n < 0) fail('E-HYPERPARAM', `the number of directions must not be negative, got ${n}`, ctx.span);
      return list(Array.from({ length: n }, (_, i) => num((((start + i) % 4) + 4) % 4)));
    },
  },
  sum_of: {
    kind: 'function', params: [{ name: 'items', type: 'list' }], doc: 'sum_of([numbers]) — compile-time sum',
    call: (ctx, a) => {
      const v = scalarList(ctx, a, 'items');
      return num(v.reduce((p, q) => p + q, 0));
    },
  },
};

function pick(a: Args, f: (x: number, y: number) => number): Value {
  const x = a.a as { value: number; isInt: boolean }, y = a.b as { value: number; isInt: boolean };
  const r = f(x.value, y.value);
  return num(r, x.isInt && y.isInt);
}

