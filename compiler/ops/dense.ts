// Dense layers: conv2d, conv_transpose2d and linear, each one tiled GEMM-like kernel that can
// compute the elementwise expression reading it as its epilogue (fuse-epilogue.ts).
import { numel, type Attr, type IrNode, type OpName } from '../../runtime/ir.js';
import type { GradBuilder } from '../autodiff/builder.js';
import { attrNum, type RuleCtx } from '../export/ops-py.js';
import type { OpEntry, OperandInfo } from './types.js';

export const convOut = (size: number, k: number, s: number, p: number) => (size + 2 * p - k) / s + 1;
const convTOut = (size: number, k: number, s: number, p: number) => (size - 1) * s - 2 * p + k;

function conv2dShape(ins: OperandInfo[], a: Record<string, Attr>): number[] | string {
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

function convT2dShape(ins: OperandInfo[], a: Record<string, Attr>): number[] | string {
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

/** stride, padding and mask of a conv node; with the kernel size when `w` is given. */
function convGeometry(n: IrNode, w?: IrNode): Record<string, Attr> {
  const a: Record<string, Attr> = { stride: n.attrs.stride, padding: n.attrs.padding };
  if (n.attrs.mask) a.mask = n.attrs.mask;
  if (w) a.kernel = [w.shape[2], w.shape[3]];
  return a;
}

/** The bias gradient: g summed over positions (per channel) and over the batch. */
export const biasGrad = (b: GradBuilder, g: number) => b.op.batch_sum([b.node(g).shape.length > 1 ? b.op.channel_sum([g]) : g]);

const optBias = (c: RuleCtx, i: number) => (c.ins[i] ? c.ins[i].expr : 'None');

function torchConv(c: RuleCtx, fn: string): string {
  const mask = c.node.attrs.mask as string | undefined;
  const w = mask ? `masked(${c.ins[1].expr}, "${mask}")` : c.ins[1].expr;
  return `F.${fn}(${c.data(0)}, ${w}, ${optBias(c, 2)}, stride=${attrNum(c.node, 'stride')}, padding=${attrNum(c.node, 'padding')})`;
}

export const DENSE = {
  conv2d: {
    shape: conv2dShape,
    flops: (ins, out) => 2 * numel(out) * ins[1].shape[1] * ins[1].shape[2] * ins[1].shape[3] + numel(out),
    batch: 'operands',
    grad: (b, n, g) => {
      const [x, w] = n.inputs;
      return [b.op.conv_transpose2d([g, w], convGeometry(n)), b.op.conv2d_grad_weight([g, x], convGeometry(n, b.node(w))), biasGrad(b, g)];
    },
    fusion: 'dense',
    lower: { dense: 'conv' },
    torch: (c) => torchConv(c, 'conv2d'),
  },
  conv_transpose2d: {
    shape: convT2dShape,
    flops: (ins, out) => 2 * numel(ins[0].shape) * ins[1].shape[1] * ins[1].shape[2] * ins[1].shape[3] + numel(out),
    batch: 'operands',
    grad: (b, n, g) => {
      const [x, w] = n.inputs;
      return [b.op.conv2d([g, w], convGeometry(n)), b.op.conv_transpose2d_grad_weight([g, x], convGeometry(n, b.node(w))), biasGrad(b, g)];
    },
    fusion: 'dense',
    lower: { dense: 'transposed' },
    torch: (c) => torchConv(c, 'conv_transpose2d'),
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
    batch: 'operands',
    grad: (b, n, g) => {
      const [x, w] = n.inputs;
      return [b.op.linear([g, w], { transpose: true }), b.op.linear_grad_weight([g, x]), biasGrad(b, g)];
    },
    fusion: 'dense',
    lower: { dense: 'linear' },
    torch: (c) => {
      if (c.node.attrs.transpose) throw new Error('linear with attr transpose only appears in differentiated graphs');
      return `F.linear(${c.data(0)}, ${c.ins[1].expr}, ${optBias(c, 2)})`;
    },
  },
} satisfies Partial<Record<OpName, OpEntry>>;
