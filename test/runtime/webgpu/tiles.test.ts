// The 'large' tile profile (the default of `sdn train`, the demo and the benchmarks) on WebGPU
// against the CPU reference interpreter. The rest of the suite lowers with 'small' tiles
// (vitest.config.ts), so this file is where 16-row conv and weight-gradient tiles, 8-column conv
// tiles and 8-position scan tiles run, each with partial tiles at the edges. No adapter: the
// tests fail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lowerGraph } from '../../../compiler/lower/index.js';
import type { IrGraph } from '../../../runtime/ir.js';
import { acquireDevice } from '../../../runtime/webgpu/device.js';
import { expectAgreement, GraphBuilder } from './support.js';

let device: GPUDevice;
beforeAll(async () => {
  ({ device } = await acquireDevice());
});
afterAll(() => device?.destroy());

/** Kernels whose WGSL the profile changes (kernels of the same name with different code). */
const changedKernels = (g: IrGraph) => {
  const small = new Map(lowerGraph(g, { tiles: 'small' }).kernels.map((k) => [k.name, k.wgsl]));
  return lowerGraph(g, { tiles: 'large' }).kernels.filter((k) => small.get(k.name) !== k.wgsl).map((k) => k.name);
};

describe("'large' register tiles", () => {
  it('conv2d and conv_transpose2d with fused epilogues: 20 rows (a full and a partial 16-row tile) on 9×9 maps', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [6, 9, 9]);
    b.output('conv', b.add('tanh', [b.add('conv2d', [x, b.param('w', [20, 6, 3, 3]), b.param('bias', [20])], { stride: 1, padding: 1 })]));
    b.output('convT', b.add('elu', [b.add('conv_transpose2d', [x, b.param('wt', [6, 18, 3, 3])], { stride: 1, padding: 1 })]));
    expect(changedKernels(b.g).length).toBe(2);
    await expectAgreement(device, b, { batch: 3, lower: { tiles: 'large' } });
  });

  it('conv2d_grad_weight, 17–20 channels, with lanes over positions (16×16) and over channels (6×5)', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [17, 16, 16]);
    b.output('dw_pos', b.add('conv2d_grad_weight', [b.input('g', [20, 16, 16]), x], { stride: 1, padding: 1, kernel: [3, 3] }, false));
    const xc = b.input('xc', [18, 6, 5]);
    b.output('dw_ch', b.add('conv2d_grad_weight', [b.input('gc', [20, 6, 5]), xc], { stride: 1, padding: 1, kernel: [3, 3] }, false));
    expect(changedKernels(b.g).length).toBe(2);
    await expectAgreement(device, b, { batch: 2, lower: { tiles: 'large' } });
  });

  it('sdn_sweep scan with 8 positions per invocation, all four directions on a 9×11 map', async () => {
    const b = new GraphBuilder();
    const F = 5;
    for (const dir of [0, 1, 2, 3]) {
      const p = (n: string, s: number[]) => b.param(`s${dir}.${n}`, s);
      const x = b.input(`x${dir}`, [F, 9, 11]);
      b.output(`y${dir}`, b.add('sdn_sweep', [x, p('w_ih', [3 * F, 3 * F]), p('w_hh', [3 * F, F]), p('b_ih', [3 * F]), p('b_hh', [3 * F])], { direction: dir }));
    }
    expect(changedKernels(b.g).length).toBeGreaterThanOrEqual(4);
    await expectAgreement(device, b, { batch: 2, lower: { tiles: 'large' } });
  });
});
