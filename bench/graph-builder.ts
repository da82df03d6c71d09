// A hand-built IR graph for the benchmarks and the tests of single ops: inputs and params by name,
// ops by their shape rule (compiler/ops). A node is batched when any operand is, unless
// told; node n gets the source line n + 1 of a file named hand.sdn, for error messages.
import { OPS } from '../compiler/ops/index.js';
import { numel, type Attr, type IrGraph, type IrNode, type OpName } from '../runtime/ir.js';

export class GraphBuilder {
  readonly g: IrGraph = { mode: 'elbo', nodes: [], params: [], layers: [], inputs: [], outputs: [] };

  add(op: OpName, inputs: number[], attrs: Record<string, Attr> = {}, batched?: boolean): number {
    const ins = inputs.map((i) => ({ shape: this.g.nodes[i].shape, batched: this.g.nodes[i].batched }));
    const shape = OPS[op].shape(ins, attrs);
    if (typeof shape === 'string') throw new Error(`${op}: ${shape}`);
    const id = this.g.nodes.length;
    const node: IrNode = {
      id, op, inputs, attrs, shape, batched: batched ?? ins.some((i) => i.batched), layer: -1,
      source: { file: 'hand.sdn', line: id + 1, col: 1 },
    };
    this.g.nodes.push(node);
    return id;
  }

  input(name: string, shape: number[]): number {
    const id = this.add('input', [], { name, shape }, true);
    this.g.inputs.push({ name, node: id, shape });
    return id;
  }

  param(path: string, shape: number[]): number {
    this.g.params.push({ path, torch: path, shape, init: { kind: 'zeros' }, layer: -1 });
    return this.add('param', [], { path, shape }, false);
  }

  const(value: number): number {
    return this.add('const', [], { value }, false);
  }

  output(name: string, node: number): this {
    this.g.outputs.push({ name, node });
    return this;
  }
}

/** The benchmarks' inputs for `batch` examples: a sine wave as data, ones for the gradient seeds (`seed:…`). */
export function benchInputs(inputs: { name: string; shape: number[] }[], batch: number): Record<string, Float32Array> {
  const wave = (n: number) => new Float32Array(n).map((_, k) => Math.sin(k) * 0.5);
  return Object.fromEntries(inputs.map((i) => [i.name, i.name.startsWith('seed:') ? new Float32Array(batch * numel(i.shape)).fill(1) : wave(batch * numel(i.shape))]));
}
