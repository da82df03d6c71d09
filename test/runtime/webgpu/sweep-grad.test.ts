// The sweep's reverse scan (sweep_grad) on WebGPU against the CPU interpreter: every direction,
// H ≠ W, the sweep's output read in its line layout, the upstream gradient an expression; the
// plain kernel and its subgroup variant (weight rows shared by broadcasts), with features and
// positions that fill one tile partly and two tiles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireDevice } from '../../../runtime/webgpu/device.js';
import { GraphBuilder } from '../../../bench/graph-builder.js';
import { compareOnDevice, worst } from './support.js';

let device: GPUDevice, plain: GPUDevice;
beforeAll(async () => {
  ({ device } = await acquireDevice());
  ({ device: plain } = await acquireDevice({ subgroups: false }));
});
afterAll(() => {
  device?.destroy();
  plain?.destroy();
});

function sweepGradGraph(f: number, h: number, w: number, dir: number) {
  const b = new GraphBuilder();
  const x = b.add('tanh', [b.input('x', [f, h, w])]);
  const ws = [b.param('w_ih', [3 * f, 3 * f]), b.param('w_hh', [3 * f, f]), b.param('b_ih', [3 * f]), b.param('b_hh', [3 * f])];
  const y = b.add('sdn_sweep', [x, ...ws], { direction: dir });
  const g = b.add('mul', [b.input('g', [f, h, w]), b.add('exp', [y])]);
  b.output('y', b.add('elu', [y]));
  b.output('G', b.add('sweep_grad', [g, x, y, ...ws], { direction: dir }));
  return b;
}

describe('sweep_grad', () => {
  for (const dir of [0, 1, 2, 3]) {
    it(`direction ${dir}: gate gradients and the direct term match the interpreter`, async () => {
      const r = await compareOnDevice(device, sweepGradGraph(6, 5, 7, dir).g, { batch: 3 });
      expect(worst(r.errors)).toBeLessThanOrEqual(1e-4);
      expect(r.cpu.G.some((v) => v !== 0)).toBe(true);
    });
  }

  // A sweep along columns stores its gradients with each channel's map transposed (layout.ts):
  // a channel sum reads them in storage order, but not beside a plain operand, whose elements
  // would not line up; elementwise kernels and conv epilogues read them through their strides.
  it.each([0, 1])('direction %i: channel sums of the transposed gradients, alone and beside a plain operand, and elementwise reads', async (dir) => {
    const [f, h, w] = [5, 6, 7];
    const b = sweepGradGraph(f, h, w, dir);
    const G = b.g.outputs.find((o) => o.name === 'G')!.node;
    const gh = b.add('slice_channels', [G], { start: 3 * f, size: f });
    const m = b.input('m', [f, h, w]);
    b.output('alone', b.add('channel_sum', [gh]));
    b.output('mixed', b.add('channel_sum', [b.add('mul', [gh, m])]));
    b.output('elementwise', b.add('add', [gh, m]));
    b.output('conv', b.add('conv2d', [gh, b.param('k', [2, f, 3, 3])], { stride: 1, padding: 1 }));
    const r = await compareOnDevice(device, b.g, { batch: 2 });
    expect(worst(r.errors)).toBeLessThanOrEqual(1e-4);
    expect(r.cpu.mixed.some((v) => v !== 0)).toBe(true);
  });

  // 16 features × 8 positions a tile: 19 features fill one tile and part of another, and lines
  // of 10 or 11 positions one block and part of another.
  it.each([0, 3])('direction %i, 19 features (two feature tiles), 10×11 map: the plain kernel and the subgroup variant', async (dir) => {
    const g = sweepGradGraph(19, 10, 11, dir).g;
    const scan = (r: Awaited<ReturnType<typeof compareOnDevice>>) => r.program.kernels.find((k) => k.name.startsWith('scan:sweep_grad'))!;
    for (const d of [plain, device]) {
      const r = await compareOnDevice(d, g, { batch: 2 });
      expect(worst(r.errors)).toBeLessThanOrEqual(1e-4);
      expect(scan(r).subgroup?.wgsl).toContain('subgroupBroadcast');
    }
  });
});
