// The SDN sweep (a GRU scan over the lines of a map in one of four directions) and the
// standalone GRU cell.
import type { IrNode, OpName } from '../../runtime/ir.js';
import type { GradBuilder } from '../autodiff/builder.js';
import { attrNum, type RuleCtx } from '../export/ops-py.js';
import { gruValue } from '../lower/kernels/misc.js';
import { sweepKernels } from '../lower/kernels/sweep.js';
import { biasGrad } from './dense.js';
import { perElement } from './shared.js';
import type { OpEntry } from './types.js';

/** The GRU update σ/tanh gates recomputed from x, h; the gradient of gru_cell in IR ops. */
function gruCellGrad(b: GradBuilder, n: IrNode, g: number): (number | null)[] {
  const [x, h, wih, whh, bih, bhh] = n.inputs;
  const H = n.shape[0];
  const gi = b.op.linear([x, wih, bih]), gh = b.op.linear([h, whh, bhh]);
  const part = (v: number, k: number) => b.op.slice_channels([v], { start: k * H, size: H });
  const one = b.const(1);
  const r = b.op.sigmoid([b.op.add([part(gi, 0), part(gh, 0)])]);
  const z = b.op.sigmoid([b.op.add([part(gi, 1), part(gh, 1)])]);
  const ghn = part(gh, 2);
  const nn = b.op.tanh([b.op.add([part(gi, 2), b.op.mul([r, ghn])])]);
  const mul = (...v: number[]) => v.reduce((acc, t) => b.op.mul([acc, t]));
  const dan = mul(g, b.op.sub([one, z]), b.op.sub([one, b.op.square([nn])]));
  const daz = mul(g, b.op.sub([h, nn]), z, b.op.sub([one, z]));
  const dar = mul(dan, ghn, r, b.op.sub([one, r]));
  const dgi = b.op.concat_channels([dar, daz, dan]);
  const dgh = b.op.concat_channels([dar, daz, mul(dan, r)]);
  return [
    b.op.linear([dgi, wih], { transpose: true }),
    b.op.add([mul(g, z), b.op.linear([dgh, whh], { transpose: true })]),
    b.op.linear_grad_weight([dgi, x]),
    b.op.linear_grad_weight([dgh, h]),
    b.op.batch_sum([dgi]),
    b.op.batch_sum([dgh]),
  ];
}

/**
 * The sweep's reverse scan (sweep_grad) gives the gate pre-activation gradients per position;
 * the rest is dense: ∂x = W_hhᵀ·∂gh (a 1×1 transposed conv) + the direct z ⊙ ∂y term, weight
 * gradients as GEMMs over positions, bias gradients as sums.
 */
function sweepGrad(b: GradBuilder, n: IrNode, g: number): (number | null)[] {
  const [x, wih, whh, bih, bhh] = n.inputs;
  const F = n.shape[0];
  const G = b.op.sweep_grad([g, x, n.id, wih, whh, bih, bhh], { direction: n.attrs.direction });
  const part = (start: number, size: number) => b.op.slice_channels([G], { start, size });
  const dgi = part(0, 3 * F), dgh = part(3 * F, 3 * F), direct = part(6 * F, F);
  const whh4 = b.op.reshape([whh], { shape: [3 * F, F, 1, 1] });
  const dx = b.op.add([b.op.conv_transpose2d([dgh, whh4], { stride: 1, padding: 0 }), direct]);
  const dwhh = b.op.conv2d_grad_weight([dgh, x], { stride: 1, padding: 0, kernel: [1, 1] });
  return [
    dx,
    b.op.sweep_grad_wih([dgi, n.id], { direction: n.attrs.direction }),
    b.op.reshape([dwhh], { shape: [3 * F, F] }),
    biasGrad(b, dgi),
    biasGrad(b, dgh),
  ];
}

const gruArgs = (c: RuleCtx, from: number) => c.ins.slice(from, from + 4).map((o) => o.expr).join(', ');

export const SWEEP = {
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
    batch: 'operands',
    grad: sweepGrad,
    fusion: 'scan',
    lower: { kernel: (st, n) => sweepKernels(st, n) },
    torch: (c) => `sdn_sweep(${c.data(0)}, ${gruArgs(c, 1)}, direction=${attrNum(c.node, 'direction')})`,
  },
  gru_cell: {
    shape: (ins) => {
      const [x, h, wih, whh] = ins;
      if (x.shape.length !== 1 || h.shape.length !== 1) return `a GRU cell takes vectors, got [${x.shape}] and [${h.shape}]`;
      if (wih.shape[1] !== x.shape[0] || whh.shape[1] !== h.shape[0]) return `the GRU cell expects input ${wih.shape[1]} and hidden ${whh.shape[1]}`;
      return h.shape;
    },
    flops: (ins) => 2 * 3 * ins[1].shape[0] * (ins[0].shape[0] + ins[1].shape[0]) + 12 * ins[1].shape[0],
    batch: 'operands',
    grad: gruCellGrad,
    fusion: 'kernel',
    lower: perElement(gruValue),
    torch: (c) => `gru_cell(${c.data(0)}, ${c.data(1)}, ${gruArgs(c, 2)})`,
  },
} satisfies Partial<Record<OpName, OpEntry>>;
