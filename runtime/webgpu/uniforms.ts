// The uniform block every generated kernel binds last (at @binding(bindings.length)), one
// 256-byte slot per dispatch, bound with a dynamic offset. Shared by the lowering (which writes
// WGSL against it) and the executor (which fills it).
//   wgx      workgroups along x of this dispatch (threads beyond 65,535 groups spill into y)
//   batch    the batch size the executor was created for
//   step     the scan step (0..steps−1) of a kernel with `steps`, else 0
//   seed     the run's random seed (noise kernels)
//   threads  invocations that do work: threads.perExample · batch + threads.fixed
//   zero     always 0. Kernels add it to the bounds of their reduction loops: LLVM (lavapipe)
//            fully unrolls loops with constant bounds, nested inside register tiles, and one
//            scan kernel took 39 s to compile that way (bench/compile-time.ts); an opaque bound
//            keeps loops as loops.
export const UNIFORM_WGSL = 'struct Uniforms { wgx: u32, batch: u32, step: u32, seed: u32, threads: u32, zero: u32, pad1: u32, pad2: u32 }';
/** `n` as a loop bound the shader compiler cannot see through (see `zero` above). */
export const opaque = (n: number | string): string => `(${typeof n === 'number' ? `${n}u` : n} + u.zero)`;
export const UNIFORM_WORDS = 8;
export const UNIFORM_BYTES = UNIFORM_WORDS * 4;
/** Slot pitch: minUniformBufferOffsetAlignment is at most 256 on every WebGPU device. */
export const UNIFORM_SLOT_BYTES = 256;

/** Word index of each field in a slot. */
export const UNIFORM_FIELD = { wgx: 0, batch: 1, step: 2, seed: 3, threads: 4 } as const;
