// The uniform block every generated kernel binds last (at @binding(bindings.length)), one
// 256-byte slot per dispatch, bound with a dynamic offset. Shared by the lowering (which writes
// WGSL against it) and the executor (which fills it).
//   wgx      workgroups along x of this dispatch (threads beyond 65,535 groups spill into y)
//   batch    the batch size the executor was created for
//   step     the scan step (0..steps−1) of a kernel with `steps`, else 0
//   seed     the run's random seed (noise kernels)
//   threads  invocations that do work: threads.perExample · batch + threads.fixed
//   zero     always 0. Kernels add it to loop bounds that are literals (kernel taps, gates):
//            LLVM (lavapipe) fully unrolls loops with constant bounds, nested inside register
//            tiles, and one scan kernel took 39 s to compile that way; an opaque bound keeps
//            loops as loops.
//   d0, d1…  the kernel's sizes, offsets and strides (KernelSpec.dims), so that one shader serves
//            every shape with the same code: kernels are specialised only on what changes their
//            code (the fused op chain, kernel size, stride, padding, mask, tile, direction).
export const UNIFORM_HEADER = ['wgx', 'batch', 'step', 'seed', 'threads', 'zero', 'pad1', 'pad2'] as const;
export const UNIFORM_FIELD = { wgx: 0, batch: 1, step: 2, seed: 3, threads: 4 } as const;
/** Slot pitch and binding size: minUniformBufferOffsetAlignment is at most 256 on every WebGPU device. */
export const UNIFORM_SLOT_BYTES = 256;
export const UNIFORM_BYTES = UNIFORM_SLOT_BYTES;
/** Sizes one kernel can take as uniforms: the slot less the header. */
export const MAX_DIMS = UNIFORM_SLOT_BYTES / 4 - UNIFORM_HEADER.length;

/** The WGSL struct of a kernel with `dims` size fields. */
export function uniformStruct(dims: number): string {
  if (dims > MAX_DIMS) throw new Error(`a kernel takes ${dims} sizes as uniforms, more than the ${MAX_DIMS} a slot holds`);
  const fields = [...UNIFORM_HEADER, ...Array.from({ length: dims }, (_, i) => `d${i}`)];
  return `struct Uniforms { ${fields.map((f) => `${f}: u32`).join(', ')} }`;
}

/** `n` as a loop bound the shader compiler cannot see through (see `zero` above). */
export const opaque = (n: number | string): string => `(${typeof n === 'number' ? `${n}u` : n} + u.zero)`;
