// Shape and FLOP rules of the gradient ops (runtime/ir.ts GRAD_OPS), which only reverse-mode
// differentiation emits, with the semantics each executor implements. `g` is an upstream
// gradient; "summed over the batch" ops produce unbatched values.
import { numel, type Attr, type GradOp } from '../../runtime/ir.js';
import type { OpRule } from './ops.js';

type Attrs = Record<string, Attr>;
const kernelOf = (a: Attrs) => a.kernel as [number, number];

export const GRAD_OP_RULES: Record<GradOp, OpRule> = {
  /** 1 where x > 0, else 0. */
  step: { shape: (ins) => ins[0].shape, flops: (_i, out) => numel(out) },
  /** [C, ...] → [before + C + after, ...], zeros in the new channels. */
  pad_channels: {
    shape: (ins, a) => [(a.before as number) + ins[0].shape[0] + (a.after as number), ...ins[0].shape.slice(1)],
    flops: () => 0,
  },
  /** [C, fh, fw] → [C, h, w]: each output is the sum of its f×f block (adjoint of upsample_nearest). */
  sum_pool: {
    shape: (ins, a) => {
      const [c, h, w] = ins[0].shape, f = a.factor as number;
      return h % f === 0 && w % f === 0 ? [c, h / f, w / f] : `a ${h}×${w} map is not a whole number of ${f}×${f} blocks`;
    },
    flops: (ins) => numel(ins[0].shape),
  },
  /** [C, h, w] → [C, H, W] (attr size [H, W]): out(fy, fx) = in(y, x), zeros elsewhere (adjoint of downsample_nearest). */
  dilate: {
    shape: (ins, a) => {
      const [c, h, w] = ins[0].shape, f = a.factor as number, [H, W] = a.size as number[];
      return Math.floor(H / f) === h && Math.floor(W / f) === w ? [c, H, W] : `a ${h}×${w} map is not ${H}×${W} downsampled by ${f}`;
    },
    flops: () => 0,
  },
  /** Sum over the batch: the same shape, unbatched. */
  batch_sum: { shape: (ins) => ins[0].shape, flops: (ins) => numel(ins[0].shape) },
  /** [C, ...] → [C]: each channel summed over the rest, per example. */
  channel_sum: { shape: (ins) => (ins[0].shape.length ? [ins[0].shape[0]] : 'channel_sum needs channels'), flops: (ins) => numel(ins[0].shape) },
  /** (g [O, Ho, Wo], x [C, H, W]) → ∂/∂W [O, C, kh, kw] of conv2d, summed over the batch (masked taps 0). */
  conv2d_grad_weight: {
    shape: (ins, a) => [ins[0].shape[0], ins[1].shape[0], ...kernelOf(a)],
    flops: (ins, _o, a) => 2 * numel(ins[0].shape) * ins[1].shape[0] * kernelOf(a)[0] * kernelOf(a)[1],
  },
  /** (g [O, Ho, Wo], x [C, H, W]) → ∂/∂W [C, O, kh, kw] of conv_transpose2d, summed over the batch. */
  conv_transpose2d_grad_weight: {
    shape: (ins, a) => [ins[1].shape[0], ins[0].shape[0], ...kernelOf(a)],
    flops: (ins, _o, a) => 2 * numel(ins[1].shape) * ins[0].shape[0] * kernelOf(a)[0] * kernelOf(a)[1],
  },
  /** (g [O], x [C]) → ∂/∂W [O, C] of linear, summed over the batch. */
  linear_grad_weight: { shape: (ins) => [ins[0].shape[0], ins[1].shape[0]], flops: (ins) => 2 * ins[0].shape[0] * ins[1].shape[0] },
  /**
   * (g, x, y, w_ih, w_hh, b_ih, b_hh) of an sdn_sweep (x its input, y its output, attr direction)
   * → [7F, H, W]: per position ∂L/∂gi (3F, the input half W_ih·u + b_ih; 0 on the first line),
   * ∂L/∂gh (3F, the hidden half W_hh·x + b_hh) and z ⊙ ∂L/∂y (F; ∂L/∂y on the first line).
   */
  sweep_grad: {
    shape: (ins) => [7 * ins[1].shape[0], ins[1].shape[1], ins[1].shape[2]],
    flops: (ins) => {
      const [f, h, w] = ins[1].shape;
      return h * w * (2 * (9 * f * f + 3 * f * f) + 2 * 9 * f * f + 30 * f);
    },
  },
  /** (dgi [3F, H, W], y [F, H, W]) → ∂L/∂W_ih [3F, 3F]: dgi ⊗ the previous line's neighbours in y, summed over the batch. */
  sweep_grad_wih: { shape: (ins) => [ins[0].shape[0], ins[0].shape[0]], flops: (ins) => 2 * numel(ins[0].shape) * ins[0].shape[0] },
  /** (g [], kl []) → ∂/∂kl of free_bits (batched, attr lambda). */
  free_bits_grad: { shape: () => [], flops: () => 4 },
  /** (g [], p [K, H, W], x [C, H, W]) → g · ∂ dml_logp / ∂p [K, H, W] (attrs mixtures, bits). */
  dml_logp_grad: { shape: (ins) => ins[1].shape, flops: (ins, _o, a) => numel(ins[2].shape) * (a.mixtures as number) * 80 },
  /** (g [], mean, logscale [], x) → g · ∂ log p / ∂mean or ∂logscale per element (attr wrt, bits). */
  dl_logp_grad: { shape: (ins) => ins[1].shape, flops: (ins) => 30 * numel(ins[1].shape) },
};

