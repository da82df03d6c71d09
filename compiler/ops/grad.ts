// The gradient ops: adjoints of forward ops that only reverse-mode differentiation emits, and
// which are not themselves differentiated or exported. `g` is an upstream gradient; ops that
// sum over the batch produce unbatched values (weight and bias gradients).
import { numel, type Attr, type GradOp } from '../../runtime/ir.js';
import { batchSum, channelSum, freeBitsGrad, gradReduceKernel, type GradReduction } from '../lower/kernels/grad-reduce.js';
import { dmlGradKernel } from '../lower/kernels/likelihood-grads.js';
import { dlGradValue } from '../lower/kernels/likelihoods.js';
import { dilateValue, padChannelsValue, sumPoolValue } from '../lower/kernels/remap.js';
import { emitSweepGrad } from '../lower/kernels/sweep-grad.js';
import type { Lowering, OpEntry } from './types.js';

const kernelOf = (a: Record<string, Attr>) => a.kernel as [number, number];
const gradOp = { grad: null, torch: null } as const;
const reduction = (r: GradReduction): Lowering => ({ kernel: (st, n, k) => k.push(gradReduceKernel(st, k.name, n, k.out, k.nodes, r)) });

export const GRAD = {
  /** 1 where x > 0, else 0. */
  step: {
    ...gradOp, batch: 'operands', fusion: 'map',
    shape: (ins) => ins[0].shape, flops: (_i, out) => numel(out),
    lower: { inline: (c) => c.let(`select(0.0, 1.0, ${c.arg(0)} > 0.0)`) },
  },
  /** [C, ...] → [before + C + after, ...], zeros in the new channels. */
  pad_channels: {
    ...gradOp, batch: 'operands', fusion: 'remap',
    shape: (ins, a) => [(a.before as number) + ins[0].shape[0] + (a.after as number), ...ins[0].shape.slice(1)],
    flops: () => 0,
    lower: { inline: padChannelsValue },
  },
  /** [C, fh, fw] → [C, h, w]: each output is the sum of its f×f block (adjoint of upsample_nearest). */
  sum_pool: {
    ...gradOp, batch: 'operands', fusion: 'remap',
    shape: (ins, a) => {
      const [c, h, w] = ins[0].shape, f = a.factor as number;
      return h % f === 0 && w % f === 0 ? [c, h / f, w / f] : `a ${h}×${w} map is not a whole number of ${f}×${f} blocks`;
    },
    flops: (ins) => numel(ins[0].shape),
    lower: { inline: sumPoolValue },
  },
  /** [C, h, w] → [C, H, W] (attr size [H, W]): out(fy, fx) = in(y, x), zeros elsewhere (adjoint of downsample_nearest). */
  dilate: {
    ...gradOp, batch: 'operands', fusion: 'remap',
    shape: (ins, a) => {
      const [c, h, w] = ins[0].shape, f = a.factor as number, [H, W] = a.size as number[];
      return Math.floor(H / f) === h && Math.floor(W / f) === w ? [c, H, W] : `a ${h}×${w} map is not ${H}×${W} downsampled by ${f}`;
    },
    flops: () => 0,
    lower: { inline: dilateValue },
  },
  /** Sum over the batch: the same shape, unbatched. */
  batch_sum: {
    ...gradOp, batch: 'sums', fusion: 'reads-inline',
    shape: (ins) => ins[0].shape, flops: (ins) => numel(ins[0].shape),
    lower: { ...reduction(batchSum), absorbs: 'channel_sum' },
  },
  /** [C, ...] → [C]: each channel summed over the rest, per example. */
  channel_sum: {
    ...gradOp, batch: 'operands', fusion: 'reads-inline',
    shape: (ins) => (ins[0].shape.length ? [ins[0].shape[0]] : 'channel_sum needs channels'), flops: (ins) => numel(ins[0].shape),
    lower: reduction(channelSum),
  },
  /** (g [O, Ho, Wo], x [C, H, W]) → ∂/∂W [O, C, kh, kw] of conv2d, summed over the batch (masked taps 0). */
  conv2d_grad_weight: {
    ...gradOp, batch: 'sums', fusion: 'kernel',
    shape: (ins, a) => [ins[0].shape[0], ins[1].shape[0], ...kernelOf(a)],
    flops: (ins, _o, a) => 2 * numel(ins[0].shape) * ins[1].shape[0] * kernelOf(a)[0] * kernelOf(a)[1],
    lower: { weightGrad: 'conv' },
  },
  /** (g [O, Ho, Wo], x [C, H, W]) → ∂/∂W [C, O, kh, kw] of conv_transpose2d, summed over the batch. */
  conv_transpose2d_grad_weight: {
    ...gradOp, batch: 'sums', fusion: 'kernel',
    shape: (ins, a) => [ins[1].shape[0], ins[0].shape[0], ...kernelOf(a)],
    flops: (ins, _o, a) => 2 * numel(ins[1].shape) * ins[0].shape[0] * kernelOf(a)[0] * kernelOf(a)[1],
    lower: { weightGrad: 'transposed' },
  },
  /** (g [O], x [C]) → ∂/∂W [O, C] of linear, summed over the batch. */
  linear_grad_weight: {
    ...gradOp, batch: 'sums', fusion: 'kernel',
    shape: (ins) => [ins[0].shape[0], ins[1].shape[0]], flops: (ins) => 2 * ins[0].shape[0] * ins[1].shape[0],
    lower: { weightGrad: 'linear' },
  },
  /**
   * (g, x, y, w_ih, w_hh, b_ih, b_hh) of an sdn_sweep (x its input, y its output, attr direction)
   * → [7F, H, W]: per position ∂L/∂gi (3F, the input half W_ih·u + b_ih; 0 on the first line),
   * ∂L/∂gh (3F, the hidden half W_hh·x + b_hh) and z ⊙ ∂L/∂y (F; ∂L/∂y on the first line).
   */
  sweep_grad: {
    ...gradOp, batch: 'operands', fusion: 'kernel',
    shape: (ins) => [7 * ins[1].shape[0], ins[1].shape[1], ins[1].shape[2]],
    flops: (ins) => {
      const [f, h, w] = ins[1].shape;
      return h * w * (2 * (9 * f * f + 3 * f * f) + 2 * 9 * f * f + 30 * f);
    },
    // Along columns a step of the reverse scan writes one column, one cache line per element in
    // NCHW: each channel's map is stored transposed instead, a column's positions contiguous as a
    // row's are (the SDN layer's scan: 139–148 → 80–86 ms; 89 along rows).
    lower: {
      kernel: (st, n) => emitSweepGrad(st, n),
      layout: (n) => ((n.attrs.direction as number) < 2 ? { c: n.shape[1] * n.shape[2], y: 1, x: n.shape[1] } : undefined),
    },
  },
  /** (dgi [3F, H, W], y [F, H, W]) → ∂L/∂W_ih [3F, 3F]: dgi ⊗ the previous line's neighbours in y, summed over the batch. */
  sweep_grad_wih: {
    ...gradOp, batch: 'sums', fusion: 'kernel',
    shape: (ins) => [ins[0].shape[0], ins[0].shape[0]], flops: (ins) => 2 * numel(ins[0].shape) * ins[0].shape[0],
    lower: { weightGrad: 'sweep' },
  },
  /** (g [], kl []) → ∂/∂kl of free_bits (batched, attr lambda). */
  free_bits_grad: {
    ...gradOp, batch: 'operands', fusion: 'reads-inline',
    shape: () => [], flops: () => 4,
    lower: reduction(freeBitsGrad),
  },
  /** (g [], p [K, H, W], x [C, H, W]) → g · ∂ dml_logp / ∂p [K, H, W] (attrs mixtures, bits). */
  dml_logp_grad: {
    ...gradOp, batch: 'operands', fusion: 'reads-inline',
    shape: (ins) => ins[1].shape, flops: (ins, _o, a) => numel(ins[2].shape) * (a.mixtures as number) * 80,
    lower: { kernel: (st, n, k) => k.push(dmlGradKernel(st, k.name, n, k.out, k.nodes)) },
  },
  /** (g [], mean, logscale [], x) → g · ∂ log p / ∂mean or ∂logscale per element (attr wrt, bits). */
  dl_logp_grad: {
    ...gradOp, batch: 'operands', fusion: 'map',
    shape: (ins) => ins[1].shape, flops: (ins) => 30 * numel(ins[1].shape),
    lower: { inline: (c) => dlGradValue(c.gen, c.node, c.b, c.j) },
  },
} satisfies Record<GradOp, OpEntry>;
