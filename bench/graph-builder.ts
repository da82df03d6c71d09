// A hand-built graph for the benchmarks: inputs and params by name, ops by their shape rule.
import { OPS } from '../compiler/ops/index.js';
import type { Attr, IrGraph, OpName } from '../runtime/ir.js';

export class GraphBuilder {
  readonly g: IrGraph = { mode: 'elbo', nodes: [], params: [], layers: [], inputs: [], outputs: [] };

  add(op: OpName, inputs: number[], attrs: Record<string, Attr> = {}, batched = true): number {
    const shape = OPS[op].shape(inputs.map((i) => ({ shape: this.g.nodes[i].shape, batched: this.g.nodes[i].batched })), attrs);
    if (typeof shape === 'string') throw new Error(`${op}: ${shape}`);
    return this.g.nodes.push({ id: this.g.nodes.length, op, inputs, attrs, shape, batched, layer: -1 }) - 1;
  }

  input(name: string, shape: number[]): number {
    const id = this.add('input', [], { name, shape });
    this.g.inputs.push({ name, node: id, shape });
    return id;
  }

  param(path: string, shape: number[]): number {
    this.g.params.push({ path, torch: path, shape, init: { kind: 'zeros' }, layer: -1 });
    return this.add('param', [], { path, shape }, false);
  }

  output(name: string, node: number): this {
    this.g.outputs.push({ name, node });
    return this;
  }
}
