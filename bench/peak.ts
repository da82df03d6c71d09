// The adapter's arithmetic ceiling, measured in the benchmark's own run: independent vec4 FMA
// chains with no memory traffic (as ../shared/tools/peak.mjs), waited on through gpuWait so
// Dawn's polling is throttled as in every other measurement.
import { createComputePipeline } from '../runtime/webgpu/device.js';
import { gpuWait } from '../runtime/webgpu/wait.js';

export async function measureFmaGflops(device: GPUDevice, workgroups = 4096, iters = 2048): Promise<number> {
  const chains = 8, lanes = 64;
  const acc = Array.from({ length: chains }, (_, i) => `var a${i} = vec4<f32>(f32(gid.x) * 1e-7 + ${i}.0);`).join('\n  ');
  const body = Array.from({ length: chains }, (_, i) => `a${i} = fma(a${i}, m, c);`).join(' ');
  const code = `@group(0) @binding(0) var<storage, read_write> out: array<vec4<f32>>;
struct P { n: u32, m: f32, c: f32, z: f32 }
@group(0) @binding(1) var<uniform> p: P;
@compute @workgroup_size(${lanes}) fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${acc}
  let m = vec4<f32>(p.m); let c = vec4<f32>(p.c);
  for (var i = 0u; i < p.n; i++) { ${body} }
  out[gid.x] = ${Array.from({ length: chains }, (_, i) => `a${i}`).join(' + ')};
}`;
  const pipeline = await createComputePipeline(device, 'fma peak', code);
  const out = device.createBuffer({ size: workgroups * lanes * 16, usage: GPUBufferUsage.STORAGE });
  const uni = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const u = new ArrayBuffer(16);
  new Uint32Array(u, 0, 1)[0] = iters;
  new Float32Array(u, 4, 3).set([0.999, 0.001, 0]);
  device.queue.writeBuffer(uni, 0, u);
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: out } }, { binding: 1, resource: { buffer: uni } }] });
  const best = await bestDispatchMs(device, pipeline, bindGroup, Math.min(workgroups, 65535), 5);
  out.destroy();
  uni.destroy();
  return (workgroups * lanes * iters * chains * 4 * 2) / (best * 1e6);
}

/** One dispatch of `pipeline` alone, waited for: the best of `reps` timed runs after an untimed one, in ms. */
export async function bestDispatchMs(device: GPUDevice, pipeline: GPUComputePipeline, bindGroup: GPUBindGroup, workgroups: number, reps: number): Promise<number> {
  const run = async () => {
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(workgroups);
    pass.end();
    device.queue.submit([enc.finish()]);
    await gpuWait(device.queue.onSubmittedWorkDone());
  };
  await run();
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    await run();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

/** CPU seconds the main thread of this process has used (Linux: /proc/self/task/<pid>/stat). */
export async function mainThreadCpuSeconds(): Promise<number | undefined> {
  try {
    const { readFileSync } = await import('node:fs');
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}
