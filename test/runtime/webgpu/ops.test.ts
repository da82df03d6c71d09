// Every IR op and fusion pattern, lowered to WGSL and run on WebGPU, against the CPU reference
// interpreter (relative error ≤ 1e-4), on small shapes at batch 2. No adapter: the tests fail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireDevice } from '../../../runtime/webgpu/device.js';
import { GraphBuilder } from '../../../bench/graph-builder.js';
import { type CompareOptions, expectAgreement, kernelOps } from './support.js';

let device: GPUDevice;
beforeAll(async () => {
  ({ device } = await acquireDevice());
});
afterAll(() => device?.destroy());

const check = (b: GraphBuilder, o: CompareOptions = {}, tol = 1e-4) => expectAgreement(device, b, o, tol);

describe('elementwise ops and broadcasting', () => {
  it('every unary op', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [3, 5, 7]);
    for (const op of ['neg', 'exp', 'tanh', 'sigmoid', 'elu', 'silu', 'relu', 'softplus', 'square', 'dl_mode'] as const) b.output(op, b.add(op, [x]));
    b.output('log', b.add('log', [b.add('add', [b.add('square', [x]), b.const(0.5)])]));
    await check(b, { inputRange: [-4, 4] });
  });

  it('every binary op, with [] scalars (consts, per-example values, scalar inputs) broadcast', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [4, 3, 3]), y = b.input('y', [4, 3, 3]);
    const s = b.add('sum_per_example', [y]);
    const t = b.add('scalar_input', [], { name: 'temperature' }, false);
    b.output('add', b.add('add', [x, b.const(1.5)]));
    b.output('sub', b.add('sub', [b.const(2), x]));
    b.output('mul', b.add('mul', [x, y]));
    b.output('div', b.add('div', [x, b.add('add', [b.add('square', [y]), b.const(1)])]));
    b.output('max', b.add('max', [x, y]));
    b.output('bcast', b.add('mul', [b.add('mul', [x, s]), t]));
    b.output('scalars', b.add('add', [s, b.add('exp', [t])]));
    await check(b, { scalars: { temperature: 0.7 } });
  });

  it('index-remapping reads: pad, crop, nearest up/downsampling, concat, expand, slices, reshape', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [3, 6, 5]);
    const e = b.add('elu', [x]);
    b.output('pad', b.add('sigmoid', [b.add('pad2d', [e], { pad: 2 })]));
    b.output('crop', b.add('crop2d', [b.add('tanh', [x])], { crop: 1 }));
    b.output('up', b.add('upsample_nearest', [b.add('neg', [x])], { factor: 2 }));
    b.output('down', b.add('downsample_nearest', [b.add('exp', [x])], { factor: 2 }));
    const h = b.param('h', [3]);
    const slice = b.add('slice_channels', [x], { start: 1, size: 2 });
    b.output('concat', b.add('concat_channels', [b.add('square', [slice]), x, b.add('expand', [h], { shape: [3, 6, 5] })]));
    b.output('slice', b.add('mul', [slice, b.add('slice_channels', [e], { start: 0, size: 2 })]));
    b.output('reshape', b.add('relu', [b.add('reshape', [x], { shape: [90] })]));
    b.output('unbatched', b.add('exp', [h]));
    const r = await check(b);
    // The slices are views or index arithmetic: no kernel computes a slice alone.
    expect(kernelOps(r, b).some((ops) => ops.length === 1 && ops[0] === 'slice_channels')).toBe(false);
  });

  it('a fusion reading more buffers than a kernel may bind is split', async () => {
    const b = new GraphBuilder();
    const xs = [0, 1, 2, 3, 4, 5].map((k) => b.input(`x${k}`, [2, 3, 3]));
    b.output('y', xs.slice(1).reduce((acc, x) => b.add('add', [acc, b.add('exp', [x])]), xs[0]));
    const r = await check(b, { lower: { maxStorageBuffers: 4 } });
    expect(r.program.kernels.length).toBeGreaterThan(1);
    for (const k of r.program.kernels) expect(k.bindings.length).toBeLessThanOrEqual(4);
  });

  it('a value read by two kernels is materialized once, reused by both', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 4, 4]);
    const shared = b.add('sigmoid', [b.add('mul', [x, x])]);
    b.output('a', b.add('exp', [shared]));
    b.output('b', b.add('sum_per_example', [shared]));
    const r = await check(b);
    expect(kernelOps(r, b).filter((ops) => ops.includes('sigmoid'))).toHaveLength(1);
  });
});

describe('dense layers with fused epilogues', () => {
  const convCase = async (xs: number[], o: number, k: number, stride: number, padding: number, extra: Record<string, string | number> = {}, op: 'conv2d' | 'conv_transpose2d' = 'conv2d') => {
    const b = new GraphBuilder();
    const x = b.input('x', xs);
    const w = b.param('w', op === 'conv2d' ? [o, xs[0], k, k] : [xs[0], o, k, k]);
    const bias = b.param('b', [o]);
    b.output('y', b.add(op, [x, w, bias], { stride, padding, ...extra }));
    return check(b);
  };
  it('conv2d: 3×3 stride 1, 4×4 stride 2, 1×1, a non-square map, one input channel', async () => {
    await convCase([5, 8, 8], 7, 3, 1, 1);
    await convCase([3, 8, 6], 9, 4, 2, 1);
    await convCase([6, 5, 7], 20, 1, 1, 0);
    await convCase([1, 9, 7], 5, 3, 1, 0);
  });
  it('masked conv2d (PixelCNN masks A and B)', async () => {
    await convCase([4, 6, 6], 6, 3, 1, 1, { mask: 'A' });
    await convCase([4, 6, 6], 6, 3, 1, 1, { mask: 'B' });
  });
  it('conv_transpose2d: 4×4 stride 2, 3×3 stride 1, 2×2 stride 2', async () => {
    await convCase([5, 4, 3], 6, 4, 2, 1, {}, 'conv_transpose2d');
    await convCase([3, 5, 5], 4, 3, 1, 1, {}, 'conv_transpose2d');
    await convCase([2, 3, 4], 3, 2, 2, 0, {}, 'conv_transpose2d');
  });
  it('linear with a fused relu, on a reshaped map', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [4, 3, 3]);
    const y = b.add('linear', [b.add('reshape', [x], { shape: [36] }), b.param('w', [21, 36]), b.param('b', [21])]);
    b.output('y', b.add('relu', [y]));
    const r = await check(b);
    expect(kernelOps(r, b)).toContainEqual(['linear', 'relu']);
  });
  it('the ResSDN/ladder gate σ(g)·a + (1 − σ(g))·v is the conv\'s epilogue (chunks of its output)', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [4, 6, 6]);
    const c = b.add('conv2d', [x, b.param('w', [10, 4, 3, 3]), b.param('b', [10])], { stride: 1, padding: 1 });
    const v = b.add('slice_channels', [c], { start: 0, size: 5 }), g = b.add('slice_channels', [c], { start: 5, size: 5 });
    const skip = b.add('conv2d', [x, b.param('w2', [5, 4, 1, 1]), b.param('b2', [5])], { stride: 1, padding: 0 });
    const gate = b.add('sigmoid', [b.add('sub', [g, b.const(1)])]);
    const out = b.add('add', [b.add('mul', [b.add('sub', [b.const(1), gate]), skip]), b.add('mul', [gate, v])]);
    b.output('y', b.add('mul', [out, out]));
    const r = await check(b);
    const ops = kernelOps(r, b);
    expect(ops.find((k) => k.includes('sigmoid'))).toEqual(expect.arrayContaining(['conv2d', 'slice_channels', 'sigmoid', 'mul', 'add']));
    expect(ops.filter((k) => k.includes('add') && !k.some((o) => o.startsWith('conv')))).toHaveLength(0);
  });
});

describe('the SDN sweep as a scan', () => {
  const sweep = (b: GraphBuilder, x: number, f: number, dir: number, tag: string) =>
    b.add('sdn_sweep', [x, b.param(`${tag}.w_ih`, [3 * f, 3 * f]), b.param(`${tag}.w_hh`, [3 * f, f]), b.param(`${tag}.b_ih`, [3 * f]), b.param(`${tag}.b_hh`, [3 * f])], { direction: dir });

  for (const dir of [0, 1, 2, 3]) {
    it(`direction ${dir} on a non-square map, input straight from the graph input (copied)`, async () => {
      const b = new GraphBuilder();
      const x = b.input('x', [6, 5, 7]);
      b.output('y', sweep(b, x, 6, dir, 's'));
      const r = await check(b);
      expect(r.program.kernels.find((k) => k.name.startsWith('scan:'))!.steps).toBe(dir < 2 ? 6 : 4);
    });
  }

  it('tanh(conv) → sweep 0 → sweep 1 (in place) → sweep 2 (re-laid out) → 1×1 conv, and a sweep output', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [3, 6, 5]);
    const t = b.add('tanh', [b.add('conv2d', [x, b.param('in.w', [8, 3, 3, 3]), b.param('in.b', [8])], { stride: 1, padding: 1 })]);
    const s0 = sweep(b, t, 8, 0, 's0'), s1 = sweep(b, s0, 8, 1, 's1'), s2 = sweep(b, s1, 8, 2, 's2');
    b.output('y', b.add('conv2d', [s2, b.param('out.w', [5, 8, 1, 1]), b.param('out.b', [5])], { stride: 1, padding: 0 }));
    b.output('s2', s2);
    const r = await check(b);
    const names = r.program.kernels.map((k) => k.name);
    expect(names.filter((n) => n.startsWith('copy:'))).toHaveLength(1);
    expect(names.filter((n) => n.startsWith('hidden:'))).toHaveLength(3);
    expect(kernelOps(r, b)).toContainEqual(['conv2d', 'tanh']);
  });

  it('a sweep of a fused elementwise result (written directly in the line layout), then a slice of it', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [4, 5, 6]);
    const y = sweep(b, b.add('elu', [b.add('add', [x, b.const(0.3)])]), 4, 3, 's');
    b.output('y', b.add('mul', [b.add('slice_channels', [y], { start: 1, size: 2 }), b.const(2)]));
    const r = await check(b);
    expect(r.program.kernels.map((k) => k.name.split(':')[0])).not.toContain('copy');
  });

  it('a GRU cell', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [6]), h = b.input('h', [5]);
    b.output('h', b.add('gru_cell', [x, h, b.param('w_ih', [15, 6]), b.param('w_hh', [15, 5]), b.param('b_ih', [15]), b.param('b_hh', [15])]));
    await check(b);
  });
});

describe('reductions, likelihoods, noise', () => {
  it('sum_per_example of a fused expression, free bits', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [3, 9, 11]);
    const kl = b.add('sum_per_example', [b.add('square', [b.add('sub', [x, b.const(0.2)])])]);
    b.output('kl', kl);
    b.output('fb', b.add('free_bits', [kl], { lambda: 1000 }));
    b.output('fb_small', b.add('free_bits', [kl], { lambda: 0.01 }));
    await check(b, { batch: 3 });
  });
  it('discretized logistic and Bernoulli log-likelihoods, DL mode', async () => {
    const b = new GraphBuilder();
    const m = b.input('m', [3, 8, 8]), x = b.input('x', [3, 8, 8]);
    b.output('dl', b.add('dl_logp', [b.add('tanh', [m]), b.param('logscale', [1]), x], { bits: 8 }));
    b.output('bern', b.add('bernoulli_logp', [m, b.add('relu', [x])]));
    b.output('mode', b.add('dl_mode', [m]));
    await check(b, { paramRange: () => [-3, -2], inputRange: [-0.5, 0.5] });
  });
  for (const c of [1, 3]) {
    it(`DML log-likelihood and mode, ${c} channel(s), data on the edge bins too`, async () => {
      const M = 3, b = new GraphBuilder();
      const p = b.input('p', [M * (1 + 3 * c), 5, 6]), x = b.input('x', [c, 5, 6]);
      b.output('logp', b.add('dml_logp', [p, x], { mixtures: M, bits: 8 }));
      b.output('mode', b.add('dml_mode', [p], { mixtures: M }));
      const xs = new Float32Array(2 * c * 30).map((_, i) => (i % 7 === 0 ? -1 : i % 7 === 1 ? 1 : Math.round(((i * 37) % 255) - 127) / 127.5));
      await check(b, { inputs: { x: xs }, inputRange: [-2, 2] });
    });
  }
  it('Philox noise streams through an expression, identical on both executors', async () => {
    const b = new GraphBuilder();
    const eps = b.add('noise', [], { shape: [4, 5, 5], stream: 'posterior.rsample' }, true);
    const x = b.input('x', [4, 5, 5]);
    b.output('z', b.add('add', [x, b.add('mul', [eps, b.const(0.5)])]));
    b.output('eps', eps);
    await check(b, { seed: 12345 });
  });
  it('dispatches split over y when a grid exceeds the per-dimension limit', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [4, 8, 8]);
    const t = b.add('tanh', [b.add('conv2d', [x, b.param('w', [8, 4, 3, 3]), b.param('b', [8])], { stride: 1, padding: 1 })]);
    const s = b.add('sdn_sweep', [t, b.param('wi', [24, 24]), b.param('wh', [24, 8]), b.param('bi', [24]), b.param('bh', [24])], { direction: 2 });
    b.output('y', b.add('elu', [s]));
    b.output('sum', b.add('sum_per_example', [s]));
    await check(b, { maxWorkgroupsPerDimension: 6 });
  });
});
