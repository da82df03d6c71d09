// The dense ops autodiff emits (input gradients: bias-less convs, masked transposed convs,
// transposed linear) and the weight-gradient kernels, on WebGPU against the CPU reference
// interpreter (relative error ≤ 1e-4), with operands at offsets, in the sweep's line layout and
// as channel slices of bigger tensors. No adapter: the tests fail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convMask } from '../../../runtime/cpu/kernels/conv2d.js';
import { acquireDevice } from '../../../runtime/webgpu/device.js';
import { GraphBuilder } from '../../../bench/graph-builder.js';
import { type CompareOptions, expectAgreement } from './support.js';

let device: GPUDevice;
beforeAll(async () => {
  ({ device } = await acquireDevice());
});
afterAll(() => device?.destroy());

const check = (b: GraphBuilder, o: CompareOptions = {}, tol = 1e-4) => expectAgreement(device, b, o, tol);

const sweep = (b: GraphBuilder, x: number, f: number, dir: number, tag: string) =>
  b.add('sdn_sweep', [x, b.param(`${tag}.w_ih`, [3 * f, 3 * f]), b.param(`${tag}.w_hh`, [3 * f, f]), b.param(`${tag}.b_ih`, [3 * f]), b.param(`${tag}.b_hh`, [3 * f])], { direction: dir });

describe('dense ops of input gradients', () => {
  it('conv2d, conv_transpose2d and linear without a bias, alone and with a fused epilogue', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [5, 6, 8]);
    b.output('conv', b.add('conv2d', [x, b.param('w', [7, 5, 3, 3])], { stride: 1, padding: 1 }));
    b.output('conv_s2', b.add('tanh', [b.add('conv2d', [x, b.param('w2', [4, 5, 4, 4])], { stride: 2, padding: 1 })]));
    b.output('convT', b.add('conv_transpose2d', [x, b.param('wt', [5, 6, 4, 4])], { stride: 2, padding: 1 }));
    b.output('convT_s1', b.add('relu', [b.add('conv_transpose2d', [x, b.param('wt2', [5, 3, 3, 3])], { stride: 1, padding: 1 })]));
    b.output('linear', b.add('linear', [b.add('reshape', [x], { shape: [240] }), b.param('wl', [9, 240])]));
    await check(b);
  });

  for (const mask of ['A', 'B']) {
    it(`masked conv_transpose2d (mask ${mask}), stride 1 and 2`, async () => {
      const b = new GraphBuilder();
      const x = b.input('x', [4, 6, 5]);
      b.output('y', b.add('conv_transpose2d', [x, b.param('w', [4, 6, 3, 3])], { stride: 1, padding: 1, mask }));
      b.output('y5', b.add('conv_transpose2d', [x, b.param('w5', [4, 3, 5, 5]), b.param('b5', [3])], { stride: 1, padding: 2, mask }));
      b.output('y_s2', b.add('conv_transpose2d', [x, b.param('w4', [4, 2, 4, 4])], { stride: 2, padding: 1, mask }));
      await check(b, { batch: 3 });
    });
  }

  it('linear with attr transpose (y = Wᵀx), with and without a bias', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [11]);
    const w = b.param('w', [11, 23]);
    b.output('y', b.add('linear', [x, w], { transpose: true }));
    b.output('yb', b.add('elu', [b.add('linear', [x, w, b.param('b', [23])], { transpose: true })]));
    await check(b);
  });
});

describe('weight gradients', () => {
  const convGrad = (op: 'conv2d_grad_weight' | 'conv_transpose2d_grad_weight', xs: number[], o: number, k: number, stride: number, padding: number, mask?: 'A' | 'B') => {
    const b = new GraphBuilder();
    const x = b.input('x', xs);
    const size = (n: number) => (op === 'conv2d_grad_weight' ? (n + 2 * padding - k) / stride + 1 : (n - 1) * stride - 2 * padding + k);
    const g = b.input('g', [o, size(xs[1]), size(xs[2])]);
    b.output('dw', b.add(op, [g, x], { stride, padding, kernel: [k, k], ...(mask ? { mask } : {}) }, false));
    return b;
  };

  it('conv2d_grad_weight: 3×3 stride 1, 4×4 stride 2, 1×1, a non-square map', async () => {
    await check(convGrad('conv2d_grad_weight', [5, 8, 8], 7, 3, 1, 1), { batch: 3 });
    await check(convGrad('conv2d_grad_weight', [3, 8, 6], 9, 4, 2, 1), { batch: 2 });
    await check(convGrad('conv2d_grad_weight', [6, 5, 7], 20, 1, 1, 0), { batch: 3 });
    await check(convGrad('conv2d_grad_weight', [1, 9, 7], 5, 3, 1, 0), { batch: 2 });
  });

  const maskedExactly = (dw: Float32Array, m: Float32Array) => {
    expect(dw.every((v, i) => m[i] !== 0 || v === 0)).toBe(true);
    expect(dw.some((v, i) => m[i] !== 0 && v !== 0)).toBe(true);
  };

  for (const mask of ['A', 'B'] as const) {
    it(`masked conv2d_grad_weight (mask ${mask}): masked taps exactly 0`, async () => {
      const r = await check(convGrad('conv2d_grad_weight', [4, 6, 7], 6, 3, 1, 1, mask), { batch: 3 });
      maskedExactly(r.gpu.dw, convMask(mask, 6, 4, 3, 3));
    });
  }

  it('conv_transpose2d_grad_weight: 4×4 stride 2 padding 1, 3×3 stride 1 padding 1', async () => {
    await check(convGrad('conv_transpose2d_grad_weight', [5, 4, 3], 6, 4, 2, 1), { batch: 3 });
    await check(convGrad('conv_transpose2d_grad_weight', [3, 5, 6], 4, 3, 1, 1), { batch: 2 });
  });

  it('linear_grad_weight, with x a reshaped map', async () => {
    const b = new GraphBuilder();
    const g = b.input('g', [13]), x = b.input('x', [3, 2, 5]);
    b.output('dw', b.add('linear_grad_weight', [g, b.add('reshape', [x], { shape: [30] })], {}, false));
    b.output('dw_wide', b.add('linear_grad_weight', [b.input('g2', [70]), g], {}, false));
    await check(b, { batch: 3 });
  });

  it('conv weight gradients of channel slices, one in the sweep line layout', async () => {
    const b = new GraphBuilder();
    const big = b.input('big', [9, 6, 5]);
    const s = sweep(b, b.input('xs', [6, 6, 5]), 6, 2, 's');
    const g = b.add('slice_channels', [big], { start: 2, size: 4 });
    const x = b.add('slice_channels', [s], { start: 1, size: 3 });
    b.output('dw', b.add('conv2d_grad_weight', [g, x], { stride: 1, padding: 1, kernel: [3, 3] }, false));
    b.output('dwT', b.add('conv_transpose2d_grad_weight', [x, g], { stride: 1, padding: 1, kernel: [3, 3] }, false));
    await check(b, { batch: 2 });
  });

  it('maps of 16×16 and up (lanes over positions): conv2d 3×3, 4×4 stride 2, masked; convT 4×4 stride 2', async () => {
    const lanesOverPositions = (r: { program: { kernels: { wgsl: string }[] } }) =>
      expect(r.program.kernels.some((k) => k.wgsl.includes('var<workgroup> red'))).toBe(true);
    lanesOverPositions(await check(convGrad('conv2d_grad_weight', [3, 16, 18], 5, 3, 1, 1), { batch: 2 }));
    lanesOverPositions(await check(convGrad('conv2d_grad_weight', [3, 32, 34], 5, 4, 2, 1), { batch: 2 }));
    const r = await check(convGrad('conv2d_grad_weight', [3, 16, 16], 5, 5, 1, 2, 'B'), { batch: 2 });
    maskedExactly(r.gpu.dw, convMask('B', 5, 3, 5, 5));
    lanesOverPositions(await check(convGrad('conv_transpose2d_grad_weight', [3, 16, 17], 4, 4, 2, 1), { batch: 2 }));
  });

  for (const dir of [0, 1, 2, 3]) {
    it(`sweep_grad_wih, direction ${dir}, H ≠ W: plain, channel slices, y from a sweep (line layout)`, async () => {
      const F = 3, H = 5, W = 7;
      const b = new GraphBuilder();
      const dgiAll = b.input('dgi_all', [7 * F, H, W]);
      const y = b.input('y', [F, H, W]);
      const dgi = b.add('slice_channels', [dgiAll], { start: 0, size: 3 * F });
      b.output('plain', b.add('sweep_grad_wih', [b.input('dgi', [3 * F, H, W]), y], { direction: dir }, false));
      b.output('slices', b.add('sweep_grad_wih', [dgi, b.add('slice_channels', [b.input('y2', [F + 2, H, W])], { start: 2, size: F })], { direction: dir }, false));
      b.output('sweep_y', b.add('sweep_grad_wih', [dgi, sweep(b, b.input('x', [F, H, W]), F, dir, 's')], { direction: dir }, false));
      await check(b, { batch: 3 });
    });
  }

  it('sweep_grad_wih on a 16×17 map (lanes over positions), y from a sweep', async () => {
    const F = 2, b = new GraphBuilder();
    const dgi = b.add('slice_channels', [b.input('dgi', [7 * F, 16, 17])], { start: 0, size: 3 * F });
    for (const dir of [1, 2]) b.output(`dir${dir}`, b.add('sweep_grad_wih', [dgi, sweep(b, b.input(`x${dir}`, [F, 16, 17]), F, dir, `s${dir}`)], { direction: dir }, false));
    await check(b, { batch: 2 });
  });

  it('sweep_grad_wih of a dgi sliced from another sweep\'s output (line layout across the lines)', async () => {
    const F = 2, b = new GraphBuilder();
    const other = sweep(b, b.input('x', [4 * F, 4, 6]), 4 * F, 3, 's');
    const dgi = b.add('slice_channels', [other], { start: F, size: 3 * F });
    b.output('dw', b.add('sweep_grad_wih', [dgi, b.input('y', [F, 4, 6])], { direction: 0 }, false));
    await check(b, { batch: 2 });
  });
});
