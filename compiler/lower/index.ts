// IR graph → GraphProgram (runtime/program.ts): the WebGPU lowering, as passes run in order.
//   1. analyze           consumers, outputs, roles fixed by the op
//   2. fuse-elementwise  views (slices, reshapes) and elementwise/index-remapping fusion
//   3. fuse-epilogue     elementwise kernels folded into the conv/linear that feeds them
//   4. layout            line layouts for sweep inputs, in-place sweeps
//   5. buffers           buffers and locations of every materialized value
//   6. kernels           WGSL kernels, in graph order (each op's lowering), and output copies
//   7. reuse             activations with disjoint lifetimes share buffers
import type { IrGraph } from '../../runtime/ir.js';
import type { GraphProgram } from '../../runtime/program.js';
import { analyze } from './analyze.js';
import { allocateBuffers } from './buffers.js';
import { generateKernels } from './generate-kernels.js';
import { fuseElementwise } from './fuse-elementwise.js';
import { fuseEpilogue } from './fuse-epilogue.js';
import { assignLayouts } from './layout.js';
import { reuseBuffers } from './reuse.js';
import type { LowerOptions, LowerState, Pass } from './state.js';

export const PASSES: Pass[] = [analyze, fuseElementwise, fuseEpilogue, assignLayouts, allocateBuffers, generateKernels, reuseBuffers];

export function initialState(graph: IrGraph, opts: LowerOptions = {}): LowerState {
  const n = graph.nodes.length;
  return {
    graph,
    opts: {
      ...opts,
      maxStorageBuffers: opts.maxStorageBuffers ?? 8,
      workgroupSize: opts.workgroupSize ?? 64,
    },
    consumers: graph.nodes.map(() => []),
    isOutput: new Array(n).fill(false),
    role: new Array(n).fill('root'),
    group: new Array(n).fill(-1),
    epilogueConv: new Map(),
    epilogueChunks: new Map(),
    chunkOf: new Map(),
    layout: new Map(),
    inPlace: new Set(),
    sweepGates: new Map(),
    locs: new Array(n).fill(undefined),
    buffers: [],
    kernels: [],
    program: { inputs: [], outputs: [], params: [], scalars: [], noise: [] },
  };
}

export function lowerGraph(graph: IrGraph, opts: LowerOptions = {}, passes: Pass[] = PASSES): GraphProgram {
  const st = initialState(graph, opts);
  for (const pass of passes) pass.run(st);
  return { ir: graph, buffers: st.buffers, kernels: st.kernels, ...st.program };
}
