// Kernels with a subgroup variant (conv, transposed conv, linear, weight gradients): where a
// workgroup is one subgroup the executor runs the variant, whose rows are loaded one per lane and
// shared by subgroup broadcasts; elsewhere the plain kernel. Both agree with the interpreter; the
// convs' variants also with each other bit for bit (the same products summed in the same order),
// the weight gradients' within rounding (their sums run in another order).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireDevice } from '../../../runtime/webgpu/device.js';
import { kernelForDevice, oneSubgroupPerWorkgroup } from '../../../runtime/webgpu/pipelines.js';
import { GraphBuilder } from '../../../bench/graph-builder.js';
import type { KernelSpec } from '../../../runtime/program.js';
import { convMask } from '../../../runtime/cpu/kernels/conv2d.js';
import { expectAgreement } from './support.js';

let plain: GPUDevice, subgroups: GPUDevice;
beforeAll(async () => {
  ({ device: plain } = await acquireDevice({ subgroups: false }));
  ({ device: subgroups } = await acquireDevice());
});
afterAll(() => {
  plain?.destroy();
  subgroups?.destroy();
});

type Op = 'conv2d' | 'conv_transpose2d';
const CASES: [string, Op, number[], number, number, number, number, Record<string, string>][] = [
  ['3×3, 20 output channels (two row tiles, a partial one)', 'conv2d', [5, 9, 7], 20, 3, 1, 1, {}],
  ['4×4 stride 2, 3 output channels (a 4-row tile)', 'conv2d', [3, 8, 6], 3, 4, 2, 1, {}],
  ['masked type B', 'conv2d', [4, 6, 6], 6, 3, 1, 1, { mask: 'B' }],
  ['transposed 4×4 stride 2 (in phases)', 'conv_transpose2d', [5, 4, 3], 17, 4, 2, 1, {}],
];

function convGraph(op: Op, xs: number[], o: number, k: number, stride: number, padding: number, extra: Record<string, string>): GraphBuilder {
  const b = new GraphBuilder();
  const x = b.input('x', xs);
  const w = op === 'conv2d' ? [o, xs[0], k, k] : [xs[0], o, k, k];
  b.output('y', b.add('tanh', [b.add(op, [x, b.param('w', w), b.param('b', [o])], { stride, padding, ...extra })]));
  return b;
}

describe('subgroup variants', () => {
  it.each(CASES)('%s: the plain kernel agrees with the interpreter', async (_name, op, xs, o, k, s, p, extra) => {
    const r = await expectAgreement(plain, convGraph(op, xs, o, k, s, p, extra), { batch: 3 });
    const conv = r.program.kernels.find((kk) => kk.name.startsWith(op))!;
    expect(conv.subgroup?.wgsl).toContain('subgroupBroadcast');
    expect(kernelForDevice(plain, conv)).toBe(conv);
  });

  it('the device with subgroups runs the subgroup variant where a workgroup is one subgroup (lavapipe: 8 lanes), bit for bit the plain result', async () => {
    const supported = oneSubgroupPerWorkgroup(subgroups, 8);
    for (const [name, op, xs, o, k, s, p, extra] of CASES) {
      const b = convGraph(op, xs, o, k, s, p, extra);
      const [a, g] = [await expectAgreement(plain, b, { batch: 3 }), await expectAgreement(subgroups, b, { batch: 3 })];
      const conv = g.program.kernels.find((kk) => kk.name.startsWith(op))!;
      expect(kernelForDevice(subgroups, conv).wgsl, name).toBe(supported ? conv.subgroup!.wgsl : conv.wgsl);
      expect(Array.from(g.gpu.y), name).toEqual(Array.from(a.gpu.y));
    }
  });
});

// Weight gradients of stride 1 or 2 with 16+ channels in B take the variant that does a kernel
// row at once, sliding a window of B values along x (compiler/lower/kernels/weight-grad-taps.ts).
describe('the kernel-row weight-gradient variant', () => {
  type GradOp = 'conv2d_grad_weight' | 'conv_transpose2d_grad_weight';
  const convGrad = (op: GradOp, b: GraphBuilder, xs: number[], o: number, k: number, padding: number, mask?: 'A' | 'B', stride = 1) => {
    const x = b.input(`x${b.g.nodes.length}`, xs);
    const size = (n: number) => (op === 'conv2d_grad_weight' ? Math.floor((n + 2 * padding - k) / stride) + 1 : (n - 1) * stride - 2 * padding + k);
    const g = b.input(`g${b.g.nodes.length}`, [o, size(xs[1]), size(xs[2])]);
    return b.add(op, [g, x], { stride, padding, kernel: [k, k], ...(mask ? { mask } : {}) }, false);
  };
  const rowTaps = (r: { program: { kernels: KernelSpec[] } }, n: number) => {
    const variants = r.program.kernels.filter((k) => k.subgroup?.wgsl.includes('var win0'));
    expect(variants.length).toBe(n);
    for (const k of variants) expect(kernelForDevice(subgroups, k).wgsl).toBe(oneSubgroupPerWorkgroup(subgroups, 8) ? k.subgroup!.wgsl : k.wgsl);
  };

  it.each([1, 3])('conv2d: 3×3 padding 1 and 0 (5 output channels: an 8-row tile), 5×5, non-square maps, channels past a tile (batch %i)', async (batch) => {
    const b = new GraphBuilder();
    b.output('p1', convGrad('conv2d_grad_weight', b, [20, 7, 9], 11, 3, 1));
    b.output('p0', convGrad('conv2d_grad_weight', b, [16, 6, 8], 5, 3, 0));
    b.output('k5', convGrad('conv2d_grad_weight', b, [17, 6, 5], 18, 5, 2));
    for (const device of [plain, subgroups]) rowTaps(await expectAgreement(device, b, { batch }), 3);
  });

  it.each([1, 3])('stride 2: conv2d 4×4 and 3×3, conv_transpose2d 4×4, odd and non-square maps (batch %i)', async (batch) => {
    const b = new GraphBuilder();
    b.output('k4', convGrad('conv2d_grad_weight', b, [20, 9, 7], 6, 4, 1, undefined, 2));
    b.output('k3', convGrad('conv2d_grad_weight', b, [17, 8, 11], 5, 3, 1, undefined, 2));
    b.output('convT', convGrad('conv_transpose2d_grad_weight', b, [6, 5, 4], 18, 4, 1, undefined, 2));
    for (const device of [plain, subgroups]) rowTaps(await expectAgreement(device, b, { batch }), 3);
  });

  it.each([1, 3])('B with 8 channels or fewer (lanes over A): 1, 4 and 7 channels, stride 1 and 2, masked (batch %i)', async (batch) => {
    const b = new GraphBuilder();
    b.output('c4', convGrad('conv2d_grad_weight', b, [4, 7, 9], 20, 3, 1));
    b.output('c1', convGrad('conv2d_grad_weight', b, [1, 6, 5], 18, 3, 0));
    b.output('c7', convGrad('conv2d_grad_weight', b, [7, 9, 8], 33, 4, 1, undefined, 2));
    b.output('m3', convGrad('conv2d_grad_weight', b, [3, 6, 7], 17, 3, 1, 'B'));
    const r = await expectAgreement(subgroups, b, { batch });
    rowTaps(r, 4);
    const m = convMask('B', 17, 3, 3, 3), dw = r.gpu.m3;
    expect(dw.every((v, i) => m[i] !== 0 || v === 0)).toBe(true);
    expect(dw.some((v, i) => m[i] !== 0 && v !== 0)).toBe(true);
  });

  for (const mask of ['A', 'B'] as const) {
    it(`masked (type ${mask}) 3×3 and 5×5: masked taps exactly 0`, async () => {
      const b = new GraphBuilder();
      b.output('k3', convGrad('conv2d_grad_weight', b, [18, 6, 7], 6, 3, 1, mask));
      b.output('k5', convGrad('conv2d_grad_weight', b, [17, 6, 5], 9, 5, 2, mask));
      const r = await expectAgreement(subgroups, b, { batch: 2 });
      rowTaps(r, 2);
      for (const [name, o, c, k] of [['k3', 6, 18, 3], ['k5', 9, 17, 5]] as const) {
        const m = convMask(mask, o, c, k, k), dw = r.gpu[name];
        expect(dw.every((v, i) => m[i] !== 0 || v === 0), name).toBe(true);
        expect(dw.some((v, i) => m[i] !== 0 && v !== 0), name).toBe(true);
      }
    });
  }

  // A sweep along columns runs the variant over the transposed maps.
  it('conv_transpose2d 3×3 stride 1, and W_ih gradients of sweeps in all four directions, from channel slices', async () => {
    const b = new GraphBuilder();
    b.output('convT', convGrad('conv_transpose2d_grad_weight', b, [5, 6, 7], 18, 3, 1));
    const F = 16;
    const dgi = b.add('slice_channels', [b.input('dgi', [3 * F + 5, 5, 7])], { start: 5, size: 3 * F });
    const y = b.add('slice_channels', [b.input('y', [F + 3, 5, 7])], { start: 1, size: F });
    for (const direction of [0, 1, 2, 3]) b.output(`wih${direction}`, b.add('sweep_grad_wih', [dgi, y], { direction }, false));
    rowTaps(await expectAgreement(subgroups, b, { batch: 3 }), 5);
  });
});

// Stride-1 convs whose output rows hold whole column tiles take the windowed variant: a lane's
// columns are consecutive pixels of one row, so a kernel row's taps share one window of input
// loads (compiler/lower/kernels/conv.ts). It sums in another order than the plain kernel.
describe('the windowed conv variant', () => {
  const windowed = (r: { program: { kernels: KernelSpec[] } }, n: number) => {
    const variants = r.program.kernels.filter((k) => k.subgroup?.wgsl.includes('let cb = '));
    expect(variants.length).toBe(n);
    for (const k of variants) expect(kernelForDevice(subgroups, k).wgsl).toBe(oneSubgroupPerWorkgroup(subgroups, 8) ? k.subgroup!.wgsl : k.wgsl);
  };
  const conv = (b: GraphBuilder, xs: number[], o: number, k: number, padding: number, extra: Record<string, string | number> = {}) =>
    b.add('conv2d', [b.input(`x${b.g.nodes.length}`, xs), b.param(`w${b.g.nodes.length}`, [o, xs[0], k, k]), b.param(`b${b.g.nodes.length}`, [o])], { stride: 1, padding, ...extra });

  it.each([1, 3])('3×3 padding 1 and 0, 20 output channels, a fused tanh; a 5×5, too wide for the window, runs the other variant (batch %i)', async (batch) => {
    const b = new GraphBuilder();
    b.output('p1', b.add('tanh', [conv(b, [5, 8, 8], 20, 3, 1)]));
    b.output('p0', conv(b, [3, 10, 10], 6, 3, 0));
    b.output('k5', conv(b, [4, 6, 4], 7, 5, 2));
    for (const device of [plain, subgroups]) windowed(await expectAgreement(device, b, { batch }), 2);
  });

  it('masked types A and B, and two chunks of one conv read by a gated epilogue', async () => {
    const b = new GraphBuilder();
    b.output('A', conv(b, [4, 8, 8], 6, 3, 1, { mask: 'A' }));
    b.output('B', conv(b, [4, 8, 8], 6, 5, 2, { mask: 'B' }));
    const y = conv(b, [5, 6, 4], 10, 3, 1);
    const half = (start: number) => b.add('slice_channels', [y], { start, size: 5 });
    b.output('gated', b.add('mul', [b.add('sigmoid', [half(0)]), half(5)]));
    windowed(await expectAgreement(subgroups, b, { batch: 2 }), 2);
  });

  it('stride 2: 4×4 and 3×3, padding 1, and 5×5, padding 2 (phases with missing taps)', async () => {
    const b = new GraphBuilder();
    b.output('k4', conv(b, [5, 8, 16], 9, 4, 1, { stride: 2 }));
    b.output('k3', b.add('elu', [conv(b, [3, 7, 7], 17, 3, 1, { stride: 2 })]));
    b.output('k5', conv(b, [4, 9, 15], 5, 5, 2, { stride: 2 }));
    for (const device of [plain, subgroups]) windowed(await expectAgreement(device, b, { batch: 3 }), 3);
  });

  it('transposed, stride 1: 3×3 and 5×5, masked type B, with and without a bias', async () => {
    const b = new GraphBuilder();
    const convT = (xs: number[], o: number, k: number, padding: number, extra: Record<string, unknown> = {}, bias = true) =>
      b.add('conv_transpose2d', [b.input(`x${b.g.nodes.length}`, xs), b.param(`w${b.g.nodes.length}`, [xs[0], o, k, k]), ...(bias ? [b.param(`b${b.g.nodes.length}`, [o])] : [])], { stride: 1, padding, ...extra });
    b.output('k3', b.add('elu', [convT([6, 8, 8], 18, 3, 1)]));
    b.output('k5', convT([5, 6, 4], 7, 5, 2, {}, false));
    b.output('B', convT([4, 8, 8], 6, 3, 1, { mask: 'B' }, false));
    for (const device of [plain, subgroups]) windowed(await expectAgreement(device, b, { batch: 2 }), 2);
  });
});
