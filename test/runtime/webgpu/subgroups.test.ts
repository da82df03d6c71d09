// Kernels with a subgroup variant (conv, transposed conv, linear): where a workgroup is one
// subgroup the executor runs the variant, whose rows are loaded one per lane and shared by
// subgroup broadcasts; elsewhere the plain kernel. Both agree with the interpreter, and with each
// other bit for bit (the same products summed in the same order).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireDevice } from '../../../runtime/webgpu/device.js';
import { kernelForDevice, oneSubgroupPerWorkgroup } from '../../../runtime/webgpu/pipelines.js';
import { GraphBuilder } from '../../../bench/graph-builder.js';
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
