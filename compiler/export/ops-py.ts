// What an op's torch rule (its entry's `torch` in the op table, compiler/ops) writes with: its
// operands as Python expressions. Tensors of batched nodes carry the batch as a leading
// dimension; unbatched ones (parameters, constants) have exactly their per-example shape, so
// layout ops index dimensions from the end.
import type { IrNode } from '../../runtime/ir.js';

export interface Operand {
  /** A Python expression: a variable, or a float literal for an inlined constant. */
  expr: string;
  shape: number[];
  batched: boolean;
}

export interface RuleCtx {
  node: IrNode;
  ins: Operand[];
  /** Operand i, repeated over the batch when this node is batched and the operand isn't. */
  data(i: number): string;
  /** The PyTorch name of a parameter (attr `path`). */
  param(path: string): string;
  noise(stream: string): string;
  scalar(name: string): string;
  input(name: string): string;
}

export const attrNum = (n: IrNode, a: string) => n.attrs[a] as number;
export const tuple = (s: number[]) => (s.length === 1 ? `(${s[0]},)` : `(${s.join(', ')})`);

/** An operand shaped to broadcast against the node: a batched per-example scalar [B] becomes [B, 1, …]. */
export function broadcastable(c: RuleCtx, i: number): string {
  const o = c.ins[i];
  const rank = c.node.shape.length;
  return o.batched && o.shape.length === 0 && rank > 0 ? `${o.expr}.reshape(-1${', 1'.repeat(rank)})` : o.expr;
}

/** A Python float literal that reads back as the same double. */
export function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'math.nan';
  if (!Number.isFinite(v)) return v > 0 ? 'math.inf' : '-math.inf';
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}
