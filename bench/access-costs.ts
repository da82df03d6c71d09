// What one operation of a kernel's inner loop costs on this adapter: loads from storage, uniform
// and workgroup memory at lane-varying and uniform addresses, vec4 loads and subgroup
// broadcasts, each as the time of one workgroup-of-8 operation (one AVX2 vector on lavapipe),
// beside a multiply-add measured in the same run. docs/kernels.md builds its cost model on these.
//   npx tsx bench/access-costs.ts
import { acquireDevice, createComputePipeline } from '../runtime/webgpu/device.js';
import { bestDispatchMs } from './peak.js';

const { device, adapterInfo } = await acquireDevice({});
const N = 1 << 20, iters = 256, M = 8, groups = 2048;
const storage = device.createBuffer({ size: N * 4, usage: GPUBufferUsage.STORAGE });
const out = device.createBuffer({ size: groups * 8 * 4, usage: GPUBufferUsage.STORAGE });
const uniform = device.createBuffer({ size: 65536, usage: GPUBufferUsage.UNIFORM });

interface Variant {
  /** Declarations the loads need: 'storage' (f32 or vec4), 'uniform', 'workgroup' or none. */
  binds: 'f32' | 'vec4' | 'uniform' | 'workgroup' | 'none';
  /** Value i of iteration k, read by lane lid.x of workgroup wg.x. */
  load: (i: number) => string;
  /** Code at the top of each iteration. */
  pre?: string;
}
const lane = (i: number, mask: number) => `(lid.x * 1031u + k * 8u + ${i}u) & ${mask - 1}u`;
const same = (i: number, mask: number) => `(wg.x * 64u + k * 8u + ${i}u) & ${mask - 1}u`;
const variants: Record<string, Variant> = {
  'multiply-add only': { binds: 'none', load: (i) => `f32(k + ${i}u)` },
  'storage, lane-varying': { binds: 'f32', load: (i) => `b[${lane(i, N)}]` },
  'storage, consecutive lanes': { binds: 'f32', load: (i) => `b[(lid.x + k * 64u + ${i * 8}u) & ${N - 1}u]` },
  'storage, uniform address': { binds: 'f32', load: (i) => `b[${same(i, N)}]` },
  'storage vec4, lane-varying': { binds: 'vec4', load: (i) => `dot(b[${lane(i, N / 4)}], vec4(1.0))` },
  'uniform buffer, lane-varying': { binds: 'uniform', load: (i) => `ub[${lane(i, 4096)}].x` },
  'uniform buffer, uniform address': { binds: 'uniform', load: (i) => `ub[(k * 8u + ${i}u) & 4095u].x` },
  'workgroup memory, lane-varying': { binds: 'workgroup', load: (i) => `sh[${lane(i, 1024)}]` },
  'subgroupBroadcast (+ 1/8 storage load)': {
    binds: 'f32', pre: `let v = b[${lane(0, N)}];`, load: (i) => `subgroupBroadcast(v, ${i}u)`,
  },
};
const decl = {
  f32: '@group(0) @binding(0) var<storage, read> b: array<f32>;',
  vec4: '@group(0) @binding(0) var<storage, read> b: array<vec4<f32>>;',
  uniform: '@group(0) @binding(2) var<uniform> ub: array<vec4<f32>, 4096>;',
  workgroup: 'var<workgroup> sh: array<f32, 1024>;',
  none: '',
};
console.log(`${adapterInfo}: ns per operation of a workgroup of 8, ${M} independent chains, best of 3`);
let fmaNs = 0;
for (const [name, v] of Object.entries(variants)) {
  const chains = [...Array(M).keys()];
  const code = `${name.startsWith('subgroup') ? 'enable subgroups;' : ''}
${decl[v.binds]}
@group(0) @binding(1) var<storage, read_write> o: array<f32>;
@compute @workgroup_size(8) fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  ${chains.map((i) => `var a${i} = 0.0;`).join(' ')}
  for (var k = 0u; k < ${iters}u + (wg.x >> 30u); k++) {
    ${v.pre ?? ''}
    ${chains.map((i) => `a${i} = fma(${v.load(i)}, 1.0001, a${i});`).join('\n    ')}
  }
  o[wg.x * 8u + lid.x] = ${chains.map((i) => `a${i}`).join(' + ')};
}`;
  const pipeline = await createComputePipeline(device, name, code);
  const entries: GPUBindGroupEntry[] = [{ binding: 1, resource: { buffer: out } }];
  if (v.binds === 'f32' || v.binds === 'vec4') entries.push({ binding: 0, resource: { buffer: storage } });
  if (v.binds === 'uniform') entries.push({ binding: 2, resource: { buffer: uniform } });
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  const ns = ((await bestDispatchMs(device, pipeline, bindGroup, groups, 3)) * 1e6) / (groups * iters * M);
  if (v.binds === 'none') fmaNs = ns;
  const extra = v.binds === 'none' ? '' : `  ${(ns - fmaNs).toFixed(2)} ns beyond the multiply-add`;
  console.log(`${name.padEnd(40)} ${ns.toFixed(2).padStart(6)} ns${extra}`);
}
device.destroy();
