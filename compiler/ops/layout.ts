// Layout ops: slices, concatenation, padding, cropping, nearest resampling, reshapes and
// broadcasts. They compute nothing: inline index remaps of their operand (slices and reshapes
// may instead be views of its buffer). Torch rules index dimensions from the end, since batched
// tensors carry a leading batch dimension and unbatched ones don't.
import { numel, type OpName } from '../../runtime/ir.js';
import { attrNum, tuple } from '../export/ops-py.js';
import { concatValue, cropValue, downsampleValue, expandValue, nearestValue, padValue, sliceValue } from '../lower/kernels/remap.js';
import { U } from '../lower/wgsl.js';
import { unaryGrad } from './shared.js';
import type { OpEntry, OperandInfo } from './types.js';

const map3 = (ins: OperandInfo[], f: (c: number, h: number, w: number) => number[] | string) =>
  ins[0].shape.length === 3 ? f(ins[0].shape[0], ins[0].shape[1], ins[0].shape[2]) : `expected a [C, H, W] map, got [${ins[0].shape}]`;

const moves = { flops: () => 0, batch: 'operands', fusion: 'remap' } as const;

export const LAYOUT = {
  slice_channels: {
    ...moves,
    fusion: 'view',
    shape: (ins, a) => {
      const [c, ...rest] = ins[0].shape;
      const start = a.start as number, size = a.size as number;
      if (start + size > c) return `cannot take channels ${start}..${start + size} of a tensor with ${c}`;
      return [size, ...rest];
    },
    grad: (b, n, g) => {
      const C = b.node(n.inputs[0]).shape[0], start = n.attrs.start as number, size = n.attrs.size as number;
      return [b.op.pad_channels([g], { before: start, after: C - start - size })];
    },
    lower: {
      inline: sliceValue,
      firstChannel: (n) => n.attrs.start as number,
      view: (n, src, at) => ({ ...at, offset: at.offset + (n.attrs.start as number) * (at.strides ? at.strides.c : numel(src.shape) / src.shape[0]) }),
    },
    torch: (c) => `${c.ins[0].expr}.narrow(${-c.ins[0].shape.length}, ${attrNum(c.node, 'start')}, ${attrNum(c.node, 'size')})`,
  },
  concat_channels: {
    ...moves,
    shape: (ins) => {
      const rest = ins[0].shape.slice(1).join();
      const bad = ins.find((i) => i.shape.slice(1).join() !== rest);
      if (bad) return `cannot concatenate maps of sizes [${ins[0].shape.slice(1)}] and [${bad.shape.slice(1)}]`;
      return [ins.reduce((s, i) => s + i.shape[0], 0), ...ins[0].shape.slice(1)];
    },
    grad: (b, n, g) => {
      let start = 0;
      return n.inputs.map((i) => {
        const size = b.node(i).shape[0];
        const d = b.op.slice_channels([g], { start, size });
        start += size;
        return d;
      });
    },
    lower: { inline: concatValue },
    torch: (c) => `torch.cat([${c.ins.map((_, i) => c.data(i)).join(', ')}], dim=${-c.node.shape.length})`,
  },
  pad2d: {
    ...moves,
    shape: (ins, a) => map3(ins, (c, h, w) => [c, h + 2 * (a.pad as number), w + 2 * (a.pad as number)]),
    grad: unaryGrad((b, n, g) => b.op.crop2d([g], { crop: n.attrs.pad as number })),
    lower: { inline: padValue },
    torch: (c) => {
      const p = attrNum(c.node, 'pad');
      return `F.pad(${c.ins[0].expr}, (${p}, ${p}, ${p}, ${p}))`;
    },
  },
  crop2d: {
    ...moves,
    shape: (ins, a) => map3(ins, (c, h, w) => {
      const n = a.crop as number;
      return h - 2 * n < 1 || w - 2 * n < 1 ? `cropping ${n} from each side of a ${h}×${w} map leaves nothing` : [c, h - 2 * n, w - 2 * n];
    }),
    grad: unaryGrad((b, n, g) => b.op.pad2d([g], { pad: n.attrs.crop as number })),
    lower: { inline: cropValue },
    torch: (c) => {
      const n = attrNum(c.node, 'crop');
      return `${c.ins[0].expr}[..., ${n}:-${n}, ${n}:-${n}]`;
    },
  },
  upsample_nearest: {
    ...moves,
    shape: (ins, a) => map3(ins, (c, h, w) => [c, h * (a.factor as number), w * (a.factor as number)]),
    grad: unaryGrad((b, n, g) => b.op.sum_pool([g], { factor: n.attrs.factor as number })),
    lower: { inline: (c) => nearestValue(c, (v, f) => U.div(v, f)) },
    torch: (c) => {
      const f = attrNum(c.node, 'factor');
      const [, h, w] = c.ins[0].shape, x = c.ins[0].expr;
      return `${x}[..., :, None, :, None].expand(*${x}.shape[:-2], ${h}, ${f}, ${w}, ${f}).flatten(-4, -3).flatten(-2, -1)`;
    },
  },
  // PyTorch's F.interpolate(scale_factor=1/f, mode='nearest') reads pixel f·i.
  downsample_nearest: {
    ...moves,
    shape: (ins, a) => map3(ins, (c, h, w) => {
      const f = a.factor as number;
      return [c, Math.floor(h / f), Math.floor(w / f)];
    }),
    grad: unaryGrad((b, n, g, x) => b.op.dilate([g], { factor: n.attrs.factor as number, size: b.node(x).shape.slice(1) })),
    lower: { inline: downsampleValue },
    torch: (c) => {
      const f = attrNum(c.node, 'factor');
      const [, h, w] = c.node.shape;
      return `${c.ins[0].expr}[..., 0:${h * f}:${f}, 0:${w * f}:${f}]`;
    },
  },
  reshape: {
    ...moves,
    fusion: 'view',
    shape: (ins, a) => {
      const to = a.shape as number[];
      return numel(to) === numel(ins[0].shape) ? to : `cannot reshape [${ins[0].shape}] (${numel(ins[0].shape)} values) to [${to}]`;
    },
    grad: unaryGrad((b, _n, g, x) => b.op.reshape([g], { shape: b.node(x).shape })),
    lower: {
      inline: (c) => c.gen.value(c.node.inputs[0], c.b, c.j),
      view: (_n, src, at) => {
        if (at.strides) throw new Error(`lower: cannot reshape node ${src.id}, stored in a permuted layout`);
        return at;
      },
    },
    torch: (c) => {
      const to = c.node.attrs.shape as number[];
      return c.node.batched ? `${c.ins[0].expr}.reshape(-1${to.map((d) => `, ${d}`).join('')})` : `${c.ins[0].expr}.reshape(${tuple(to)})`;
    },
  },
  // [C] → [C, ...], or [] → any shape: batched even when its operand (a parameter) is not.
  expand: {
    ...moves,
    batch: 'always',
    shape: (ins, a) => {
      const to = a.shape as number[];
      const ok = ins[0].shape.length === 0 || (ins[0].shape.length === 1 && ins[0].shape[0] === to[0]);
      return ok ? to : `cannot expand [${ins[0].shape}] to [${to}]`;
    },
    grad: unaryGrad((b, _n, g, x) => (b.node(x).shape.length === 0 ? g : b.op.channel_sum([g]))),
    lower: { inline: expandValue },
    torch: (c) => {
      const to = c.node.attrs.shape as number[];
      const x = c.ins[0];
      const ones = x.shape.length === 0 ? to.map(() => 1) : [to[0], ...to.slice(1).map(() => 1)];
      const view = `${x.expr}.reshape(${x.batched ? '-1, ' : ''}${ones.join(', ')})`;
      if (c.node.batched && !x.batched) return `batched(${view}.expand(${to.join(', ')}), B)`;
      return `${view}.expand(${x.batched ? '-1, ' : ''}${to.join(', ')})`;
    },
  },
} satisfies Partial<Record<OpName, OpEntry>>;
