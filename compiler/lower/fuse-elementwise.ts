// Pass 2 (views and elementwise fusion): walking the graph from the outputs back, an elementwise
// node (including index-remapping reads: pad, crop, resampling, concat, expand, slices, reshape)
// whose consumers all sit in one kernel is inlined into it; otherwise it is materialized once
// ('root'). A slice or reshape that would be materialized becomes a view of its input's buffer
// instead, which forces that input to be materialized. Consts are literals wherever read.
// A kernel that would bind more storage buffers than the device guarantees is split: its inline
// node reading the most distinct buffers (short of all of them) is materialized, until all fit.
// Last, a node read only by a kernel whose op absorbs its op (the op table's `absorbs`: a batch
// sum of a channel sum, the bias gradient) is computed in that kernel, with the chain it reads:
// one kernel and dispatch instead of two.
import { isConst } from '../../runtime/ir.js';
import { OPS } from '../ops/index.js';
import { absorbedBy, readsInline } from './analyze.js';
import { isElementwise, isView, type LowerState, type Pass } from './state.js';

function assign(st: LowerState, forced: Set<number>): void {
  const { nodes } = st.graph;
  for (let k = nodes.length - 1; k >= 0; k--) {
    const n = nodes[k];
    if (!isConst(n) && !isElementwise(n.op)) continue;
    const g = st.isOutput[k] || forced.has(k) || st.consumers[k].length === 0 ? undefined : absorbedBy(st, k);
    st.group[k] = -1;
    if (isConst(n)) {
      const literal = !st.isOutput[k] && st.consumers[k].every((c) => readsInline(st, c));
      st.role[k] = literal ? 'const' : 'root';
    } else if (g !== undefined) {
      st.role[k] = 'inline';
      st.group[k] = g;
    } else {
      st.role[k] = isView(n.op) && !st.isOutput[k] && !forced.has(k) ? 'view' : 'root';
    }
  }
}

/** Distinct materialized values (views resolved to what they view) that node n's inline subtree reads. */
export function leafBuffers(st: LowerState, n: number, group: number, acc = new Set<number>()): Set<number> {
  for (const i of st.graph.nodes[n].inputs) {
    if (st.role[i] === 'const') continue;
    if (st.role[i] === 'inline' && st.group[i] === group) leafBuffers(st, i, group, acc);
    else {
      let base = i;
      while (st.role[base] === 'view') base = st.graph.nodes[base].inputs[0];
      acc.add(base);
    }
  }
  return acc;
}

export const fuseElementwise: Pass = {
  name: 'fuse-elementwise',
  run(st) {
    const forced = new Set<number>();
    const limit = st.opts.maxStorageBuffers - 1; // one binding is the output
    for (;;) {
      assign(st, forced);
      let split = false;
      for (const r of st.graph.nodes) {
        if (st.role[r.id] !== 'root') continue;
        const total = leafBuffers(st, r.id, r.id).size;
        if (total <= limit) continue;
        let best = -1, bestCount = 1;
        for (const m of st.graph.nodes) {
          if (st.role[m.id] !== 'inline' || st.group[m.id] !== r.id) continue;
          const c = leafBuffers(st, m.id, r.id).size;
          if (c > bestCount && c < total) [best, bestCount] = [m.id, c];
        }
        if (best >= 0) {
          forced.add(best);
          split = true;
        }
      }
      if (!split) break;
    }
    absorb(st);
  },
};

function absorb(st: LowerState): void {
  for (const n of st.graph.nodes) {
    const [c] = st.consumers[n.id];
    if (st.isOutput[n.id] || st.consumers[n.id].length !== 1 || st.role[c] !== 'root') continue;
    const lower = OPS[st.graph.nodes[c].op].lower;
    if (!('absorbs' in lower) || lower.absorbs !== n.op) continue;
    for (const m of st.graph.nodes) if (st.role[m.id] === 'inline' && st.group[m.id] === n.id) st.group[m.id] = c;
    st.role[n.id] = 'inline';
    st.group[n.id] = c;
  }
}
