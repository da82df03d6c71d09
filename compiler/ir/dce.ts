// Dead-code elimination: keeps the nodes the outputs depend on and renumbers them. The sample
// graph, for example, loses the whole bottom-up pass this way. Parameters stay: they are the
// model's state (the top ladder layer's up_b feeds nothing, yet the authors' model has it).
import type { IrGraph } from '../../runtime/ir.js';

export function eliminateDeadCode(g: IrGraph): IrGraph {
  const live = new Set<number>();
  const stack = g.outputs.map((o) => o.node);
  while (stack.length) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    stack.push(...g.nodes[id].inputs);
  }
  const remap = new Map<number, number>();
  const nodes = g.nodes.filter((n) => live.has(n.id)).map((n, i) => {
    remap.set(n.id, i);
    return { ...n, id: i };
  });
  for (const n of nodes) n.inputs = n.inputs.map((i) => remap.get(i)!);
  return {
    ...g,
    nodes,
    inputs: g.inputs.filter((i) => remap.has(i.node)).map((i) => ({ ...i, node: remap.get(i.node)! })),
    outputs: g.outputs.map((o) => ({ ...o, node: remap.get(o.node)! })),
    ...(g.backwardFrom !== undefined ? { backwardFrom: firstKeptFrom(g.backwardFrom, g.nodes.length, remap) } : {}),
  };
}

/** The new id of the first kept node at or after old id `from` (the node count when none is). */
function firstKeptFrom(from: number, count: number, remap: Map<number, number>): number {
  for (let id = from; id < count; id++) if (remap.has(id)) return remap.get(id)!;
  return remap.size;
}
