// Pass 1: who consumes each node, which nodes are graph outputs, and the roles that follow from
// the op alone (sources are uploaded, dense layers, sweeps, reductions and noise get kernels).
import { OPS } from '../ops/index.js';
import { isElementwise, readsExpressions, type LowerState, type Pass } from './state.js';

export const analyze: Pass = {
  name: 'analyze',
  run(st) {
    const { nodes } = st.graph;
    nodes.forEach((n, k) => {
      if (n.id !== k) throw new Error(`lower: node ${k} has id ${n.id} (ids must be positions)`);
      for (const i of n.inputs) {
        if (!(i >= 0 && i < k)) throw new Error(`lower: node ${k} (${n.op}) reads node ${i}, which is not computed before it`);
        if (!st.consumers[i].includes(k)) st.consumers[i].push(k);
      }
    });
    for (const o of st.graph.outputs) st.isOutput[o.node] = true;
    for (const n of nodes) {
      const fusion = OPS[n.op].fusion;
      if (fusion === 'source') st.role[n.id] = 'source';
      else if (!isElementwise(n.op) && fusion !== 'const') st.role[n.id] = 'root';
    }
  },
};

/** True when consumer `c` reads its operands through the expression generator of its kernel. */
export const readsInline = (st: LowerState, c: number): boolean =>
  st.role[c] === 'inline' || (st.role[c] === 'root' && readsExpressions(st.graph.nodes[c].op));

/** The one kernel (root id) every consumer of node `n` computes it in, if there is one. */
export function absorbedBy(st: LowerState, n: number): number | undefined {
  let g: number | undefined;
  for (const c of st.consumers[n]) {
    if (!readsInline(st, c)) return undefined;
    const cg = st.role[c] === 'inline' ? st.group[c] : c;
    if (g !== undefined && g !== cg) return undefined;
    g = cg;
  }
  return g;
}
