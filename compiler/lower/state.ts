// The state the lowering passes share: what each IR node becomes (a WGSL expression inlined into
// a consumer's kernel, a view of another node's buffer, or a value some kernel materializes),
// where materialized values live, and the kernels emitted so far.
import type { IrGraph, IrNode, OpName } from '../../runtime/ir.js';
import type { BufferSpec, GraphProgram, KernelSpec } from '../../runtime/program.js';
import type { ConvTile } from './kernels/conv.js';
import type { SweepTile } from './kernels/sweep.js';

/** Per-example strides of a [C, H, W] value that is not stored contiguously (NCHW). */
export interface Strides {
  c: number;
  y: number;
  x: number;
}

/** Where a materialized value lives: element j of example b is at offset + b·batchStride + j. */
export interface Loc {
  buffer: number;
  offset: number;
  /** 0 for unbatched values (parameters, per-graph scalars). */
  batchStride: number;
  /** Set when a [C, H, W] value is stored permuted (the SDN sweep's line layout). */
  strides?: Strides;
}

export type Role =
  | 'source' // input, param, scalar_input: uploaded by the runtime
  | 'const' // a literal inside every expression that reads it
  | 'inline' // computed inside the kernel of `group[id]`
  | 'view' // slice_channels / reshape of a materialized value: same buffer
  | 'root' // materialized by its own kernel
  | 'epilogue'; // a conv/linear computed inside the kernel of the elementwise group it feeds

export interface LowerOptions {
  /** Storage buffers one kernel may bind (WebGPU's guaranteed minimum is 8). */
  maxStorageBuffers?: number;
  /** Workgroup size of elementwise kernels. */
  workgroupSize?: number;
  /** Fixed register tiles of the conv and scan kernels, overriding the profile. */
  convTile?: ConvTile;
  sweepTile?: SweepTile;
}

export interface LowerState {
  graph: IrGraph;
  opts: Required<Omit<LowerOptions, 'convTile' | 'sweepTile'>> & Pick<LowerOptions, 'convTile' | 'sweepTile'>;
  consumers: number[][];
  isOutput: boolean[];
  role: Role[];
  /** For inline nodes: the root whose kernel computes them. */
  group: number[];
  /** For a root computed as a conv epilogue: the conv node; for that conv: the root. */
  epilogueConv: Map<number, number>;
  /** Channel offsets of the conv output an epilogue reads (the conv computes these row chunks). */
  epilogueChunks: Map<number, number[]>;
  /** For nodes that read the epilogue's conv output (the conv or a slice of it): the chunk offset. */
  chunkOf: Map<number, number>;
  /** Line layout requested for a root (its only consumer is a sweep in that orientation). */
  layout: Map<number, Strides>;
  /** Sweeps that update their input's buffer in place. */
  inPlace: Set<number>;
  locs: (Loc | undefined)[];
  buffers: BufferSpec[];
  kernels: KernelSpec[];
  program: Omit<GraphProgram, 'ir' | 'buffers' | 'kernels'>;
  /** Scratch buffer shared by every sweep's hidden-state GEMM (sized for the largest). */
  sweepScratch?: number;
}

export interface Pass {
  name: string;
  run(st: LowerState): void;
}

const UNARY: OpName[] = ['neg', 'exp', 'log', 'tanh', 'sigmoid', 'elu', 'relu', 'softplus', 'square', 'dl_mode', 'step'];
const BINARY: OpName[] = ['add', 'sub', 'mul', 'div', 'max'];
export const REMAP: OpName[] = [
  'pad2d', 'crop2d', 'upsample_nearest', 'downsample_nearest', 'concat_channels', 'expand', 'slice_channels', 'reshape',
  'pad_channels', 'sum_pool', 'dilate',
];
/** Elementwise ops with more operands than binary ones (per-example and unbatched ones broadcast). */
const MULTI: OpName[] = ['dl_logp_grad'];

export const isUnary = (op: OpName) => UNARY.includes(op);
export const isBinary = (op: OpName) => BINARY.includes(op);
/** Ops a fused elementwise kernel can compute per output element. */
export const isElementwise = (op: OpName) => isUnary(op) || isBinary(op) || REMAP.includes(op) || MULTI.includes(op);
export const isView = (op: OpName) => op === 'slice_channels' || op === 'reshape';
export const isConv = (op: OpName) => op === 'conv2d' || op === 'conv_transpose2d' || op === 'linear';
/** Ops whose kernels read their operands through the expression generator (so those can be inlined). */
export const readsExpressions = (op: OpName) =>
  isElementwise(op) ||
  ['sum_per_example', 'free_bits', 'dml_logp', 'dml_mode', 'dl_logp', 'bernoulli_logp', 'batch_sum', 'channel_sum', 'free_bits_grad', 'dml_logp_grad'].includes(op);
export const isWeightGrad = (op: OpName) =>
  op === 'conv2d_grad_weight' || op === 'conv_transpose2d_grad_weight' || op === 'linear_grad_weight' || op === 'sweep_grad_wih';

export const numelOf = (n: IrNode) => n.shape.reduce((a, b) => a * b, 1);

/** [C, H, W] of a node: vectors are [C, 1, 1], scalars [1, 1, 1]. */
export function chw(shape: readonly number[]): [number, number, number] {
  if (shape.length === 3) return [shape[0], shape[1], shape[2]];
  if (shape.length === 0) return [1, 1, 1];
  return [shape[0], shape.slice(1).reduce((a, b) => a * b, 1), 1];
}

/** `op@module` for kernel names and messages. */
export function describe(st: LowerState, n: IrNode): string {
  const layer = n.layer >= 0 ? st.graph.layers[n.layer]?.path : undefined;
  return `${n.op}@${layer ?? 'model'}`;
}

export function addBuffer(st: LowerState, spec: Omit<BufferSpec, 'id'>): number {
  const id = st.buffers.length;
  st.buffers.push({ id, ...spec });
  return id;
}
