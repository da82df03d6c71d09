// Integer division by a uniform against division by a literal on lavapipe: an elementwise kernel
// over 4M elements that splits its index into (c, y, x) of a 64×28×28 map, with literal divisors,
// uniform divisors, a float-reciprocal division, and no division at all.
//   npx tsx bench/uniform-division.ts
import { acquireDevice, createComputePipeline } from '../runtime/webgpu/device.js';
import { bestDispatchMs } from './peak.js';

const N = (1 << 22) - 1024, H = 28, W = 28;
const VARIANTS: Record<string, string> = {
  'literal divisors': `let c = j / ${H * W}u; let y = (j / ${W}u) % ${H}u; let x = j % ${W}u;`,
  'uniform divisors': 'let c = j / p.hw; let y = (j / p.w) % p.h; let x = j % p.w;',
  'float reciprocals': 'let c = u32(i32((f32(i32(j)) + 0.5) * p.ihw)); let jw = u32(i32((f32(i32(j)) + 0.5) * p.iw)); let y = jw - u32(i32((f32(i32(jw)) + 0.5) * p.ih)) * p.h; let x = j - jw * p.w;',
  'no division': 'let c = j; let y = j; let x = j;',
};

const { device } = await acquireDevice();
const a = device.createBuffer({ size: N * 4, usage: GPUBufferUsage.STORAGE });
const out = device.createBuffer({ size: N * 4, usage: GPUBufferUsage.STORAGE });
const uni = device.createBuffer({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
const u = new ArrayBuffer(32);
new Uint32Array(u, 0, 4).set([H * W, W, H, N]);
new Float32Array(u, 16, 3).set([1 / (H * W), 1 / W, 1 / H]);
device.queue.writeBuffer(uni, 0, u);
for (const [name, split] of Object.entries(VARIANTS)) {
  const code = `@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
struct P { hw: u32, w: u32, h: u32, n: u32, ihw: f32, iw: f32, ih: f32, z: u32 }
@group(0) @binding(2) var<uniform> p: P;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= p.n) { return; }
  ${split}
  out[j] = a[j] + f32(c) * 0.5 + f32(y) + f32(x);
}`;
  const pipeline = await createComputePipeline(device, name, code);
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [a, out, uni].map((buffer, binding) => ({ binding, resource: { buffer } })) });
  const best = await bestDispatchMs(device, pipeline, bindGroup, Math.ceil(N / 64), 7);
  console.log(`${name}: ${best.toFixed(1)} ms for ${N} elements`);
}
device.destroy();
