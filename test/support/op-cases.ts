// Small graphs that together use every differentiable IR op, with the value ranges each needs.
// The CPU tape (test/support/tape.ts) is checked against finite differences on them (test/runtime/cpu/backward.test.ts),
// the differentiated graph against the tape (test/compiler/autodiff) and its WebGPU kernels
// against the interpreter (test/runtime/webgpu/train-graph.test.ts).
import type { IrGraph, OpName } from '../../runtime/ir.js';
import { handGraph as graph } from './hand-graph.js';

export interface OpCase {
  name: string;
  graph: IrGraph;
  batch?: number;
  /** Value range per input or parameter name (default [−1, 1]). */
  ranges?: Record<string, [number, number]>;
  /** Inputs that are data, not differentiated (likelihood targets). */
  data?: string[];
}

const unary: OpName[] = ['neg', 'exp', 'log', 'tanh', 'sigmoid', 'elu', 'silu', 'relu', 'softplus', 'square'];
const binary: OpName[] = ['add', 'sub', 'mul', 'div', 'max'];

function unaryCase(op: OpName): OpCase {
  const g = graph();
  g.out('y', g.op(op, [g.input('x', [3, 2])]));
  return { name: op, graph: g.finish(), ranges: op === 'log' ? { x: [0.5, 2] } : {} };
}

function binaryCase(op: OpName): OpCase {
  const g = graph();
  const x = g.input('x', [2, 2]), y = g.input('y', [2, 2]), p = g.param('p', [2, 2]);
  const s = g.op('sum_per_example', [g.input('z', [3])]);
  g.out('xy', g.op(op, [x, y]));
  g.out('xc', g.op(op, [x, g.c(0.7)]));
  g.out('cx', g.op(op, [g.c(1.3), x]));
  g.out('sx', g.op(op, [s, x]));
  g.out('xs', g.op(op, [x, s]));
  g.out('px', g.op(op, [p, x]));
  return { name: `${op} with batched, constant, per-example scalar and unbatched operands`, graph: g.finish(), ranges: { x: [0.5, 2], y: [0.5, 2], z: [0.2, 0.8], p: [0.5, 2] } };
}

function denseCase(): OpCase {
  const g = graph();
  const x = g.input('x', [3, 5, 5]);
  g.out('s2', g.op('conv2d', [x, g.param('w1', [2, 3, 3, 3]), g.param('b1', [2])], { stride: 2, padding: 1 }));
  for (const mask of ['A', 'B']) {
    g.out(mask, g.op('conv2d', [x, g.param(`w${mask}`, [4, 3, 3, 3]), g.param(`b${mask}`, [4])], { stride: 1, padding: 1, mask }));
  }
  g.out('t', g.op('conv_transpose2d', [x, g.param('wt', [3, 2, 4, 4]), g.param('bt', [2])], { stride: 2, padding: 1 }));
  g.out('l', g.op('linear', [g.op('reshape', [x], { shape: [75] }), g.param('wl', [3, 75]), g.param('bl', [3])]));
  return { name: 'conv2d: stride 2, masks A and B; conv_transpose2d; linear', graph: g.finish() };
}

function sweepCase(direction: number): OpCase {
  const g = graph();
  const F = 3;
  const ps = [g.param('w_ih', [3 * F, 3 * F]), g.param('w_hh', [3 * F, F]), g.param('b_ih', [3 * F]), g.param('b_hh', [3 * F])];
  g.out('y', g.op('sdn_sweep', [g.input('x', [F, 4, 3]), ...ps], { direction }));
  return { name: `sdn_sweep direction ${direction}`, graph: g.finish() };
}

function gruCase(): OpCase {
  const g = graph();
  const ps = [g.param('w_ih', [6, 4]), g.param('w_hh', [6, 2]), g.param('b_ih', [6]), g.param('b_hh', [6])];
  g.out('h', g.op('gru_cell', [g.input('x', [4]), g.input('h', [2]), ...ps]));
  return { name: 'gru_cell', graph: g.finish(), batch: 3 };
}

function layoutCase(): OpCase {
  const g = graph();
  const x = g.input('x', [3, 5, 5]);
  const e = g.op('expand', [g.param('h', [2])], { shape: [2, 5, 5] });
  g.out('cat', g.op('concat_channels', [g.op('slice_channels', [x], { start: 1, size: 2 }), e, x]));
  g.out('pad', g.op('pad2d', [x], { pad: 2 }));
  g.out('crop', g.op('crop2d', [x], { crop: 1 }));
  g.out('up', g.op('upsample_nearest', [x], { factor: 2 }));
  g.out('down', g.op('downsample_nearest', [x], { factor: 2 }));
  g.out('flat', g.op('reshape', [x], { shape: [75] }));
  g.out('vec', g.op('concat_channels', [g.param('v', [4]), g.input('u', [3])]));
  return { name: 'slice, concat (with an unbatched operand), pad, crop, resampling, reshape, expand', graph: g.finish() };
}

function freeBitsCase(lambda: number, regime: string): OpCase {
  const g = graph();
  const kl = g.op('sum_per_example', [g.input('x', [2, 2])]);
  g.out('kl', kl);
  g.out('fb', g.op('free_bits', [kl], { lambda }));
  return { name: `sum_per_example and free_bits (λ = ${lambda}: ${regime})`, graph: g.finish(), batch: 3 };
}

function dmlCase(C: number, M: number): OpCase {
  const g = graph();
  g.out('lp', g.op('dml_logp', [g.input('p', [M * (1 + 3 * C), 2, 3]), g.input('x', [C, 2, 3])], { mixtures: M, bits: 5 }));
  return { name: `dml_logp with ${C} channels, ${M} mixtures`, graph: g.finish(), data: ['x'], ranges: { x: [-0.95, 0.95], p: [-2, 2] } };
}

function dlBernoulliCase(): OpCase {
  const g = graph();
  const x = g.input('x', [2, 2, 2]);
  g.out('dl', g.op('dl_logp', [g.input('m', [2, 2, 2]), g.param('ls', [1]), x], { bits: 5 }));
  g.out('bern', g.op('bernoulli_logp', [g.input('l', [2, 2, 2]), x]));
  return { name: 'dl_logp and bernoulli_logp', graph: g.finish(), data: ['x'], ranges: { x: [-0.5, 0.5], m: [-0.45, 0.45], ls: [-3, -2] } };
}

export const OP_CASES: OpCase[] = [
  ...unary.map(unaryCase),
  ...binary.map(binaryCase),
  denseCase(),
  ...[0, 1, 2, 3].map(sweepCase),
  gruCase(),
  layoutCase(),
  freeBitsCase(100, 'λ wins'),
  freeBitsCase(-100, 'the mean wins'),
  dmlCase(1, 3),
  dmlCase(3, 2),
  dlBernoulliCase(),
];
