// Pipelines and bind group layouts, cached per device: a pipeline by a hash of its WGSL (plus
// entry point and binding signature), so executors of several graphs or batch sizes on one
// device compile each distinct kernel once. Layouts are explicit: storage bindings in order
// (read-only or read-write), then the uniform block with a dynamic offset.
import type { KernelSpec } from '../program.js';
import { createComputePipeline } from './device.js';
import { UNIFORM_BYTES, UNIFORM_HEADER, UNIFORM_SLOT_BYTES } from './uniforms.js';
import { gpuWait } from './wait.js';

interface DeviceCache {
  pipelines: Map<string, { wgsl: string; pipeline: Promise<GPUComputePipeline> }>;
  layouts: Map<string, { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout }>;
  /** Pipelines that have run once (lavapipe compiles a pipeline at its first dispatch). */
  warm: Set<string>;
}

const caches = new WeakMap<GPUDevice, DeviceCache>();

function cacheOf(device: GPUDevice): DeviceCache {
  let c = caches.get(device);
  if (!c) caches.set(device, (c = { pipelines: new Map(), layouts: new Map(), warm: new Set() }));
  return c;
}

/** Two independent 32-bit FNV-1a variants of the text, as 16 hex digits. */
export function contentHash(text: string): string {
  let h1 = 0x811c9dc5, h2 = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
    h2 ^= h2 >>> 15;
  }
  return h1.toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

const signature = (k: KernelSpec) => k.bindings.map((b) => (b.access === 'read' ? 'r' : 'w')).join('');

export function layoutFor(device: GPUDevice, k: KernelSpec): { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout } {
  const cache = cacheOf(device).layouts;
  const sig = signature(k);
  let l = cache.get(sig);
  if (!l) {
    const group = device.createBindGroupLayout({
      label: `sdn layout ${sig}`,
      entries: [
        ...k.bindings.map((b, binding) => ({
          binding, visibility: GPUShaderStage.COMPUTE,
          buffer: { type: (b.access === 'read' ? 'read-only-storage' : 'storage') as GPUBufferBindingType },
        })),
        { binding: k.bindings.length, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: UNIFORM_BYTES } },
      ],
    });
    l = { group, pipeline: device.createPipelineLayout({ label: `sdn layout ${sig}`, bindGroupLayouts: [group] }) };
    cache.set(sig, l);
  }
  return l;
}

/**
 * Whether a workgroup of `size` invocations is exactly one subgroup on this device: then a
 * kernel's subgroup variant (KernelSpec.subgroupWgsl) computes the same values, faster.
 */
export function oneSubgroupPerWorkgroup(device: GPUDevice, size: number): boolean {
  const info = (device as GPUDevice & { adapterInfo?: { subgroupMinSize?: number; subgroupMaxSize?: number } }).adapterInfo;
  return device.features.has('subgroups') && info?.subgroupMinSize === size && info?.subgroupMaxSize === size;
}

/** Kernel k as it runs on this device: its subgroup variant where it has one that can run. */
export function kernelForDevice(device: GPUDevice, k: KernelSpec): KernelSpec {
  if (!k.subgroup || !oneSubgroupPerWorkgroup(device, k.workgroupSize)) return k;
  const { subgroup, ...plain } = k;
  return { ...plain, ...subgroup };
}

/** The compiled pipeline of kernel k on this device; compile errors name the kernel. */
export function getPipeline(device: GPUDevice, k: KernelSpec): Promise<GPUComputePipeline> {
  const cache = cacheOf(device).pipelines;
  const { wgsl } = k;
  const key = pipelineKey(k);
  const hit = cache.get(key);
  if (hit && hit.wgsl === wgsl) return hit.pipeline;
  const pipeline = createComputePipeline(device, k.name, wgsl, k.entry, layoutFor(device, k).pipeline).catch((e: unknown) => {
    throw new Error(`kernel "${k.name}"${k.source ? ` (from ${k.source.file}:${k.source.line})` : ''} failed to compile: ${(e as Error).message}`);
  });
  cache.set(key, { wgsl, pipeline });
  pipeline.catch(() => cache.delete(key));
  return pipeline;
}

/** Kernel k's bind group: its storage buffers in binding order, then the uniform slot (bound with a dynamic offset). */
export function bindGroupFor(device: GPUDevice, k: KernelSpec, buffers: GPUBuffer[], uniforms: GPUBuffer, label = k.name): GPUBindGroup {
  return device.createBindGroup({
    label,
    layout: layoutFor(device, k).group,
    entries: [
      ...k.bindings.map((b, binding) => ({ binding, resource: { buffer: buffers[b.buffer] } })),
      { binding: k.bindings.length, resource: { buffer: uniforms, offset: 0, size: UNIFORM_BYTES } },
    ],
  });
}

const pipelineKey = (k: KernelSpec) => `${contentHash(k.wgsl)}:${k.entry}:${signature(k)}`;

/**
 * Progress of compiling a program's kernels: `done` of `total` pipelines new to this device, and
 * the kernel whose pipeline just compiled (none at the start). Returning false stops the
 * compilation with a CompileInterrupted error (Ctrl-C).
 */
export type CompileProgress = (done: number, total: number, compiled?: KernelSpec) => void | boolean;

export class CompileInterrupted extends Error {
  constructor() {
    super('kernel compilation interrupted');
  }
}

/**
 * Compiles every kernel's pipeline and runs each one new to this device once, alone, on an empty
 * batch (batch and thread count 0 in its uniforms, so it returns at once or writes nothing but
 * zeros into its own outputs): Dawn builds pipelines with createComputePipelineAsync, but lavapipe
 * compiles a shader only at its first dispatch, and this way that happens here, one pipeline at a
 * time with progress, instead of inside the first run's single submission.
 */
export async function compilePipelines(
  device: GPUDevice, kernels: KernelSpec[], buffers: GPUBuffer[], onProgress?: CompileProgress,
): Promise<GPUComputePipeline[]> {
  const pipelines = await gpuWait(Promise.all(kernels.map((k) => getPipeline(device, k))));
  const { warm } = cacheOf(device);
  const cold = new Map<string, number>();
  kernels.forEach((k, i) => {
    const key = pipelineKey(k);
    if (!warm.has(key) && !cold.has(key)) cold.set(key, i);
  });
  if (cold.size === 0) return pipelines;
  const uniforms = device.createBuffer({ label: 'warm-up uniforms', size: UNIFORM_SLOT_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  try {
    let done = 0;
    const go = (ok: void | boolean) => {
      if (ok === false) throw new CompileInterrupted();
    };
    go(onProgress?.(0, cold.size));
    for (const [key, i] of cold) {
      const k = kernels[i];
      const slot = new Uint32Array(UNIFORM_SLOT_BYTES / 4);
      slot.set(k.dims, UNIFORM_HEADER.length);
      device.queue.writeBuffer(uniforms, 0, slot);
      const bindGroup = bindGroupFor(device, k, buffers, uniforms, `${k.name} warm-up`);
      const enc = device.createCommandEncoder({ label: `${k.name} warm-up` });
      const pass = enc.beginComputePass();
      pass.setPipeline(pipelines[i]);
      pass.setBindGroup(0, bindGroup, [0]);
      pass.dispatchWorkgroups(1);
      pass.end();
      device.queue.submit([enc.finish()]);
      await gpuWait(device.queue.onSubmittedWorkDone());
      warm.add(key);
      go(onProgress?.(++done, cold.size, k));
    }
  } finally {
    uniforms.destroy();
  }
  return pipelines;
}

/** Number of distinct pipelines compiled on this device so far (for tests and reports). */
export const pipelineCount = (device: GPUDevice) => cacheOf(device).pipelines.size;
