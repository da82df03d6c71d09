// One forward implementation per IR op, used by the CPU reference interpreter. A value holds
// `rows` copies of the node's per-example shape: the batch for batched nodes, 1 for parameters
// and constants; an unbatched operand of a batched op is repeated over the batch (`tile`).
import { numel, type GradOp, type IrNode, type OpName } from '../ir.js';
import { DL_MEAN_HI, DL_MEAN_LO, DML_MODE_HI, DML_MODE_LO } from '../likelihood-constants.js';
import {
  type Arr, type Shape4, bernoulliLogProb, conv2d, convMask, convTranspose2d, dlLogProb, dmlLogProb,
  elu, gruCell, linear, maskedWeight, sdnSweep, sigmoid, sigmoidScalar, softplus, tanh, type GruWeights, type SweepDirection,
} from './kernels/index.js';

export interface Val {
  data: Arr;
  rows: number;
}

export interface OpCtx {
  node: IrNode;
  /** The batch size of this run. */
  batch: number;
  /** Rows of this node's value: the batch when the node is batched, else 1. */
  rows: number;
  /** Per-example shapes of the node's inputs. */
  inShapes: number[][];
  alloc(n: number): Arr;
  /** Converts source data (inputs, params, noise) to the run's element type. */
  adopt(src: ArrayLike<number>): Arr;
  /** The run's data for the source nodes: a named input, a parameter by path, a noise stream, a scalar input. */
  readInput(name: string): ArrayLike<number> | undefined;
  readParam(path: string): ArrayLike<number> | undefined;
  drawNoise(stream: string, shape: number[]): ArrayLike<number> | undefined;
  readScalar(name: string): number | undefined;
  fail(msg: string): never;
}

export type ForwardFn = (ins: Val[], ctx: OpCtx) => Arr;

/** v's data with `rows` rows (repeating a single row); v itself when it already has them. */
export function tile(v: Val, rows: number): Arr {
  if (v.rows === rows) return v.data;
  if (v.rows !== 1) throw new Error(`cannot broadcast ${v.rows} rows to ${rows}`);
  const out = new (v.data.constructor as new (n: number) => Arr)(v.data.length * rows);
  for (let r = 0; r < rows; r++) out.set(v.data, r * v.data.length);
  return out;
}

export const shape4 = (rows: number, s: number[]): Shape4 => [rows, s[0], s[1], s[2]];
export const gruOf = (ins: Val[], from: number): GruWeights =>
  ({ wIh: ins[from].data, wHh: ins[from + 1].data, bIh: ins[from + 2].data, bHh: ins[from + 3].data });
export const attrNum = (n: IrNode, name: string): number => n.attrs[name] as number;

function map(f: (v: number) => number): ForwardFn {
  return ([x], ctx) => {
    const y = ctx.alloc(x.data.length);
    for (let i = 0; i < y.length; i++) y[i] = f(x.data[i]);
    return y;
  };
}

/**
 * Index of operand `v` (per-example size `per`) for output row r, element j: a `[]`-shaped
 * operand is broadcast over the example, a one-row operand over the batch.
 */
export const bIndex = (v: Val, per: number, r: number, j: number): number => (v.rows === 1 ? 0 : r) * per + (per === 1 ? 0 : j);

function binary(f: (a: number, b: number) => number): ForwardFn {
  return ([a, b], ctx) => {
    const per = numel(ctx.node.shape);
    const pa = numel(ctx.inShapes[0]), pb = numel(ctx.inShapes[1]);
    const y = ctx.alloc(ctx.rows * per);
    for (let r = 0; r < ctx.rows; r++) {
      for (let j = 0; j < per; j++) y[r * per + j] = f(a.data[bIndex(a, pa, r, j)], b.data[bIndex(b, pb, r, j)]);
    }
    return y;
  };
}

/** Nearest-neighbour resampling between [C, h, w] and [C, H, W]: out(y, x) = in(src(y), src(x)). */
export function resampleIndex(inS: number[], outS: number[], src: (o: number) => number): Int32Array {
  const [C, h, w] = inS, [, H, W] = outS;
  const idx = new Int32Array(C * H * W);
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) idx[(c * H + y) * W + x] = (c * h + src(y)) * w + src(x);
    }
  }
  return idx;
}

/** Index into a [C, h, w] map of each element of the [C, h ± 2n, w ± 2n] map (−1 where padding). */
export function padIndex(inS: number[], outS: number[], off: number): Int32Array {
  const [C, h, w] = inS, [, H, W] = outS;
  const idx = new Int32Array(C * H * W);
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const iy = y - off, ix = x - off;
        idx[(c * H + y) * W + x] = iy < 0 || iy >= h || ix < 0 || ix >= w ? -1 : (c * h + iy) * w + ix;
      }
    }
  }
  return idx;
}

/** Per-row gather: out[r, k] = in[r, idx[k]] (0 where idx is −1). */
function gather(x: Arr, rows: number, inPer: number, idx: Int32Array, out: Arr): Arr {
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < idx.length; k++) out[r * idx.length + k] = idx[k] < 0 ? 0 : x[r * inPer + idx[k]];
  }
  return out;
}

export function layoutIndex(node: IrNode, inShape: number[]): Int32Array {
  switch (node.op) {
    case 'pad2d': return padIndex(inShape, node.shape, attrNum(node, 'pad'));
    case 'crop2d': return padIndex(inShape, node.shape, -attrNum(node, 'crop'));
    case 'upsample_nearest': return resampleIndex(inShape, node.shape, (o) => Math.floor(o / attrNum(node, 'factor')));
    // PyTorch's F.interpolate(scale_factor=1/f, mode='nearest') reads pixel f·i.
    default: return resampleIndex(inShape, node.shape, (o) => o * attrNum(node, 'factor'));
  }
}

const layout: ForwardFn = ([x], ctx) => {
  const idx = layoutIndex(ctx.node, ctx.inShapes[0]);
  return gather(x.data, x.rows, numel(ctx.inShapes[0]), idx, ctx.alloc(x.rows * idx.length));
};

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

/** The authors' DML.get_mean: per pixel the most probable component's means, RGB-coupled, clamped to [−1, 1]. */
function dmlMode(p: Arr, rows: number, pShape: number[], M: number, out: Arr): Arr {
  const [K, H, W] = pShape, HW = H * W, C = (K / M - 1) / 3;
  for (let b = 0; b < rows; b++) {
    for (let s = 0; s < HW; s++) {
      const at = (k: number) => p[(b * K + k) * HW + s];
      let m = 0;
      for (let j = 1; j < M; j++) if (at(j) > at(m)) m = j;
      const mean = (c: number) => at(M + c * 3 * M + m);
      const coeff = (c: number) => Math.tanh(at(M + c * 3 * M + 2 * M + m));
      const xs: number[] = [];
      for (let c = 0; c < C; c++) {
        let v = mean(c);
        if (c === 1) v += coeff(0) * xs[0];
        if (c === 2) v += coeff(1) * xs[0] + coeff(2) * xs[1];
        xs.push(clamp(v, DML_MODE_LO, DML_MODE_HI));
        out[(b * C + c) * HW + s] = xs[c];
      }
    }
  }
  return out;
}

/** `src`, the data of source `what` '`name`', checked to hold `rows` copies of the node's shape. */
function sourceData(ctx: OpCtx, what: string, name: string, src: ArrayLike<number> | undefined, rows: number): Arr {
  const n = ctx.node;
  if (src === undefined) return ctx.fail(`missing ${what} '${name}'`);
  const want = rows * numel(n.shape);
  if (src.length !== want) {
    const shape = n.batched ? `[${rows}, ${n.shape}]` : `[${n.shape}]`;
    ctx.fail(`${what} '${name}' has ${src.length} values, expected ${want} (shape ${shape})`);
  }
  return ctx.adopt(src);
}

/** Linear layer weights for `linear` with attr `transpose`: the [O, C] matrix read as [C, O]. */
function transposed(w: Arr, O: number, C: number): Arr {
  const t = new (w.constructor as new (n: number) => Arr)(O * C);
  for (let o = 0; o < O; o++) for (let c = 0; c < C; c++) t[c * O + o] = w[o * C + c];
  return t;
}

/** The forward ops; the gradient ops are in grad-ops.ts. Dense layers' bias operand is optional. */
export const FORWARD: Record<Exclude<OpName, GradOp>, ForwardFn> = {
  input: (_i, ctx) => {
    const name = ctx.node.attrs.name as string;
    return sourceData(ctx, 'input', name, ctx.readInput(name), ctx.rows);
  },
  param: (_i, ctx) => {
    const path = ctx.node.attrs.path as string;
    return sourceData(ctx, 'parameter', path, ctx.readParam(path), 1);
  },
  noise: (_i, ctx) => {
    const stream = ctx.node.attrs.stream as string;
    return sourceData(ctx, 'noise stream', stream, ctx.drawNoise(stream, ctx.node.shape), ctx.rows);
  },
  const: (_i, ctx) => ctx.adopt([attrNum(ctx.node, 'value')]),
  scalar_input: (_i, ctx) => {
    const name = ctx.node.attrs.name as string;
    const v = ctx.readScalar(name);
    if (typeof v !== 'number' || !Number.isFinite(v)) return ctx.fail(`missing scalar input '${name}' (set env.scalars.${name})`);
    return ctx.adopt([v]);
  },
  conv2d: ([x, w, b], ctx) => {
    const ws = ctx.inShapes[1] as Shape4;
    const mask = ctx.node.attrs.mask ? convMask(ctx.node.attrs.mask as 'A' | 'B', ...ws) : null;
    const n = ctx.node;
    return conv2d(tile(x, ctx.rows), shape4(ctx.rows, ctx.inShapes[0]), w.data, ws, b?.data ?? null, attrNum(n, 'stride'), attrNum(n, 'padding'), mask).y;
  },
  conv_transpose2d: ([x, w, b], ctx) => {
    const ws = ctx.inShapes[1] as Shape4;
    const wm = ctx.node.attrs.mask ? maskedWeight(w.data, ws, convMask(ctx.node.attrs.mask as 'A' | 'B', ...ws)) : w.data;
    return convTranspose2d(tile(x, ctx.rows), shape4(ctx.rows, ctx.inShapes[0]), wm, ws, b?.data ?? null,
      attrNum(ctx.node, 'stride'), attrNum(ctx.node, 'padding')).y;
  },
  linear: ([x, w, b], ctx) => {
    const [O, C] = ctx.inShapes[1];
    const wt = ctx.node.attrs.transpose ? transposed(w.data, O, C) : w.data;
    return linear(tile(x, ctx.rows), ctx.rows, ctx.inShapes[0][0], wt, ctx.node.shape[0], b?.data ?? null);
  },
  sdn_sweep: (ins, ctx) =>
    sdnSweep(tile(ins[0], ctx.rows), shape4(ctx.rows, ctx.inShapes[0]), gruOf(ins, 1), attrNum(ctx.node, 'direction') as SweepDirection),
  gru_cell: (ins, ctx) => gruCell(tile(ins[0], ctx.rows), tile(ins[1], ctx.rows), ctx.rows, gruOf(ins, 2)),
  neg: map((v) => -v),
  exp: map(Math.exp),
  log: map(Math.log),
  tanh: ([x]) => tanh(x.data),
  sigmoid: ([x]) => sigmoid(x.data),
  elu: ([x]) => elu(x.data),
  silu: map((v) => v * sigmoidScalar(v)),
  relu: map((v) => (v > 0 ? v : 0)),
  softplus: ([x]) => softplus(x.data),
  square: map((v) => v * v),
  add: binary((a, b) => a + b),
  sub: binary((a, b) => a - b),
  mul: binary((a, b) => a * b),
  div: binary((a, b) => a / b),
  max: binary((a, b) => Math.max(a, b)),
  slice_channels: ([x], ctx) => {
    const [c] = ctx.inShapes[0], inner = numel(ctx.inShapes[0]) / c;
    const start = attrNum(ctx.node, 'start'), size = attrNum(ctx.node, 'size');
    const y = ctx.alloc(x.rows * size * inner);
    for (let r = 0; r < x.rows; r++) y.set(x.data.subarray((r * c + start) * inner, (r * c + start + size) * inner), r * size * inner);
    return y;
  },
  concat_channels: (ins, ctx) => {
    const per = numel(ctx.node.shape);
    const y = ctx.alloc(ctx.rows * per);
    let off = 0;
    ins.forEach((v, k) => {
      const n = numel(ctx.inShapes[k]);
      const d = tile(v, ctx.rows);
      for (let r = 0; r < ctx.rows; r++) y.set(d.subarray(r * n, (r + 1) * n), r * per + off);
      off += n;
    });
    return y;
  },
  pad2d: layout,
  crop2d: layout,
  upsample_nearest: layout,
  downsample_nearest: layout,
  reshape: ([x]) => x.data,
  // [C] → [C, ...] (each channel's value everywhere), or [] → any shape.
  expand: ([x], ctx) => {
    const C = ctx.inShapes[0][0] ?? 1, inner = numel(ctx.node.shape) / C;
    const y = ctx.alloc(ctx.rows * C * inner);
    for (let r = 0; r < ctx.rows; r++) {
      for (let c = 0; c < C; c++) y.fill(x.data[(x.rows === 1 ? 0 : r) * C + c], (r * C + c) * inner, (r * C + c + 1) * inner);
    }
    return y;
  },
  sum_per_example: ([x], ctx) => {
    const per = numel(ctx.inShapes[0]);
    const y = ctx.alloc(x.rows);
    for (let r = 0; r < x.rows; r++) {
      let s = 0;
      for (let j = 0; j < per; j++) s += x.data[r * per + j];
      y[r] = s;
    }
    return y;
  },
  free_bits: ([kl], ctx) => {
    const n = kl.rows, lambda = attrNum(ctx.node, 'lambda');
    let mean = 0;
    for (let r = 0; r < n; r++) mean += kl.data[r] / n;
    const extra = (Math.max(mean, lambda) - mean) / n;
    const y = ctx.alloc(n);
    for (let r = 0; r < n; r++) y[r] = kl.data[r] + extra;
    return y;
  },
  dml_logp: ([p, x], ctx) =>
    dmlLogProb(tile(p, ctx.rows), tile(x, ctx.rows), shape4(ctx.rows, ctx.inShapes[1]), attrNum(ctx.node, 'mixtures'), attrNum(ctx.node, 'bits')),
  dml_mode: ([p], ctx) => dmlMode(p.data, p.rows, ctx.inShapes[0], attrNum(ctx.node, 'mixtures'), ctx.alloc(p.rows * numel(ctx.node.shape))),
  dl_logp: ([m, ls, x], ctx) =>
    dlLogProb(tile(m, ctx.rows), ls.data[0], tile(x, ctx.rows), [ctx.rows, ...ctx.inShapes[2]], attrNum(ctx.node, 'bits')),
  dl_mode: map((v) => clamp(v, DL_MEAN_LO, DL_MEAN_HI)),
  bernoulli_logp: ([l, x], ctx) => bernoulliLogProb(tile(l, ctx.rows), tile(x, ctx.rows), [ctx.rows, ...ctx.inShapes[1]]),
};
