// WebGPU device acquisition and small helpers shared by every kernel runner.
//
// The same code runs in a browser (navigator.gpu) and in Node, where the `webgpu` npm package
// (Dawn's node bindings) is imported lazily, only when navigator.gpu is absent, through a
// specifier bundlers do not follow, so a browser bundle never pulls it in.
//
// Exiting cleanly in Node: call `device.destroy()` when done. Dawn keeps the event loop alive
// only while it has work in flight (a pending mapAsync, onSubmittedWorkDone or pipeline
// compilation), so a process that awaited everything it started exits on its own; destroy()
// additionally unmaps every buffer and frees the GPU memory right away instead of at GC.
import { gpuWait } from './wait.js';

export interface AcquireDeviceOptions {
  /** Minimum limits the caller needs; acquisition fails if the adapter cannot provide them. */
  requiredLimits?: Record<string, number>;
  requiredFeatures?: GPUFeatureName[];
  /** Enable the adapter's subgroups for the kernels' subgroup variants (default true). */
  subgroups?: boolean;
  powerPreference?: GPUPowerPreference;
  /** Dawn toggles passed to `create()` in Node, e.g. 'enable-dawn-features=...'. */
  dawnOptions?: string[];
  label?: string;
  /** Log validation/OOM errors nobody captured with an error scope (default true). */
  logUncapturedErrors?: boolean;
}

export interface AcquiredDevice {
  device: GPUDevice;
  /** One line describing the adapter, e.g. "mesa llvmpipe: Mesa 25.0.7 (software)". */
  adapterInfo: string;
  limits: GPUSupportedLimits;
  isFallbackAdapter: boolean;
}

/** Limits raised to whatever the adapter supports: kernels size their buffers against these. */
const MAXED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage',
] as const;

let nodeGpu: Promise<GPU> | undefined;

async function loadNodeGpu(dawnOptions: string[]): Promise<GPU> {
  // A variable specifier keeps bundlers (vite/rollup/esbuild) from resolving the Node-only package.
  const specifier = 'webgpu';
  const mod = (await import(/* @vite-ignore */ specifier)) as {
    create: (options: string[]) => GPU;
    globals: Record<string, unknown>;
  };
  // GPUBufferUsage, GPUMapMode, ... are globals in a browser; Dawn ships them separately.
  Object.assign(globalThis, mod.globals);
  return mod.create(dawnOptions);
}

/** navigator.gpu in a browser, Dawn in Node; throws a descriptive Error when neither exists. */
export async function getGpu(dawnOptions: string[] = []): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode) {
    throw new Error(
      'WebGPU is not available: navigator.gpu is undefined. Use a browser with WebGPU enabled ' +
        '(Chrome/Edge 113+, or a flag in Firefox/Safari) and serve the page over https or localhost.',
    );
  }
  nodeGpu ??= loadNodeGpu(dawnOptions).catch((e: unknown) => {
    nodeGpu = undefined;
    throw new Error(
      `WebGPU is not available: the 'webgpu' npm package (Dawn for Node) could not be loaded: ` +
        `${e instanceof Error ? e.message : String(e)}. Run \`npm ci\` (its postinstall fetches dawn.node).`,
    );
  });
  return nodeGpu;
}

function describeAdapter(adapter: GPUAdapter): string {
  const i = adapter.info;
  const parts = [i.vendor, i.architecture && `(${i.architecture})`, i.description || i.device].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : 'unknown adapter';
}

export async function acquireDevice(opts: AcquireDeviceOptions = {}): Promise<AcquiredDevice> {
  const gpu = await getGpu(opts.dawnOptions);
  const adapter = await gpu.requestAdapter(
    opts.powerPreference ? { powerPreference: opts.powerPreference } : undefined,
  );
  if (!adapter) {
    const inNode = !(globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    throw new Error(
      'No WebGPU adapter found.' +
        (inNode
          ? ' In Node, Dawn needs a Vulkan driver; without a GPU that is Mesa lavapipe, and it must be ' +
            'Mesa >= 25: on Debian bookworm install mesa-vulkan-drivers from bookworm-backports ' +
            '(scripts/setup-system.sh does it), bookworm\'s own Mesa 22 lacks a feature Dawn requires.'
          : ' The browser exposes navigator.gpu but offers no adapter (WebGPU blocklisted or disabled ' +
            'for this GPU/driver; see chrome://gpu).'),
    );
  }
  const available = adapter.limits as unknown as Record<string, number | undefined>;
  const requiredLimits: Record<string, number> = {};
  for (const name of MAXED_LIMITS) {
    const v = available[name];
    if (v !== undefined) requiredLimits[name] = v;
  }
  for (const [name, want] of Object.entries(opts.requiredLimits ?? {})) {
    const have = available[name];
    if (have === undefined) throw new Error(`WebGPU adapter does not report limit ${name} (required ${want})`);
    // Alignment limits (min*) are better when smaller; every other limit when larger.
    const ok = name.startsWith('min') ? have <= want : have >= want;
    if (!ok) {
      throw new Error(
        `WebGPU adapter "${describeAdapter(adapter)}" lacks a required limit: ${name} ` +
          `required ${want}, available ${have}`,
      );
    }
    requiredLimits[name] = name.startsWith('min') ? want : Math.max(want, requiredLimits[name] ?? want);
  }
  for (const f of opts.requiredFeatures ?? []) {
    if (!adapter.features.has(f)) {
      throw new Error(`WebGPU adapter "${describeAdapter(adapter)}" lacks required feature ${f}`);
    }
  }
  // Subgroups when the adapter has them: kernels then run their subgroup variants where a
  // workgroup is one subgroup (runtime/webgpu/pipelines.ts); `subgroups: false` leaves them off.
  const features = new Set<GPUFeatureName>(opts.requiredFeatures ?? []);
  if ((opts.subgroups ?? true) && adapter.features.has('subgroups')) features.add('subgroups');
  const device = await adapter.requestDevice({
    label: opts.label ?? 'sdn',
    requiredLimits,
    requiredFeatures: [...features],
  });
  if (opts.logUncapturedErrors ?? true) {
    device.addEventListener('uncapturederror', (ev) => {
      console.error(`WebGPU uncaptured error on ${device.label}: ${(ev as GPUUncapturedErrorEvent).error.message}`);
    });
  }
  void device.lost.then((info) => {
    if (info.reason !== 'destroyed') console.error(`WebGPU device ${device.label} lost: ${info.message}`);
  });
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return {
    device,
    adapterInfo: describeAdapter(adapter),
    limits: device.limits,
    isFallbackAdapter: info.isFallbackAdapter ?? false,
  };
}

/** "label:line:col: error: text" lines, each followed by the offending source line and a caret. */
export function formatCompilationMessages(label: string, wgsl: string, messages: readonly GPUCompilationMessage[]): string {
  const lines = wgsl.split('\n');
  return messages
    .map((m) => {
      const where = m.lineNum > 0 ? `${label}:${m.lineNum}:${m.linePos}` : label;
      const src = m.lineNum > 0 ? lines[m.lineNum - 1] : undefined;
      const caret = src !== undefined ? `\n    ${src}\n    ${' '.repeat(Math.max(0, m.linePos - 1))}^` : '';
      return `${where}: ${m.type}: ${m.message}${caret}`;
    })
    .join('\n');
}

/**
 * Compiles `wgsl` and builds a compute pipeline, throwing an Error that names the kernel and
 * carries the compiler's messages (with line numbers) instead of letting them surface later
 * as an uncaptured validation error on the device.
 */
export async function createComputePipeline(
  device: GPUDevice,
  label: string,
  wgsl: string,
  entryPoint = 'main',
  layout: GPUPipelineLayout | 'auto' = 'auto',
): Promise<GPUComputePipeline> {
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ label, code: wgsl });
  const info = await gpuWait(module.getCompilationInfo());
  const moduleError = await gpuWait(device.popErrorScope());
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length > 0 || moduleError) {
    const detail = errors.length > 0 ? formatCompilationMessages(label, wgsl, errors) : moduleError!.message;
    throw new Error(`WGSL compilation of kernel "${label}" failed:\n${detail}`);
  }
  device.pushErrorScope('validation');
  let pipeline: GPUComputePipeline;
  try {
    pipeline = await gpuWait(device.createComputePipelineAsync({ label, layout, compute: { module, entryPoint } }));
  } catch (e) {
    await gpuWait(device.popErrorScope());
    throw new Error(`Pipeline creation for kernel "${label}" (entry point ${entryPoint}) failed: ${(e as Error).message}`);
  }
  const pipelineError = await gpuWait(device.popErrorScope());
  if (pipelineError) {
    throw new Error(`Pipeline creation for kernel "${label}" (entry point ${entryPoint}) failed: ${pipelineError.message}`);
  }
  return pipeline;
}

/** A STORAGE | COPY_SRC | COPY_DST buffer holding `data` (or `data` zero bytes). */
export function createStorageBuffer(
  device: GPUDevice,
  data: ArrayBufferView | number,
  label?: string,
  extraUsage = 0,
): GPUBuffer {
  const byteLength = typeof data === 'number' ? data : data.byteLength;
  const buffer = device.createBuffer({
    label,
    size: Math.max(4, Math.ceil(byteLength / 4) * 4),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | extraUsage,
  });
  if (typeof data !== 'number' && byteLength > 0) {
    device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, byteLength);
  }
  return buffer;
}

/** Copies `byteLength` bytes (a multiple of 4) of a COPY_SRC buffer back to the CPU. */
export async function readBuffer(device: GPUDevice, buffer: GPUBuffer, byteLength: number, byteOffset = 0): Promise<Float32Array> {
  if (byteLength % 4 !== 0 || byteOffset % 4 !== 0) {
    throw new Error(`readBuffer: byteLength ${byteLength} and byteOffset ${byteOffset} must be multiples of 4`);
  }
  if ((buffer.usage & GPUBufferUsage.COPY_SRC) === 0) {
    throw new Error(`readBuffer: buffer "${buffer.label}" was not created with GPUBufferUsage.COPY_SRC`);
  }
  const staging = device.createBuffer({
    label: `${buffer.label}:readback`,
    size: Math.max(4, byteLength),
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    const encoder = device.createCommandEncoder({ label: 'readBuffer' });
    if (byteLength > 0) encoder.copyBufferToBuffer(buffer, byteOffset, staging, 0, byteLength);
    device.queue.submit([encoder.finish()]);
    await gpuWait(staging.mapAsync(GPUMapMode.READ));
    const out = new Float32Array(byteLength / 4);
    out.set(new Float32Array(staging.getMappedRange(0, byteLength)));
    staging.unmap();
    return out;
  } finally {
    staging.destroy();
  }
}
