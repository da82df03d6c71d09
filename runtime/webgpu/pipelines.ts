// Pipelines and bind group layouts, cached per device: a pipeline by a hash of its WGSL (plus
// entry point and binding signature), so executors of several graphs or batch sizes on one
// device compile each distinct kernel once. Layouts are explicit: storage bindings in order
// (read-only or read-write), then the uniform block with a dynamic offset.
import type { KernelSpec } from '../program.js';
import { createComputePipeline } from './device.js';
import { UNIFORM_BYTES } from './uniforms.js';

interface DeviceCache {
  pipelines: Map<string, { wgsl: string; pipeline: Promise<GPUComputePipeline> }>;
  layouts: Map<string, { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout }>;
}

const caches = new WeakMap<GPUDevice, DeviceCache>();

function cacheOf(device: GPUDevice): DeviceCache {
  let c = caches.get(device);
  if (!c) caches.set(device, (c = { pipelines: new Map(), layouts: new Map() }));
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

/** The compiled pipeline of kernel k on this device; compile errors name the kernel. */
export function getPipeline(device: GPUDevice, k: KernelSpec): Promise<GPUComputePipeline> {
  const cache = cacheOf(device).pipelines;
  const key = `${contentHash(k.wgsl)}:${k.entry}:${signature(k)}`;
  const hit = cache.get(key);
  if (hit && hit.wgsl === k.wgsl) return hit.pipeline;
  const pipeline = createComputePipeline(device, k.name, k.wgsl, k.entry, layoutFor(device, k).pipeline);
  cache.set(key, { wgsl: k.wgsl, pipeline });
  pipeline.catch(() => cache.delete(key));
  return pipeline;
}

/** Number of distinct pipelines compiled on this device so far (for tests and reports). */
export const pipelineCount = (device: GPUDevice) => cacheOf(device).pipelines.size;
