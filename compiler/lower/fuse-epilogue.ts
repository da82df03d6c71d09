// Pass 3 (epilogue fusion): a conv2d / conv_transpose2d / linear whose output is read only by one
// materialized elementwise kernel, at that kernel's own output index or at a fixed channel offset
// of it (the chunks of `chunk(conv(...), k)`), is computed inside that kernel: the conv kernel
// then produces, per output element, every chunk's accumulator (bias added) and evaluates the
// elementwise expression on them, e.g. σ(g)·a + (1−σ(g))·b of a ResSDN gate or tanh(conv).
import { leafBuffers } from './fuse-elementwise.js';
import { firstChannel, isConv, isElementwise, isRemap, numelOf, type LowerState, type Pass } from './state.js';

export const fuseEpilogue: Pass = {
  name: 'fuse-epilogue',
  run(st) {
    const { nodes } = st.graph;
    for (const r of nodes) {
      if (st.role[r.id] !== 'root' || !isElementwise(r.op)) continue;
      let best: { conv: number; chunks: Map<number, number> } | undefined;
      for (const c of candidates(st, r.id)) {
        const chunks = chunkReads(st, r.id, c);
        const leaves = leafBuffers(st, r.id, r.id);
        leaves.delete(c);
        for (const i of nodes[c].inputs) leaves.add(i);
        if (leaves.size + 1 > st.opts.maxStorageBuffers) continue;
        if (chunks && chunks.size <= 4 && (!best || numelOf(nodes[c]) > numelOf(nodes[best.conv]))) best = { conv: c, chunks };
      }
      if (!best) continue;
      st.role[best.conv] = 'epilogue';
      st.epilogueConv.set(r.id, best.conv);
      st.epilogueConv.set(best.conv, r.id);
      st.epilogueChunks.set(r.id, [...new Set(best.chunks.values())].sort((a, b) => a - b));
      for (const [n, s] of best.chunks) st.chunkOf.set(n, s);
    }
  },
};

/** Convs all of whose consumers are computed in root r's kernel. */
function candidates(st: LowerState, r: number): number[] {
  const out = new Set<number>();
  for (const n of st.graph.nodes) {
    if (n.id > r || !(n.id === r || (st.role[n.id] === 'inline' && st.group[n.id] === r))) continue;
    for (const i of n.inputs) {
      const c = st.graph.nodes[i];
      if (!isConv(c.op) || st.role[i] !== 'root' || st.isOutput[i]) continue;
      if (st.consumers[i].every((k) => k === r || (st.role[k] === 'inline' && st.group[k] === r))) out.add(i);
    }
  }
  return [...out];
}

/**
 * The nodes through which r's expression reads conv c (c itself or slices of it), each with the
 * channel offset it reads at; undefined when some read is not at r's own index (plus an offset).
 */
function chunkReads(st: LowerState, r: number, c: number): Map<number, number> | undefined {
  const { nodes } = st.graph;
  const shape = nodes[r].shape.join();
  const reads = new Map<number, number>();
  let ok = true;
  const seen = new Set<string>();
  const inGroup = (n: number) => n === r || (st.role[n] === 'inline' && st.group[n] === r);
  const walk = (n: number, identity: boolean): void => {
    if (!ok || seen.has(`${n}:${identity}`)) return;
    seen.add(`${n}:${identity}`);
    const node = nodes[n];
    if (n === c) {
      ok = identity && node.shape.join() === shape;
      if (ok) reads.set(n, 0);
      return;
    }
    if (!inGroup(n)) return;
    const first = firstChannel(node);
    if (first !== undefined && node.inputs[0] === c) {
      ok = identity && node.shape.join() === shape;
      if (ok) reads.set(n, first);
      return;
    }
    const same = !isRemap(node.op);
    for (const i of node.inputs) walk(i, identity && same && nodes[i].shape.join() === node.shape.join());
  };
  walk(r, true);
  return ok && reads.size > 0 ? reads : undefined;
}
