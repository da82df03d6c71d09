// Pass 5 (buffers): every materialized value gets a location. Inputs, parameters and scalar
// inputs get the buffers the runtime uploads into; each root its own activation buffer (in the
// layout pass 4 chose); views (channel slices, reshapes) the buffer of the value they view, at an
// offset, with that value's batch stride; an in-place sweep its input's buffer. Outputs that are
// not a whole contiguous buffer of their own are copied into one at the end (see emit).
import { isInput, isNoise, isParam } from '../../runtime/ir.js';
import { OPS } from '../ops/index.js';
import { streamId } from '../../runtime/rng/streams.js';
import { addBuffer, chw, describe, numelOf, type Loc, type Pass } from './state.js';

export const allocateBuffers: Pass = {
  name: 'buffers',
  run(st) {
    const params = new Map<string, number>();
    for (const n of st.graph.nodes) {
      const size = n.batched ? { perExample: numelOf(n), fixed: 0 } : { perExample: 0, fixed: numelOf(n) };
      const whole = (buffer: number, strides = st.layout.get(n.id)): Loc =>
        ({ buffer, offset: 0, batchStride: n.batched ? numelOf(n) : 0, ...(strides ? { strides } : {}) });
      switch (st.role[n.id]) {
        case 'source': {
          if (isInput(n)) {
            const name = n.attrs.name as string;
            const buffer = addBuffer(st, { role: 'input', name, size });
            st.program.inputs.push({ name, buffer, shape: n.shape });
            st.locs[n.id] = whole(buffer);
          } else if (isParam(n)) {
            const path = n.attrs.path as string;
            let buffer = params.get(path);
            if (buffer === undefined) {
              buffer = addBuffer(st, { role: 'param', name: path, size: { perExample: 0, fixed: numelOf(n) } });
              params.set(path, buffer);
              st.program.params.push({ path, buffer, shape: n.shape });
            }
            st.locs[n.id] = { buffer, offset: 0, batchStride: 0 };
          } else {
            const name = n.attrs.name as string;
            const buffer = addBuffer(st, { role: 'scalar', name, size: { perExample: 0, fixed: 1 } });
            st.program.scalars.push({ name, buffer });
            st.locs[n.id] = { buffer, offset: 0, batchStride: 0 };
          }
          break;
        }
        case 'view': {
          const src = st.graph.nodes[n.inputs[0]];
          const loc = st.locs[src.id];
          if (!loc) throw new Error(`lower: ${describe(st, n)} (node ${n.id}) views node ${src.id}, which has no buffer`);
          const lower = OPS[n.op].lower;
          if (!('view' in lower) || !lower.view) throw new Error(`lower: ${describe(st, n)} (node ${n.id}) cannot be a view`);
          st.locs[n.id] = lower.view(n, src, loc);
          break;
        }
        case 'root': {
          if (st.inPlace.has(n.id)) {
            st.locs[n.id] = st.locs[n.inputs[0]];
            break;
          }
          const buffer = addBuffer(st, { role: 'activation', name: `%${n.id} ${describe(st, n)}`, size });
          st.locs[n.id] = whole(buffer);
          if (isNoise(n)) st.program.noise.push({ stream: n.attrs.stream as string, buffer, shape: n.shape, streamId: streamId(n.attrs.stream as string) });
          break;
        }
        default:
          break;
      }
    }
    const biasless = st.graph.nodes.filter((n) => 'dense' in OPS[n.op].lower && n.inputs.length < 3);
    if (biasless.length > 0) {
      const fixed = Math.max(...biasless.map((n) => chw(n.shape)[0]));
      st.zeros = addBuffer(st, { role: 'zeros', name: 'zeros, the bias of bias-less convs', size: { perExample: 0, fixed } });
    }
    const sweeps = st.graph.nodes.filter((n) => n.op === 'sdn_sweep');
    const differentiated = new Set(st.graph.nodes.filter((n) => n.op === 'sweep_grad').map((n) => n.inputs[2]));
    for (const n of sweeps.filter((s) => differentiated.has(s.id))) {
      st.sweepGates.set(n.id, addBuffer(st, { role: 'activation', name: `%${n.id} sweep gate pre-activations, kept for its sweep_grad`, size: { perExample: 6 * numelOf(n), fixed: 0 } }));
    }
    const rest = sweeps.filter((s) => !differentiated.has(s.id));
    if (rest.length > 0) {
      const per = Math.max(...rest.map((n) => 6 * numelOf(n)));
      st.sweepScratch = addBuffer(st, { role: 'scratch', name: 'sweep gate pre-activations', size: { perExample: per, fixed: 0 } });
    }
  },
};
