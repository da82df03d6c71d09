// Pass 4 (layouts for the sweeps): an SDN sweep scans lines of the map and reads, per position,
// the 3F features of three neighbours on the previous line; stored line by line with features
// innermost ([L, P, F], the "line layout") those 3F values are contiguous. A sweep's input is
// produced directly in that layout when its producer (an elementwise kernel, a conv epilogue or
// a previous sweep along the same axis) has no other consumer, and the sweep then updates that
// buffer in place; otherwise the sweep copies its input into a buffer of its own first.
// A kernel op may store its output with other strides (its lowering's `layout`: the reverse scan
// along columns keeps each channel's map transposed); its readers take the strides, and channel
// sums read such a map in storage order (`channelPermuted`, grad-reduce.ts).
import type { IrNode } from '../../runtime/ir.js';
import { OPS } from '../ops/index.js';
import { isConv, isElementwise, isScan, type Pass, type Strides } from './state.js';

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
      const lower = OPS[s.op].lower, own = 'kernel' in lower ? lower.layout?.(s) : undefined;
      if (own) st.layout.set(s.id, own);
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
