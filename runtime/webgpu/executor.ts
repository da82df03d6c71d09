// Runs a GraphProgram (runtime/program.ts) on a GPUDevice. Everything that does not change
// between runs is built once: buffers (checked against the device limits before any is
// allocated), pipelines (cached per device by WGSL text), bind groups, and the uniform slots
// (one per dispatch, bound with a dynamic offset). A run uploads inputs, scalars and the seed,
// records every dispatch into one command encoder (a single compute pass) plus the output
// read-back copies, and submits once. No Node-only imports: this file runs in browsers too.
import { numel } from '../ir.js';
import type { BufferSpec, Extent, GraphProgram, KernelSpec } from '../program.js';
import { bindGroupFor, compilePipelines, kernelForDevice, type CompileProgress } from './pipelines.js';
import { gpuWait } from './wait.js';
import { UNIFORM_FIELD, UNIFORM_HEADER, UNIFORM_SLOT_BYTES } from './uniforms.js';

export interface ExecutorOptions {
  batch: number;
  /** Called as the kernels new to this device compile (see compilePipelines). */
  onCompile?: CompileProgress;
  /** Workgroups per dispatch dimension (default: the device's maxComputeWorkgroupsPerDimension). */
  maxWorkgroupsPerDimension?: number;
}

export interface RunArgs {
  inputs?: Record<string, Float32Array>;
  scalars?: Record<string, number>;
  /** Seed of the Philox noise streams (u32, default 0). */
  seed?: number;
  /** Noise to use instead of Philox, by stream name: batch × shape values (a test hook). */
  noise?: Record<string, Float32Array>;
}

export interface Executor {
  readonly batch: number;
  readonly program: GraphProgram;
  setParams(params: Map<string, Float32Array | { data: Float32Array; shape: number[] }>): void;
  run(args?: RunArgs): Promise<Record<string, Float32Array>>;
  /**
   * Milliseconds of each kernel (all its steps) run alone, best of `reps`, after one full run
   * (without it, the first time of each kernel includes the driver's shader compilation).
   */
  profile(args?: RunArgs, reps?: number, warmup?: boolean): Promise<{ name: string; ms: number }[]>;
  /** Dispatches kernel k (every step) alone on the current buffers and waits for it. */
  runKernel(k: number): Promise<void>;
  destroy(): void;
}

export const extentAt = (e: Extent, batch: number) => e.perExample * batch + e.fixed;

/** Throws before anything is allocated when some buffer would exceed the device's limits. */
export function checkBufferLimits(program: GraphProgram, batch: number, limits: GPUSupportedLimits): void {
  const binding = limits.maxStorageBufferBindingSize, total = limits.maxBufferSize;
  for (const b of program.buffers) {
    const bytes = 4 * extentAt(b.size, batch);
    const limit = Math.min(binding, total);
    if (bytes <= limit) continue;
    const which = binding <= total ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
    const maxBatch = b.size.perExample > 0 ? Math.floor((limit / 4 - b.size.fixed) / b.size.perExample) : 0;
    throw new Error(
      `batch ${batch} does not fit this device: buffer "${b.name}" (${b.role}, #${b.id}) needs ${bytes} bytes, ` +
        `over the device's ${which} of ${limit} bytes` +
        (maxBatch >= 1 ? `; use a smaller batch (at most ${maxBatch} for this buffer)` : ''),
    );
  }
}

/** Workgroups along x and y for `groups` workgroups under the per-dimension limit. */
export function splitGroups(groups: number, maxDim: number): [number, number] {
  if (groups <= maxDim) return [Math.max(groups, 1), 1];
  const y = Math.ceil(groups / maxDim);
  const x = Math.ceil(groups / y);
  if (y > maxDim) throw new Error(`${groups} workgroups exceed ${maxDim}² (maxComputeWorkgroupsPerDimension)`);
  return [x, y];
}

const where = (k: KernelSpec) => (k.source ? ` (from ${k.source.file}:${k.source.line})` : '');

interface Dispatch {
  kernel: number;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  groups: [number, number];
  slot: number;
}

export async function createExecutor(device: GPUDevice, program: GraphProgram, opts: ExecutorOptions): Promise<Executor> {
  const { batch } = opts;
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`createExecutor: batch must be a positive integer, got ${batch}`);
  checkBufferLimits(program, batch, device.limits);
  const maxDim = Math.min(opts.maxWorkgroupsPerDimension ?? Infinity, device.limits.maxComputeWorkgroupsPerDimension);
  const maxBindings = device.limits.maxStorageBuffersPerShaderStage;
  const kernels = program.kernels.map((k) => kernelForDevice(device, k));
  const plans = kernels.map((k) => {
    if (k.bindings.length > maxBindings) {
      throw new Error(`kernel "${k.name}"${where(k)} binds ${k.bindings.length} storage buffers, over the device's maxStorageBuffersPerShaderStage of ${maxBindings}; lower the graph with maxStorageBuffers: ${maxBindings}`);
    }
    const threads = extentAt(k.threads, batch);
    try {
      return { threads, groups: splitGroups(Math.ceil(threads / k.workgroupSize), maxDim) };
    } catch (e) {
      throw new Error(`kernel "${k.name}"${where(k)} at batch ${batch}: ${(e as Error).message}; use a smaller batch`);
    }
  });
  const buffers = program.buffers.map((b: BufferSpec) => device.createBuffer({
    label: b.name,
    size: Math.max(16, Math.ceil((4 * extentAt(b.size, batch)) / 16) * 16),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  }));
  let pipelines: GPUComputePipeline[];
  try {
    pipelines = await compilePipelines(device, kernels, buffers, opts.onCompile);
  } catch (e) {
    for (const b of buffers) b.destroy();
    throw e;
  }
  const slots = kernels.reduce((s, k) => s + (k.steps ?? 1), 0);
  const uniforms = device.createBuffer({ label: 'uniforms', size: Math.max(1, slots) * UNIFORM_SLOT_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const uniformData = new Uint32Array((Math.max(1, slots) * UNIFORM_SLOT_BYTES) / 4);
  const dispatches: Dispatch[] = [];
  kernels.forEach((k, i) => {
    const bindGroup = bindGroupFor(device, k, buffers, uniforms);
    for (let step = 0; step < (k.steps ?? 1); step++) {
      const slot = dispatches.length;
      const w = (slot * UNIFORM_SLOT_BYTES) / 4;
      uniformData[w + UNIFORM_FIELD.wgx] = plans[i].groups[0];
      uniformData[w + UNIFORM_FIELD.batch] = batch;
      uniformData[w + UNIFORM_FIELD.step] = step;
      uniformData[w + UNIFORM_FIELD.threads] = plans[i].threads;
      uniformData.set(k.dims, w + UNIFORM_HEADER.length);
      dispatches.push({ kernel: i, pipeline: pipelines[i], bindGroup, groups: plans[i].groups, slot });
    }
  });

  const paramSet = new Set<string>();
  const noiseKernels = new Map(program.noise.filter((n) => n.kernel !== undefined).map((n) => [n.stream, n.kernel!]));
  let destroyed = false;

  const write = (id: number, data: ArrayBufferView & { length: number }, what: string, expected: number) => {
    if (data.length !== expected) throw new Error(`${what} has ${data.length} values, expected ${expected}`);
    device.queue.writeBuffer(buffers[id], 0, data.buffer, data.byteOffset, data.byteLength);
  };

  const prepare = (args: RunArgs): Set<number> => {
    if (destroyed) throw new Error('executor: run after destroy()');
    const missing = program.params.filter((p) => !paramSet.has(p.path)).map((p) => p.path);
    if (missing.length > 0) throw new Error(`executor: parameters never set: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
    for (const inp of program.inputs) {
      const data = args.inputs?.[inp.name];
      if (!data) throw new Error(`executor: missing input '${inp.name}' (batch ${batch} × [${inp.shape}])`);
      write(inp.buffer, data, `input '${inp.name}'`, batch * numel(inp.shape));
    }
    for (const s of program.scalars) {
      const v = args.scalars?.[s.name];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`executor: missing scalar input '${s.name}'`);
      write(s.buffer, new Float32Array([v]), `scalar '${s.name}'`, 1);
    }
    const skip = new Set<number>();
    for (const n of program.noise) {
      const data = args.noise?.[n.stream];
      if (!data) continue;
      write(n.buffer, data, `noise stream '${n.stream}'`, batch * numel(n.shape));
      if (noiseKernels.has(n.stream)) skip.add(noiseKernels.get(n.stream)!);
    }
    const seed = args.seed ?? 0;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`executor: seed must be a u32, got ${seed}`);
    for (let s = 0; s < dispatches.length; s++) uniformData[(s * UNIFORM_SLOT_BYTES) / 4 + UNIFORM_FIELD.seed] = seed;
    device.queue.writeBuffer(uniforms, 0, uniformData);
    return skip;
  };

  const encode = (pass: GPUComputePassEncoder, only?: number, skip?: Set<number>) => {
    for (const d of dispatches) {
      if ((only !== undefined && d.kernel !== only) || skip?.has(d.kernel)) continue;
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bindGroup, [d.slot * UNIFORM_SLOT_BYTES]);
      pass.dispatchWorkgroups(d.groups[0], d.groups[1]);
    }
  };

  const run = async (args: RunArgs = {}) => {
    const skip = prepare(args);
    const enc = device.createCommandEncoder({ label: 'sdn run' });
    const pass = enc.beginComputePass({ label: 'sdn forward' });
    encode(pass, undefined, skip);
    pass.end();
    const reads = program.outputs.map((o) => {
      const bytes = 4 * extentAt(program.buffers[o.buffer].size, batch);
      const staging = device.createBuffer({ label: `${o.name}:readback`, size: Math.max(4, bytes), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      if (bytes > 0) enc.copyBufferToBuffer(buffers[o.buffer], 0, staging, 0, bytes);
      return { o, staging, bytes };
    });
    device.queue.submit([enc.finish()]);
    const out: Record<string, Float32Array> = {};
    try {
      await gpuWait(Promise.all(reads.map(async ({ o, staging, bytes }) => {
        await staging.mapAsync(GPUMapMode.READ);
        out[o.name] = new Float32Array(staging.getMappedRange(0, Math.max(4, bytes)).slice(0, bytes));
        staging.unmap();
      })));
    } finally {
      for (const r of reads) r.staging.destroy();
    }
    return out;
  };

  return {
    batch,
    program,
    setParams(params) {
      for (const p of program.params) {
        const given = params.get(p.path);
        if (given === undefined) continue;
        const data = given instanceof Float32Array ? given : given.data;
        const shape = given instanceof Float32Array ? undefined : given.shape;
        if ((shape && shape.join() !== p.shape.join()) || data.length !== numel(p.shape)) {
          throw new Error(`parameter '${p.path}': expected shape [${p.shape}] (${numel(p.shape)} values), got ${shape ? `[${shape}] (${data.length} values)` : `${data.length} values`}`);
        }
        device.queue.writeBuffer(buffers[p.buffer], 0, data.buffer, data.byteOffset, data.byteLength);
        paramSet.add(p.path);
      }
    },
    run,
    async profile(args = {}, reps = 3, warmup = true) {
      if (warmup) await run(args);
      else prepare(args);
      const times: { name: string; ms: number }[] = [];
      for (let k = 0; k < kernels.length; k++) {
        let best = Infinity;
        for (let r = 0; r < reps; r++) {
          const enc = device.createCommandEncoder();
          const pass = enc.beginComputePass();
          encode(pass, k);
          pass.end();
          const t0 = performance.now();
          device.queue.submit([enc.finish()]);
          await gpuWait(device.queue.onSubmittedWorkDone());
          best = Math.min(best, performance.now() - t0);
        }
        times.push({ name: kernels[k].name, ms: best });
      }
      return times;
    },
    async runKernel(k: number) {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      encode(pass, k);
      pass.end();
      device.queue.submit([enc.finish()]);
      await gpuWait(device.queue.onSubmittedWorkDone());
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const b of buffers) b.destroy();
      uniforms.destroy();
    },
  };
}
