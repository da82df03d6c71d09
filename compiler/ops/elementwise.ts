// Elementwise ops: computed inline in whatever kernel reads them, one output element at a time.
// Binary ops broadcast a [] operand over the example and an unbatched one over the batch.
import { numel, type OpName } from '../../runtime/ir.js';
import { broadcastable } from '../export/ops-py.js';
import { unaryGrad } from './shared.js';
import type { KernelBuilder } from '../lower/wgsl.js';
import type { GradRule, InlineCtx, OpEntry, OperandInfo, TorchRule } from './types.js';

function unary(flopsPerElement: number, wgsl: (c: InlineCtx) => string, torch: (x: string) => string, grad: GradRule): OpEntry {
  return {
    shape: (ins) => ins[0].shape,
    flops: (_i, out) => flopsPerElement * numel(out),
    batch: 'operands',
    grad,
    fusion: 'map',
    lower: { inline: (c) => c.let(wgsl(c)) },
    torch: (c) => torch(c.ins[0].expr),
  };
}

function broadcast(ins: OperandInfo[]): number[] | string {
  const [a, b] = ins;
  if (a.shape.length === 0) return b.shape;
  if (b.shape.length === 0) return a.shape;
  if (a.shape.join() === b.shape.join()) return a.shape;
  return `shapes [${a.shape}] and [${b.shape}] don't match`;
}

function binary(wgsl: (c: InlineCtx) => string, torch: TorchRule, grad: GradRule): OpEntry {
  return {
    shape: broadcast,
    flops: (_i, out) => numel(out),
    batch: 'operands',
    grad,
    fusion: 'map',
    lower: { inline: (c) => c.let(wgsl(c)) },
    torch,
  };
}

const infix = (op: string): TorchRule =>
  Object.assign((c: Parameters<TorchRule>[0]) => `${broadcastable(c, 0)} ${op} ${broadcastable(c, 1)}`, { literalOperands: true });

/**
 * The activations, computed by one WGSL function of a selector uniform (0 the identity, then
 * these): kernels whose fused chains differ only in which activation they apply, or whether they
 * apply one, share a pipeline.
 */
const ACTIVATIONS: readonly OpName[] = ['tanh', 'sigmoid', 'elu', 'silu', 'softplus'];
export const isActivation = (op: OpName) => ACTIVATIONS.includes(op);

/** v through the activation function: op's activation, or the identity without an op. */
export const activate = (kb: KernelBuilder, v: string, key: string, op?: OpName): string =>
  kb.selected('act', ACTIVATIONS, [v], op ? ACTIVATIONS.indexOf(op) + 1 : 0, `${key}:activation`);

const activation = (c: InlineCtx) => activate(c.gen.kb, c.arg(0), `${c.node.id}`, c.node.op);

/** add, sub and mul, one WGSL function of a selector uniform as the activations are. */
const ARITHMETIC: readonly OpName[] = ['add', 'sub', 'mul'];
const arithmetic = (c: InlineCtx) =>
  c.gen.kb.selected('arith', ARITHMETIC, [c.arg(0), c.arg(1)], ARITHMETIC.indexOf(c.node.op) + 1, `${c.node.id}:arithmetic`);

export const ELEMENTWISE = {
  neg: unary(1, (c) => `-(${c.arg(0)})`, (x) => `-${x}`, unaryGrad((b, _n, g) => b.op.neg([g]))),
  exp: unary(4, (c) => `exp(${c.arg(0)})`, (x) => `torch.exp(${x})`, unaryGrad((b, n, g) => b.op.mul([g, n.id]))),
  log: unary(4, (c) => `log(${c.arg(0)})`, (x) => `torch.log(${x})`, unaryGrad((b, _n, g, x) => b.op.div([g, x]))),
  tanh: unary(4, activation, (x) => `torch.tanh(${x})`,
    unaryGrad((b, n, g) => b.op.mul([g, b.op.sub([b.const(1), b.op.square([n.id])])]))),
  sigmoid: unary(4, activation, (x) => `torch.sigmoid(${x})`,
    unaryGrad((b, n, g) => b.op.mul([g, b.op.mul([n.id, b.op.sub([b.const(1), n.id])])]))),
  // elu'(x) = 1 for x > 0, exp(x) = 1 + y otherwise: 1 + y − relu(y) covers both.
  elu: unary(4, activation, (x) => `F.elu(${x})`,
    unaryGrad((b, n, g) => b.op.mul([g, b.op.add([b.const(1), b.op.sub([n.id, b.op.relu([n.id])])])]))),
  // silu(x) = x·σ(x); silu'(x) = σ(x) + y·(1 − σ(x)).
  silu: unary(4, activation, (x) => `F.silu(${x})`,
    unaryGrad((b, n, g, x) => {
      const s = b.op.sigmoid([x]);
      return b.op.mul([g, b.op.add([s, b.op.mul([n.id, b.op.sub([b.const(1), s])])])]);
    })),
  relu: unary(1, (c) => `max(${c.arg(0)}, 0.0)`, (x) => `F.relu(${x})`, unaryGrad((b, _n, g, x) => b.op.mul([g, b.op.step([x])]))),
  softplus: unary(4, activation, (x) => `F.softplus(${x})`,
    unaryGrad((b, _n, g, x) => b.op.mul([g, b.op.sigmoid([x])]))),
  square: unary(1, (c) => { const a = c.arg(0); return `${a} * ${a}`; }, (x) => `torch.square(${x})`,
    unaryGrad((b, _n, g, x) => b.op.mul([g, b.op.mul([b.const(2), x])]))),
  add: binary(arithmetic, infix('+'), (_b, _n, g) => [g, g]),
  sub: binary(arithmetic, infix('-'), (b, _n, g) => [g, b.op.neg([g])]),
  mul: binary(arithmetic, infix('*'), (b, n, g) => [b.op.mul([g, n.inputs[1]]), b.op.mul([g, n.inputs[0]])]),
  div: binary((c) => `${c.arg(0)} / ${c.arg(1)}`, infix('/'), (b, n, g) => {
    const [x, y] = n.inputs;
    return [b.op.div([g, y]), b.op.neg([b.op.div([b.op.mul([g, x]), b.op.square([y])])])];
  }),
  // As torch.maximum: a tie splits the gradient evenly.
  max: binary((c) => `max(${c.arg(0)}, ${c.arg(1)})`, (c) => `torch.maximum(${broadcastable(c, 0)}, ${broadcastable(c, 1)})`, (b, n, g) => {
    const [x, y] = n.inputs;
    const gt = b.op.step([b.op.sub([x, y])]), lt = b.op.step([b.op.sub([y, x])]);
    const tie = b.op.mul([b.const(0.5), b.op.sub([b.op.sub([b.const(1), gt]), lt])]);
    const dx = b.op.mul([g, b.op.add([gt, tie])]);
    return [dx, b.op.sub([g, dx])];
  }),
} satisfies Partial<Record<OpName, OpEntry>>;
