import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normals, philox4x32, uniforms } from '../../../runtime/rng/philox.js';
import { PHILOX_WGSL } from '../../../runtime/rng/philox-wgsl.js';
import { acquireDevice, createComputePipeline, createStorageBuffer, readBuffer } from '../../../runtime/webgpu/device.js';

describe('philox4x32-10 known answers (Random123 kat_vectors)', () => {
  it.each([
    [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
    [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
  ] as const)('counter %j key %j', (ctr, key, want) => {
    expect(philox4x32([...ctr], [...key])).toEqual(want);
  });
});

describe('uniforms and normals (TypeScript)', () => {
  it('uniforms lie strictly inside (0, 1) and follow the documented mapping', () => {
    const u = uniforms(1, 2, 0, 8);
    const w = [...philox4x32([0, 2, 0, 0], [1, 0]), ...philox4x32([1, 2, 0, 0], [1, 0])];
    expect([...u]).toEqual(w.map((x) => ((x >>> 9) * 2 + 1) / 2 ** 24));
    const many = uniforms(5, 0, 0, 50_000);
    expect(many.every((x) => x > 0 && x < 1)).toBe(true);
  });

  it('a window at any offset equals the same slice of a longer draw', () => {
    const all = normals(11, 3, 0, 40);
    expect([...normals(11, 3, 5, 30)]).toEqual([...all.subarray(5, 35)]);
    expect([...uniforms(11, 3, 2 ** 40 + 3, 6)]).toEqual([...uniforms(11, 3, 2 ** 40, 9).subarray(3)]);
    expect(uniforms(11, 3, 2 ** 40, 4)).not.toEqual(uniforms(11, 3, 0, 4));
  });

  it('normals match double-precision Box-Muller on the same bits', () => {
    const n = 200_000;
    const z = normals(3, 9, 0, n);
    for (let b = 0; b < n / 4; b++) {
      const w = philox4x32([b, 9, 0, 0], [3, 0]);
      for (let l = 0; l < 4; l++) {
        const r = Math.sqrt(-2 * Math.log(((w[l & 2] | 1) >>> 0) / 2 ** 32));
        const theta = (2 * Math.PI * w[(l & 2) + 1]) / 2 ** 32;
        const exact = r * (l & 1 ? Math.sin(theta) : Math.cos(theta));
        // Away from r ≈ 0 the fixed-point pipeline is good to ~1 float32 ulp of max(1, |z|);
        // near r = 0, where d r / d u blows up, to the resolution of u itself.
        const tol = r > 1e-2 ? 1.2e-7 * Math.max(1, Math.abs(exact)) : 1e-5;
        if (!(Math.abs(z[b * 4 + l] - exact) <= tol)) {
          throw new Error(`normal ${b * 4 + l}: got ${z[b * 4 + l]}, exact ${exact}`);
        }
      }
    }
  });
});

describe('WGSL philox on the GPU', () => {
  let device: GPUDevice;
  beforeAll(async () => {
    ({ device } = await acquireDevice());
  });
  afterAll(() => device?.destroy());

  async function runWgsl(seed: number, stream: number, offset: number, n: number) {
    const wgsl = `${PHILOX_WGSL}
struct Params { seed: u32, stream: u32, offset: u32, n: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> uni: array<f32>;
@group(0) @binding(2) var<storage, read_write> nrm: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 64u * 1024u;
  if (i >= params.n) { return; }
  uni[i] = uniform_at(params.seed, params.stream, params.offset + i);
  nrm[i] = normal_at(params.seed, params.stream, params.offset + i);
}`;
    const pipeline = await createComputePipeline(device, 'philox-test', wgsl, 'main');
    const params = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(params, 0, new Uint32Array([seed, stream, offset, n]));
    const uni = createStorageBuffer(device, n * 4, 'uni');
    const nrm = createStorageBuffer(device, n * 4, 'nrm');
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [params, uni, nrm].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    const groups = Math.ceil(n / 64);
    pass.dispatchWorkgroups(Math.min(groups, 1024), Math.ceil(groups / 1024));
    pass.end();
    device.queue.submit([enc.finish()]);
    const [u, z] = await Promise.all([readBuffer(device, uni, n * 4), readBuffer(device, nrm, n * 4)]);
    for (const b of [params, uni, nrm]) b.destroy();
    return { u, z };
  }

  function firstMismatch(got: Float32Array, want: Float32Array): string | undefined {
    const g = new Uint32Array(got.buffer, got.byteOffset, got.length);
    const w = new Uint32Array(want.buffer, want.byteOffset, want.length);
    for (let i = 0; i < w.length; i++) {
      if (g[i] !== w[i]) return `index ${i}: GPU ${got[i]} (0x${g[i].toString(16)}) vs TS ${want[i]} (0x${w[i].toString(16)})`;
    }
    return undefined;
  }

  it.each([
    [1234, 0, 0],
    [0xdeadbeef, 7, 0xffffffff - 100_000 - 2],
  ])('seed %i stream %i offset %i: 100,000 uniforms and normals bit-identical to TypeScript', async (seed, stream, offset) => {
    const n = 100_000;
    const { u, z } = await runWgsl(seed, stream, offset, n);
    expect(firstMismatch(u, uniforms(seed, stream, offset, n))).toBeUndefined();
    expect(firstMismatch(z, normals(seed, stream, offset, n))).toBeUndefined();
    let mean = 0;
    for (const v of z) mean += v / n;
    let variance = 0;
    for (const v of z) variance += (v - mean) ** 2 / (n - 1);
    // Standard errors: 1/sqrt(n) ≈ 0.0032 for the mean, sqrt(2/n) ≈ 0.0045 for the variance.
    expect(Math.abs(mean)).toBeLessThan(0.015);
    expect(Math.abs(variance - 1)).toBeLessThan(0.025);
  });
});
