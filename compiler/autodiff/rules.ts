// One vector-Jacobian rule per forward op, written as IR: given node n and the node g holding
// ∂L/∂n, the nodes holding ∂L/∂(each input), or null where an input gets none. A result may be
// at n's broadcast shape; differentiate.ts sums it down to the operand (per-example scalars,
// parameters). Each rule mirrors runtime/cpu/backward.ts, whose tape is the oracle for the
// differentiated graph (test/compiler/autodiff).
import type { Attr, IrNode, OpName } from '../../runtime/ir.js';
import type { GradBuilder } from './builder.js';

type Rule = (b: GradBuilder, n: IrNode, g: number) => (number | null)[];

const none: Rule = (_b, n) => n.inputs.map(() => null);
const unary = (f: (b: GradBuilder, n: IrNode, g: number, x: number) => number): Rule => (b, n, g) => [f(b, n, g, n.inputs[0])];
const biasGrad = (b: GradBuilder, g: number) => b.emit('batch_sum', [b.node(g).shape.length > 1 ? b.emit('channel_sum', [g]) : g]);

/** stride, padding and mask of a conv node; with the kernel size when `w` is given. */
function convGeometry(n: IrNode, w?: IrNode): Record<string, Attr> {
  const a: Record<string, Attr> = { stride: n.attrs.stride, padding: n.attrs.padding };
  if (n.attrs.mask) a.mask = n.attrs.mask;
  if (w) a.kernel = [w.shape[2], w.shape[3]];
  return a;
}

/** The GRU update σ/tanh gates recomputed from x, h; the rule of gru_cell in IR ops. */
function gruCellRule(b: GradBuilder, n: IrNode, g: number): (number | null)[] {
  const [x, h, wih, whh, bih, bhh] = n.inputs;
  const H = n.shape[0];
  const gi = b.emit('linear', [x, wih, bih]), gh = b.emit('linear', [h, whh, bhh]);
  const part = (v: number, k: number) => b.emit('slice_channels', [v], { start: k * H, size: H });
  const one = b.const(1);
  const r = b.emit('sigmoid', [b.emit('add', [part(gi, 0), part(gh, 0)])]);
  const z = b.emit('sigmoid', [b.emit('add', [part(gi, 1), part(gh, 1)])]);
  const ghn = part(gh, 2);
  const nn = b.emit('tanh', [b.emit('add', [part(gi, 2), b.emit('mul', [r, ghn])])]);
  const mul = (...v: number[]) => v.reduce((acc, t) => b.emit('mul', [acc, t]));
  const dan = mul(g, b.emit('sub', [one, z]), b.emit('sub', [one, b.emit('square', [nn])]));
  const daz = mul(g, b.emit('sub', [h, nn]), z, b.emit('sub', [one, z]));
  const dar = mul(dan, ghn, r, b.emit('sub', [one, r]));
  const dgi = b.emit('concat_channels', [dar, daz, dan]);
  const dgh = b.emit('concat_channels', [dar, daz, mul(dan, r)]);
  return [
    b.emit('linear', [dgi, wih], { transpose: true }),
    b.emit('add', [mul(g, z), b.emit('linear', [dgh, whh], { transpose: true })]),
    b.emit('linear_grad_weight', [dgi, x]),
    b.emit('linear_grad_weight', [dgh, h]),
    b.emit('batch_sum', [dgi]),
    b.emit('batch_sum', [dgh]),
  ];
}

/**
 * The sweep's reverse scan (sweep_grad) gives the gate pre-activation gradients per position;
 * the rest is dense: ∂x = W_hhᵀ·∂gh (a 1×1 transposed conv) + the direct z ⊙ ∂y term, weight
 * gradients as GEMMs over positions, bias gradients as sums.
 */
function sweepRule(b: GradBuilder, n: IrNode, g: number): (number | null)[] {
  const [x, wih, whh, bih, bhh] = n.inputs;
  const F = n.shape[0];
  const G = b.emit('sweep_grad', [g, x, n.id, wih, whh, bih, bhh], { direction: n.attrs.direction });
  const part = (start: number, size: number) => b.emit('slice_channels', [G], { start, size });
  const dgi = part(0, 3 * F), dgh = part(3 * F, 3 * F), direct = part(6 * F, F);
  const whh4 = b.emit('reshape', [whh], { shape: [3 * F, F, 1, 1] });
  const dx = b.emit('add', [b.emit('conv_transpose2d', [dgh, whh4], { stride: 1, padding: 0 }), direct]);
  const dwhh = b.emit('conv2d_grad_weight', [dgh, x], { stride: 1, padding: 0, kernel: [1, 1] });
  return [
    dx,
    b.emit('sweep_grad_wih', [dgi, n.id], { direction: n.attrs.direction }),
    b.emit('reshape', [dwhh], { shape: [3 * F, F] }),
    biasGrad(b, dgi),
    biasGrad(b, dgh),
  ];
}

export const RULES: Partial<Record<OpName, Rule>> = {
  input: none, param: none, const: none, scalar_input: none, noise: none, dml_mode: none, dl_mode: none,
  conv2d: (b, n, g) => {
    const [x, w] = n.inputs;
    return [
      b.emit('conv_transpose2d', [g, w], convGeometry(n)),
      b.emit('conv2d_grad_weight', [g, x], convGeometry(n, b.node(w))),
      biasGrad(b, g),
    ];
  },
  conv_transpose2d: (b, n, g) => {
    const [x, w] = n.inputs;
    return [
      b.emit('conv2d', [g, w], convGeometry(n)),
      b.emit('conv_transpose2d_grad_weight', [g, x], convGeometry(n, b.node(w))),
      biasGrad(b, g),
    ];
  },
  linear: (b, n, g) => {
    const [x, w] = n.inputs;
    return [b.emit('linear', [g, w], { transpose: true }), b.emit('linear_grad_weight', [g, x]), biasGrad(b, g)];
  },
  sdn_sweep: sweepRule,
  gru_cell: gruCellRule,
  neg: unary((b, _n, g) => b.emit('neg', [g])),
  exp: unary((b, n, g) => b.emit('mul', [g, n.id])),
  log: unary((b, _n, g, x) => b.emit('div', [g, x])),
  tanh: unary((b, n, g) => b.emit('mul', [g, b.emit('sub', [b.const(1), b.emit('square', [n.id])])])),
  sigmoid: unary((b, n, g) => b.emit('mul', [g, b.emit('mul', [n.id, b.emit('sub', [b.const(1), n.id])])])),
  // elu'(x) = 1 for x > 0, exp(x) = 1 + y otherwise: 1 + y − relu(y) covers both.
  elu: unary((b, n, g) => b.emit('mul', [g, b.emit('add', [b.const(1), b.emit('sub', [n.id, b.emit('relu', [n.id])])])])),
  relu: unary((b, _n, g, x) => b.emit('mul', [g, b.emit('step', [x])])),
  softplus: unary((b, _n, g, x) => b.emit('mul', [g, b.emit('sigmoid', [x])])),
  square: unary((b, _n, g, x) => b.emit('mul', [g, b.emit('mul', [b.const(2), x])])),
  add: (_b, _n, g) => [g, g],
  sub: (b, _n, g) => [g, b.emit('neg', [g])],
  mul: (b, n, g) => [b.emit('mul', [g, n.inputs[1]]), b.emit('mul', [g, n.inputs[0]])],
  div: (b, n, g) => {
    const [x, y] = n.inputs;
    return [b.emit('div', [g, y]), b.emit('neg', [b.emit('div', [b.emit('mul', [g, x]), b.emit('square', [y])])])];
  },
  // As torch.maximum: a tie splits the gradient evenly.
  max: (b, n, g) => {
    const [x, y] = n.inputs;
    const gt = b.emit('step', [b.emit('sub', [x, y])]), lt = b.emit('step', [b.emit('sub', [y, x])]);
    const tie = b.emit('mul', [b.const(0.5), b.emit('sub', [b.emit('sub', [b.const(1), gt]), lt])]);
    const dx = b.emit('mul', [g, b.emit('add', [gt, tie])]);
    return [dx, b.emit('sub', [g, dx])];
  },
  slice_channels: (b, n, g) => {
    const C = b.node(n.inputs[0]).shape[0], start = n.attrs.start as number, size = n.attrs.size as number;
    return [b.emit('pad_channels', [g], { before: start, after: C - start - size })];
  },
  concat_channels: (b, n, g) => {
    let start = 0;
    return n.inputs.map((i) => {
      const size = b.node(i).shape[0];
      const d = b.emit('slice_channels', [g], { start, size });
      start += size;
      return d;
    });
  },
  pad2d: unary((b, n, g) => b.emit('crop2d', [g], { crop: n.attrs.pad })),
  crop2d: unary((b, n, g) => b.emit('pad2d', [g], { pad: n.attrs.crop })),
  upsample_nearest: unary((b, n, g) => b.emit('sum_pool', [g], { factor: n.attrs.factor })),
  downsample_nearest: unary((b, n, g, x) => b.emit('dilate', [g], { factor: n.attrs.factor, size: b.node(x).shape.slice(1) })),
  reshape: unary((b, _n, g, x) => b.emit('reshape', [g], { shape: b.node(x).shape })),
  expand: unary((b, _n, g, x) => (b.node(x).shape.length === 0 ? g : b.emit('channel_sum', [g]))),
  sum_per_example: unary((b, _n, g, x) => (b.node(x).shape.length === 0 ? g : b.emit('expand', [g], { shape: b.node(x).shape }))),
  free_bits: unary((b, n, g, kl) => b.emit('free_bits_grad', [g, kl], { lambda: n.attrs.lambda })),
  dml_logp: (b, n, g) => [b.emit('dml_logp_grad', [g, ...n.inputs], { mixtures: n.attrs.mixtures, bits: n.attrs.bits }), null],
  dl_logp: (b, n, g) => {
    const at = (wrt: string) => b.emit('dl_logp_grad', [g, ...n.inputs], { bits: n.attrs.bits, wrt });
    return [at('mean'), at('logscale'), null];
  },
  bernoulli_logp: (b, n, g) => {
    const [l, x] = n.inputs;
    const ge = b.emit('expand', [g], { shape: b.node(l).shape });
    return [b.emit('mul', [ge, b.emit('sub', [x, b.emit('sigmoid', [l])])]), null];
  },
};
