// Appends nodes to a copy of a graph through the op shape rules, attributing each new node to
// the forward node it differentiates (its module row and source line), so kernels of the
// backward pass are named after, and errors point at, the model line they come from.
import type { Attr, IrGraph, IrNode, OpName } from '../../runtime/ir.js';
import { isBatched, opCalls, OPS } from '../ops/index.js';

export class GradBuilder {
  readonly nodes: IrNode[];
  /** The forward node new nodes are attributed to. */
  origin?: IrNode;
  /** `op.mul([a, b])`: emit by op, typed. */
  readonly op = opCalls<number, number>((op, inputs, attrs) => this.emit(op, inputs, attrs));

  constructor(readonly graph: IrGraph) {
    this.nodes = graph.nodes.map((n) => ({ ...n }));
  }

  node(id: number): IrNode {
    return this.nodes[id];
  }

  emit(op: OpName, inputs: number[], attrs: Record<string, Attr> = {}): number {
    const ins = inputs.map((i) => this.nodes[i]);
    const shape = OPS[op].shape(ins, attrs);
    const at = this.origin ? ` (differentiating ${this.origin.op}, node ${this.origin.id})` : '';
    if (typeof shape === 'string') throw new Error(`autodiff: ${op}${at}: ${shape}`);
    const batched = isBatched(op, ins);
    const id = this.nodes.length;
    const o = this.origin;
    this.nodes.push({ id, op, inputs, attrs, shape, batched, layer: o?.layer ?? -1, ...(o?.source ? { source: o.source } : {}) });
    return id;
  }

  const(value: number): number {
    return this.op.const([], { value });
  }
}
