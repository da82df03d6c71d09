// Pass 7 (buffer reuse): activations whose lifetimes (first to last kernel binding them) do not
// overlap share one buffer, sized for the largest per example and fixed part of its tenants.
// Kernels run in order, so a buffer is free once the last kernel reading it has been recorded.
// Inputs, outputs, parameters, scalars, scratch and noise streams (which the caller may upload
// before the run) keep their own buffers.
import type { BufferSpec, KernelSpec } from '../../runtime/program.js';
import type { Pass } from './state.js';

export const reuseBuffers: Pass = {
  name: 'reuse',
  run(st) {
    const pinned = new Set(st.program.noise.map((n) => n.buffer));
    const first = new Map<number, number>(), last = new Map<number, number>();
    st.kernels.forEach((k, i) => {
      for (const b of k.bindings) {
        if (!first.has(b.buffer)) first.set(b.buffer, i);
        last.set(b.buffer, i);
      }
    });
    const movable = st.buffers.filter((b) => b.role === 'activation' && !pinned.has(b.id) && first.has(b.id));
    movable.sort((a, b) => first.get(a.id)! - first.get(b.id)!);
    const slots: { spec: BufferSpec; freeAfter: number; tenants: number }[] = [];
    const remap = new Map<number, number>();
    for (const b of movable) {
      const start = first.get(b.id)!;
      const free = slots.filter((s) => s.freeAfter < start);
      // Best fit: the smallest free slot that holds b, else the largest free one (grown).
      const fits = free.filter((s) => s.spec.size.perExample >= b.size.perExample && s.spec.size.fixed >= b.size.fixed);
      const pick = fits.sort((x, y) => x.spec.size.perExample - y.spec.size.perExample)[0]
        ?? free.sort((x, y) => y.spec.size.perExample - x.spec.size.perExample)[0];
      if (pick) {
        pick.spec.size = {
          perExample: Math.max(pick.spec.size.perExample, b.size.perExample),
          fixed: Math.max(pick.spec.size.fixed, b.size.fixed),
        };
        pick.freeAfter = last.get(b.id)!;
        pick.tenants++;
        remap.set(b.id, pick.spec.id);
      } else {
        slots.push({ spec: { ...b, size: { ...b.size } }, freeAfter: last.get(b.id)!, tenants: 1 });
        remap.set(b.id, b.id);
      }
    }
    for (const s of slots) if (s.tenants > 1) s.spec.name = `${s.spec.name} (shared by ${s.tenants} activations)`;
    // Renumber: kept buffers in their original order, then rewrite every reference.
    const slotOf = new Map(slots.map((s) => [s.spec.id, s.spec]));
    const kept = st.buffers.filter((b) => !remap.has(b.id) || remap.get(b.id) === b.id).map((b) => slotOf.get(b.id) ?? b);
    const newId = new Map(kept.map((b, i) => [b.id, i]));
    const id = (old: number) => newId.get(remap.get(old) ?? old)!;
    st.buffers = kept.map((b, i) => ({ ...b, id: i }));
    // A kernel's subgroup variant binds the same buffers (perhaps in another order).
    const rebind = (bs: KernelSpec['bindings']) => bs.map((b) => ({ ...b, buffer: id(b.buffer) }));
    for (const k of st.kernels) {
      k.bindings = rebind(k.bindings);
      if (k.subgroup) k.subgroup = { ...k.subgroup, bindings: rebind(k.subgroup.bindings) };
    }
    const p = st.program;
    for (const list of [p.inputs, p.outputs, p.params, p.scalars, p.noise] as { buffer: number }[][]) for (const e of list) e.buffer = id(e.buffer);
    st.locs = st.locs.map((l) => l && { ...l, buffer: id(l.buffer) });
    if (st.sweepScratch !== undefined) st.sweepScratch = id(st.sweepScratch);
    if (st.zeros !== undefined) st.zeros = id(st.zeros);
    for (const [n, b] of st.sweepGates) st.sweepGates.set(n, id(b));
  },
};
