// Reverse-mode differentiation of an IR graph into one graph that computes the forward pass and
// the gradients: the forward nodes as they are, then, walking them backwards, each node's rule
// (its entry's `grad` in the op table, compiler/ops) applied to its accumulated upstream gradient. Only nodes that depend on a parameter
// (or a requested input) are differentiated. The seed ∂L/∂output is an input (`seed:<output>`,
// per example), so the caller chooses the weighting (1/B for the mean of the batch).
// The result has the original outputs plus `grad:<param path>` (and `grad:<input>`) outputs,
// and runs on either executor like any other graph.
import { gradOutput, isInput, isParam, numel, seedInput, type IrGraph } from '../../runtime/ir.js';
import { GradBuilder } from './builder.js';
import { OPS } from '../ops/index.js';

export interface DifferentiateOptions {
  /** Outputs that get a seed input: L = Σ_outputs ⟨output, seed:output⟩. */
  seeds: string[];
  /** Inputs whose gradients are wanted too (by input name). */
  inputs?: string[];
}

export function differentiate(graph: IrGraph, opts: DifferentiateOptions): IrGraph {
  const b = new GradBuilder(graph);
  const forward = graph.nodes.length;
  const wantInputs = new Set(opts.inputs ?? []);
  const needs = graph.nodes.map(() => false);
  for (const n of graph.nodes) {
    needs[n.id] = isParam(n) || (isInput(n) && wantInputs.has(n.attrs.name as string)) || n.inputs.some((i) => needs[i]);
  }
  const contributions: number[][] = graph.nodes.map(() => []);
  const inputs = [...graph.inputs];
  for (const name of opts.seeds) {
    const out = graph.outputs.find((o) => o.name === name);
    if (!out) throw new Error(`autodiff: no output '${name}' to seed (outputs: ${graph.outputs.map((o) => o.name).join(', ')})`);
    const shape = graph.nodes[out.node].shape;
    const seed = b.op.input([], { name: seedInput(name), shape });
    inputs.push({ name: seedInput(name), node: seed, shape });
    contributions[out.node].push(seed);
  }
  const total = (id: number): number | undefined => {
    const parts = contributions[id];
    if (parts.length === 0) return undefined;
    b.origin = graph.nodes[id];
    return parts.reduce((acc, p) => b.op.add([acc, p]));
  };
  for (let k = forward - 1; k >= 0; k--) {
    const n = graph.nodes[k];
    if (!needs[k] || isParam(n) || isInput(n)) continue;
    const g = total(k);
    if (g === undefined) continue;
    const rule = OPS[n.op].grad;
    if (!rule) throw new Error(`autodiff: op '${n.op}' (node ${n.id}) is a gradient op, which is not differentiated`);
    b.origin = n;
    rule(b, n, g).forEach((d, i) => {
      const target = n.inputs[i];
      if (d !== null && needs[target]) contributions[target].push(reduceTo(b, d, target));
    });
  }
  const outputs = [...graph.outputs];
  const sources = graph.nodes.filter((n) => isParam(n) || (isInput(n) && wantInputs.has(n.attrs.name as string)));
  for (const n of sources) {
    const g = total(n.id);
    if (g === undefined) continue;
    const name = isParam(n) ? (n.attrs.path as string) : (n.attrs.name as string);
    outputs.push({ name: gradOutput(name), node: g });
  }
  return { ...graph, nodes: b.nodes, inputs, outputs, backwardFrom: forward };
}

/**
 * d summed down to the operand's shape: over the example for a one-element operand ([] or [1],
 * broadcast over it), over the batch for an unbatched one.
 */
function reduceTo(b: GradBuilder, d: number, target: number): number {
  const t = b.node(target);
  let r = d;
  if (numel(t.shape) === 1 && numel(b.node(r).shape) > 1) r = b.op.sum_per_example([r]);
  if (!t.batched && b.node(r).batched) r = b.op.batch_sum([r]);
  if (b.node(r).shape.join() !== t.shape.join() && numel(b.node(r).shape) === numel(t.shape)) r = b.op.reshape([r], { shape: t.shape });
  if (b.node(r).shape.join() !== t.shape.join()) {
    throw new Error(`autodiff: gradient of node ${target} (${t.op}) has shape [${b.node(r).shape}], expected [${t.shape}]`);
  }
  return r;
}
