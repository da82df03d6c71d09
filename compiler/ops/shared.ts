// Pieces several entries share: a kernel with one invocation per output element, gradient rules
// of one-operand ops, the empty gradient rule.
import type { IrNode } from '../../runtime/ir.js';
import type { GradBuilder } from '../autodiff/builder.js';
import { elementKernel } from '../lower/kernels/common.js';
import type { ExprGen } from '../lower/expr.js';
import type { LowerState } from '../lower/state.js';
import type { GradRule, Lowering } from './types.js';

/** Its own kernel, one thread per element, computing `value` at (b, j). */
export const perElement = (value: (st: LowerState, gen: ExprGen, n: IrNode, b: string, j: string) => string): Lowering => ({
  kernel: (st, n, k) =>
    k.push(elementKernel(st, { name: k.name, node: n, out: k.out, nodes: k.nodes, source: n.source, value: (gen, b, j) => value(st, gen, n, b, j) })),
});

/** The rule of a one-operand op: ∂L/∂x from (b, n, g, x). */
export const unaryGrad = (f: (b: GradBuilder, n: IrNode, g: number, x: number) => number): GradRule => (b, n, g) => [f(b, n, g, n.inputs[0])];

/** The gradient rule of ops nothing flows back through (sources, modes): no operand gets a gradient. */
export const noGrad: GradRule = (_b, n) => n.inputs.map(() => null);
