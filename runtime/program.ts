// A compiled model as the runtime receives it: plain JSON-serializable data, so a browser page
// can run it with the runtime alone. It holds the IR of each graph (for the CPU reference
// interpreter) and its lowering to WGSL kernels (for WebGPU). Sizes are affine in the batch:
// `perExample · B + fixed` elements of f32.
import type { IrGraph, IrParam, SourceRef } from './ir.js';
import type { LikelihoodKind } from './likelihood.js';

export interface Extent {
  perExample: number;
  fixed: number;
}

/** `zeros`: never written (WebGPU zero-fills a new buffer), read as the bias of bias-less convs. */
export type BufferRole = 'param' | 'input' | 'output' | 'activation' | 'scalar' | 'scratch' | 'zeros';

export interface BufferSpec {
  id: number;
  role: BufferRole;
  /** Parameter path, input/output/scalar name, or the node it holds. */
  name: string;
  size: Extent;
}

export interface KernelSpec {
  /** Unique, readable: `<op>@<module path>` plus a counter. */
  name: string;
  wgsl: string;
  /**
   * The same computation for devices where a workgroup is exactly one subgroup (the executor
   * runs it there, runtime/webgpu/pipelines.ts): workgroup-uniform loads done once per lane and
   * shared by subgroup broadcasts, on lavapipe 1/8 of the load instructions, whose cost does not
   * depend on whether the address is uniform. Same buffers and workgroup size.
   */
  subgroup?: KernelVariant;
  /** Values of the uniform size fields d0, d1, … the WGSL reads (runtime/webgpu/uniforms.ts). */
  dims: number[];
  entry: string;
  /**
   * Buffers bound at @group(0) @binding(i), in order; the last binding is the uniform block,
   * at @binding(bindings.length), laid out as in runtime/webgpu/uniforms.ts.
   */
  bindings: { buffer: number; access: 'read' | 'read_write' }[];
  /** Total invocations (affine in the batch) and the workgroup size along x. */
  threads: Extent;
  workgroupSize: number;
  /** For scans: the kernel is dispatched `steps` times with the uniform `step` = 0..steps−1. */
  steps?: number;
  /** The IR nodes this kernel computes (fused chains list several) and where they came from. */
  nodes: number[];
  source?: SourceRef;
}

export type KernelVariant = Pick<KernelSpec, 'wgsl' | 'dims' | 'threads' | 'bindings'>;

export interface GraphProgram {
  ir: IrGraph;
  buffers: BufferSpec[];
  kernels: KernelSpec[];
  inputs: { name: string; buffer: number; shape: number[] }[];
  outputs: { name: string; buffer: number; shape: number[] }[];
  params: { path: string; buffer: number; shape: number[] }[];
  scalars: { name: string; buffer: number }[];
  /** Noise streams: the runtime fills them from the counter-based generator (or the caller). */
  noise: {
    stream: string;
    buffer: number;
    shape: number[];
    /** Philox stream id (runtime/rng/philox.ts): element i is normals(seed, streamId, 0, n)[i]. */
    streamId?: number;
    /** The kernel that fills the buffer on the GPU; a runtime skips it when the caller supplies the noise. */
    kernel?: number;
  }[];
}

export interface CompiledModel {
  format: 'sdn-compiled/1';
  model: string;
  /** Every trainable parameter of the model (the ELBO graph's), with its PyTorch name. */
  params: IrParam[];
  /** The image likelihood: how data is scaled and samples become pixels (runtime/likelihood.ts); none for a model without one. */
  likelihood?: { kind: LikelihoodKind; nbits: number };
  /** train: the ELBO graph differentiated (compiler/autodiff), seeded at `loss`, with a `grad:` output per parameter. */
  graphs: { elbo: GraphProgram; sample: GraphProgram; train: GraphProgram };
}
