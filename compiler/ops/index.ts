// The op table: one entry per IR op (runtime/ir.ts OpName) with every concern the compiler has
// about it (types.ts). The passes dispatch through it instead of naming ops; the CPU
// interpreter keeps its own table (runtime/cpu/ops.ts), since the runtime never imports this.
import type { OpName } from '../../runtime/ir.js';
import { DENSE } from './dense.js';
import { ELEMENTWISE } from './elementwise.js';
import { GRAD } from './grad.js';
import { LAYOUT } from './layout.js';
import { LIKELIHOODS } from './likelihoods.js';
import { SOURCES } from './sources.js';
import { SWEEP } from './sweep.js';
import type { Attrs, OpEntry } from './types.js';

export type { OpEntry, OperandInfo, Attrs } from './types.js';

export const OPS: Record<OpName, OpEntry> = { ...SOURCES, ...DENSE, ...SWEEP, ...ELEMENTWISE, ...LAYOUT, ...LIKELIHOODS, ...GRAD };

export const OP_NAMES = Object.keys(OPS) as OpName[];

/** Whether a node of `op` over these operands is batched (has the implicit leading batch dimension). */
export function isBatched(op: OpName, operands: readonly { batched: boolean }[]): boolean {
  const batch = OPS[op].batch;
  return batch === 'always' || (batch === 'operands' && operands.some((o) => o.batched));
}

/** One function per op, `calls.mul([a, b])`, all emitting through `emit`: builders name ops by property, typed. */
export type OpCalls<T, R> = { readonly [K in OpName]: (inputs: T[], attrs?: Attrs) => R };

export function opCalls<T, R>(emit: (op: OpName, inputs: T[], attrs: Attrs) => R): OpCalls<T, R> {
  return Object.fromEntries(OP_NAMES.map((op) => [op, (inputs: T[], attrs: Attrs = {}) => emit(op, inputs, attrs)])) as OpCalls<T, R>;
}
