// A slice of a model's IR graph as a standalone graph, for checking large models part by part:
// the same nodes (ops, attributes, shapes, parameter paths, noise streams) so they lower to the
// same kernels as in the whole program, with the values the slice reads from the rest of the
// model turned into inputs and the values the rest of the model reads from it into outputs.
import type { IrGraph, IrNode, IrParam } from '../../../runtime/ir.js';

const SOURCES = new Set(['input', 'param', 'scalar_input', 'const']);

/** Nodes created in one of the modules `paths` or in a module under one. */
export const inModules = (g: IrGraph, paths: string[]) => (n: IrNode) =>
  n.layer >= 0 && paths.some((m) => g.layers[n.layer].path === m || g.layers[n.layer].path.startsWith(`${m}.`));

const HEAVY = new Set(['conv2d', 'conv_transpose2d', 'linear', 'sdn_sweep']);
/** Every node after the graph's last convolution, linear layer or sweep: the model's output head. */
export function inHead(g: IrGraph): (n: IrNode) => boolean {
  const last = Math.max(...g.nodes.filter((n) => HEAVY.has(n.op)).map((n) => n.id));
  return (n) => n.id > last;
}

/**
 * The computed nodes `select` picks, plus the model-level glue that reads only them. Values read
 * from outside become inputs `cut<id>` (batched) or parameters `cut.<id>` (unbatched); values read
 * from outside the slice, and graph outputs computed inside it, become outputs (`n<id>`, or the
 * output's name).
 */
export function sliceGraph(g: IrGraph, select: (n: IrNode) => boolean): IrGraph {
  const inSlice = new Set<number>();
  for (const n of g.nodes) {
    if (SOURCES.has(n.op)) continue;
    const computed = n.inputs.filter((i) => !SOURCES.has(g.nodes[i].op));
    if (select(n) || (n.layer < 0 && computed.length > 0 && computed.every((i) => inSlice.has(i)))) inSlice.add(n.id);
  }
  if (inSlice.size === 0) throw new Error('sliceGraph: the slice is empty');

  const out: IrGraph = { mode: g.mode, nodes: [], params: [], layers: g.layers, inputs: [], outputs: [] };
  const paramOf = new Map(g.params.map((p) => [p.path, p]));
  const ids = new Map<number, number>();
  const push = (n: Omit<IrNode, 'id'>) => out.nodes.push({ ...n, id: out.nodes.length }) - 1;
  const param = (p: IrParam, from: IrNode) => {
    out.params.push(p);
    return push({ ...from, op: 'param', inputs: [], attrs: { path: p.path, shape: p.shape } });
  };
  const source = (i: number): number => {
    const n = g.nodes[i];
    if (n.op === 'param') return param(paramOf.get(n.attrs.path as string)!, n);
    if (SOURCES.has(n.op)) {
      if (n.op === 'input') out.inputs.push({ name: n.attrs.name as string, node: out.nodes.length, shape: n.shape });
      return push({ ...n, inputs: [] });
    }
    if (!n.batched) return param({ path: `cut.${i}`, torch: `cut.${i}`, shape: n.shape, init: { kind: 'uniform', bound: 1 }, layer: -1 }, n);
    out.inputs.push({ name: `cut${i}`, node: out.nodes.length, shape: n.shape });
    return push({ ...n, op: 'input', inputs: [], attrs: { name: `cut${i}`, shape: n.shape } });
  };
  const consumedOutside = new Set<number>();
  for (const n of g.nodes) {
    if (inSlice.has(n.id)) continue;
    for (const i of n.inputs) if (inSlice.has(i)) consumedOutside.add(i);
  }
  for (const n of g.nodes) {
    if (!inSlice.has(n.id)) continue;
    // Nodes of the slice come before their consumers; any other id not seen yet is outside it.
    const inputs = n.inputs.map((i) => {
      if (!ids.has(i)) ids.set(i, source(i));
      return ids.get(i)!;
    });
    ids.set(n.id, push({ ...n, inputs }));
  }
  const named = new Map(g.outputs.map((o) => [o.node, o.name]));
  for (const id of inSlice) {
    if (named.has(id) || consumedOutside.has(id)) out.outputs.push({ name: named.get(id) ?? `n${id}`, node: ids.get(id)! });
  }
  return out;
}
