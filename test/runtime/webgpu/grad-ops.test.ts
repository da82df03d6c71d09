// The gradient ops (runtime/ir.ts GRAD_OPS) that the reverse pass emits, lowered to WGSL and run on
// WebGPU against the CPU reference interpreter (relative error ≤ 1e-4): alone and fused with the
// elementwise chains that feed them. No adapter: the tests fail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireDevice } from '../../../runtime/webgpu/device.js';
import { GraphBuilder } from '../../../bench/graph-builder.js';
import { type CompareOptions, expectAgreement, fill, kernelOps } from './support.js';

let device: GPUDevice;
beforeAll(async () => {
  ({ device } = await acquireDevice());
});
afterAll(() => device?.destroy());

const check = (b: GraphBuilder, o: CompareOptions = {}, tol = 1e-4) => expectAgreement(device, b, o, tol);

describe('index-remapping adjoints and step', () => {
  it('step, pad_channels, sum_pool, dilate and expand of a [] value, alone and fused', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [3, 6, 8]), g = b.input('g', [3, 6, 8]);
    const a = b.input('a', [2, 6, 8]), c = b.input('c', [1, 6, 8]);
    const x9 = b.input('x9', [2, 6, 9]), d = b.input('d', [3, 3, 4]);
    b.output('step', b.add('step', [x]));
    b.output('relu_grad', b.add('mul', [g, b.add('step', [x])]));
    b.output('pad', b.add('pad_channels', [a], { before: 1, after: 2 }));
    // The gradient of a channel concat's input: the two slices' gradients padded back and added.
    const pa = b.add('pad_channels', [b.add('square', [a])], { before: 0, after: 1 });
    const pc = b.add('pad_channels', [b.add('neg', [c])], { before: 2, after: 0 });
    b.output('concat_grad', b.add('add', [pa, pc]));
    b.output('pool', b.add('sum_pool', [x], { factor: 2 }));
    b.output('pool3', b.add('sum_pool', [b.add('mul', [x9, x9])], { factor: 3 }));
    // 7×9 from 3×4 by 2: row 6 and column 8 lie past f·h, f·w and stay 0.
    b.output('dilate', b.add('dilate', [d], { factor: 2, size: [7, 9] }));
    b.output('dilate_chain', b.add('exp', [b.add('dilate', [b.add('sigmoid', [d])], { factor: 2, size: [6, 8] })]));
    b.output('expand', b.add('mul', [x, b.add('expand', [b.add('sum_per_example', [x])], { shape: [3, 6, 8] })]));
    const r = await check(b, { inputRange: [-2, 2] });
    const ops = kernelOps(r, b);
    expect(ops).toContainEqual(['step', 'mul']);
    expect(ops).toContainEqual(['square', 'pad_channels', 'neg', 'pad_channels', 'add']);
    expect(ops).toContainEqual(['mul', 'sum_pool']);
    expect(ops).toContainEqual(['sigmoid', 'dilate', 'exp']);
    expect(ops).toContainEqual(['expand', 'mul']);
    const dil = r.gpu.dilate;
    for (let map = 0; map < 2 * 3; map++) {
      for (let j = 0; j < 9; j++) expect(dil[map * 63 + 6 * 9 + j]).toBe(0);
      for (let i = 0; i < 7; i++) expect(dil[map * 63 + i * 9 + 8]).toBe(0);
    }
  });
});

describe('reductions of the backward pass', () => {
  it('batch_sum and channel_sum, alone and of fused elementwise chains (the bias gradient)', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [5, 7, 9]), g = b.input('g', [5, 7, 9]);
    const v = b.input('v', [6]), big = b.input('big', [3, 16, 16]);
    b.output('bsum', b.add('batch_sum', [x], {}, false));
    b.output('bsum_chain', b.add('batch_sum', [b.add('mul', [g, b.add('step', [x])])], {}, false));
    b.output('bsum_scalar', b.add('batch_sum', [b.add('sum_per_example', [x])], {}, false));
    b.output('bsum_pool', b.add('batch_sum', [b.add('sum_pool', [b.add('tanh', [big])], { factor: 4 })], {}, false));
    b.output('csum', b.add('channel_sum', [x]));
    b.output('csum_chain', b.add('channel_sum', [b.add('mul', [g, b.add('tanh', [x])])]));
    b.output('csum_vector', b.add('channel_sum', [v]));
    b.output('csum_big', b.add('channel_sum', [big]));
    b.output('bias', b.add('batch_sum', [b.add('channel_sum', [b.add('mul', [g, x])])], {}, false));
    // 11 channels: two workgroups of 8 in the bias kernel.
    const wide = b.add('exp', [b.input('wide', [11, 3, 5])]);
    b.output('bias_wide', b.add('batch_sum', [b.add('channel_sum', [wide])], {}, false));
    const r = await check(b, { batch: 3 });
    const ops = kernelOps(r, b);
    expect(ops).toContainEqual(['step', 'mul', 'batch_sum']);
    expect(ops).toContainEqual(['tanh', 'sum_pool', 'batch_sum']);
    expect(ops).toContainEqual(['tanh', 'mul', 'channel_sum']);
    // A bias gradient is one kernel: the channel sum and its chain computed in the batch sum's.
    expect(ops).toContainEqual(['mul', 'channel_sum', 'batch_sum']);
    expect(ops).toContainEqual(['exp', 'channel_sum', 'batch_sum']);
    // Summed over the batch: one [5, 7, 9] map, not one per example.
    expect(r.gpu.bsum).toHaveLength(5 * 7 * 9);
    expect(r.gpu.bias).toHaveLength(5);
  });

  for (const batch of [3, 70]) {
    it(`free_bits_grad with λ above and below the batch's mean KL, batch ${batch}`, async () => {
      const b = new GraphBuilder();
      const a = b.input('a', [4, 3, 3]), k = b.input('k', [2, 3, 3]);
      const ga = b.add('sum_per_example', [a]), kl = b.add('sum_per_example', [b.add('square', [k])]);
      const grad = (lambda: number) => b.add('free_bits_grad', [b.add('mul', [ga, b.const(0.5)]), kl], { lambda });
      b.output('above', grad(1000));
      b.output('below', grad(0.01));
      const r = await check(b, { batch });
      expect(kernelOps(r, b)).toContainEqual(['mul', 'free_bits_grad']);
      // λ above the mean KL adds −Σg/n² to every g; below it, g passes unchanged.
      expect(r.gpu.above.some((v, i) => v !== r.gpu.below[i])).toBe(true);
    });
  }
});

describe('likelihood gradients', () => {
  // logscale at −3.1 puts bin/scale above 0.05 and saturates σ for |x − mean| ≳ 1; at −0.7 it is below.
  for (const ls of [[-3.2, -3], [-0.8, -0.6]] as [number, number][]) {
    it(`dl_logp_grad w.r.t. mean and logscale, logscale in [${ls}], means past the clamp too`, async () => {
      const b = new GraphBuilder();
      const m = b.input('m', [3, 8, 8]), x = b.input('x', [3, 8, 8]), g = b.input('g', []);
      const mean = b.add('mul', [b.add('tanh', [m]), b.const(0.7)]);
      const logscale = b.param('logscale', []);
      const grad = (wrt: string) => b.add('dl_logp_grad', [g, mean, logscale, x], { bits: 8, wrt });
      b.output('dmean', grad('mean'));
      b.output('dlogscale', grad('logscale'));
      b.output('dlogscale_total', b.add('batch_sum', [b.add('sum_per_example', [grad('logscale')])], {}, false));
      const n = 2 * 3 * 64;
      const inputs = { m: fill(n, 1, -2, 2), x: fill(n, 2).map((_, i) => ((i * 37) % 256) / 255 - 0.5), g: fill(2, 3, 0.5, 2) };
      const r = await check(b, { inputs, paramRange: () => ls });
      expect(kernelOps(r, b)).toContainEqual(['dl_logp_grad', 'sum_per_example']);
      // tanh(m)·0.7 beyond ±(0.5 − 1/512) is clamped: its mean gradient is exactly 0.
      expect(r.gpu.dmean.filter((v) => v === 0).length).toBeGreaterThan(10);
    });
  }

  for (const C of [1, 3]) {
    it(`dml_logp_grad, ${C} channel(s): edge bins, clamped log-scales, the tiny-mass fallback`, async () => {
      const M = 3, K = M * (1 + 3 * C), HW = 30, b = new GraphBuilder();
      const p = b.input('p', [K, 5, 6]), x = b.input('x', [C, 5, 6]), g = b.input('g', []);
      b.output('dp', b.add('dml_logp_grad', [g, b.add('mul', [p, b.const(1)]), x], { mixtures: M, bits: 8 }));
      const xs = new Float32Array(2 * C * HW).map((_, i) => (i % 7 === 0 ? -1 : i % 7 === 1 ? 1 : (2 * ((i * 37) % 256)) / 255 - 1));
      const ps = fill(2 * K * HW, 11, -2, 2);
      const at = (n: number, k: number, s: number) => (n * K + k) * HW + s;
      for (let n = 0; n < 2; n++) {
        for (let s = 0; s < HW; s++) {
          for (let m = 0; m < M; m++) {
            for (let c = 0; c < C; c++) {
              const base = M + 3 * M * c, xv = xs[(n * C + c) * HW + s];
              if (s % 6 === 1) {
                // Log-scale below the −7 clamp (its gradient is 0), mean at x: an interior bin.
                ps[at(n, base + M + m, s)] = -8;
                ps[at(n, base + m, s)] = xv;
              } else if (s % 6 === 4) {
                // Uncoupled, 16 scales away: the bin mass is below 1e−5 and the density at its centre is used.
                ps[at(n, base + M + m, s)] = -3;
                ps[at(n, base + m, s)] = xv - 0.8;
                ps[at(n, base + 2 * M + m, s)] = 0;
              }
            }
          }
        }
      }
      const r = await check(b, { inputs: { p: ps, x: xs, g: new Float32Array([0.7, -1.3]) } });
      expect(kernelOps(r, b)).toContainEqual(['mul', 'dml_logp_grad']);
      for (let n = 0; n < 2; n++) {
        for (let c = 0; c < C; c++) for (let m = 0; m < M; m++) expect(r.gpu.dp[at(n, M + 3 * M * c + M + m, 1)]).toBe(0);
      }
    });
  }
});
