// Pass 4 (layouts for the sweeps): an SDN sweep scans lines of the map and reads, per position,
// the 3F features of three neighbours on the previous line; stored line by line with features
// innermost ([L, P, F], the "line layout") those 3F values are contiguous. A sweep's input is
// produced directly in that layout when its producer (an elementwise kernel, a conv epilogue or
// a previous sweep along the same axis) has no other consumer, and the sweep then updates that
// buffer in place; otherwise the sweep copies its input into a buffer of its own first.
// The reverse scan of a sweep along columns writes one column of its [7F, H, W] gradients per
// step, one cache line per element in NCHW, so it stores each channel's map transposed
// (`channelPermuted`): a column's positions are then contiguous, as a row's are. The SDN layer's
// scan:sweep_grad ran 139–148 ms along columns against 89 along rows, and 80–86 ms this way;
// its readers take the strides (channel sums read it in storage order, grad-reduce.ts).
import type { IrNode } from '../../runtime/ir.js';
import { isConv, isElementwise, isScan, numelOf, type Pass, type Strides } from './state.js';

/** Directions 0/1 scan columns (lines along x), 2/3 scan rows. */
export function lineLayout(n: IrNode): Strides {
  const [f, h, w] = n.shape;
  return (n.attrs.direction as number) < 2 ? { c: 1, y: f, x: h * f } : { c: 1, x: f, y: w * f };
}

export const sameStrides = (a?: Strides, b?: Strides) => !!a && !!b && a.c === b.c && a.x === b.x && a.y === b.y;

export const assignLayouts: Pass = {
  name: 'layout',
  run(st) {
    for (const s of st.graph.nodes) {
      if (s.op === 'sweep_grad' && (s.attrs.direction as number) < 2) {
        const [, h] = s.shape;
        st.layout.set(s.id, { c: numelOf(s) / s.shape[0], y: 1, x: h });
      }
      if (!isScan(s.op)) continue;
      const x = st.graph.nodes[s.inputs[0]];
      const want = lineLayout(s);
      st.layout.set(s.id, want);
      const single = st.consumers[x.id].length === 1 && !st.isOutput[x.id] && st.role[x.id] === 'root';
      if (!single) continue;
      if (isScan(x.op)) {
        if (sameStrides(st.layout.get(x.id), want)) st.inPlace.add(s.id);
      } else if (isElementwise(x.op) || isConv(x.op)) {
        st.layout.set(x.id, want);
        st.inPlace.add(s.id);
      }
    }
  },
};
