// Shape-generic kernels on WebGPU against the CPU reference interpreter: sizes, offsets and
// strides are uniforms, so one shader serves many shapes. Each case builds the same graph at two
// shapes that are multiples of no tile (odd channel counts, non-square maps), asserts that both
// lower to the same WGSL, and runs each at batch 1 and 33 (the last case: kernels of one graph
// that share a text, each run). The register tiles are the ones
// `sdn train` ships (16-row conv and weight-gradient tiles, 8-column conv tiles, 8-position scan
// tiles), with partial tiles at every edge. No adapter: the tests fail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lowerGraph } from '../../../compiler/lower/index.js';
import { acquireDevice } from '../../../runtime/webgpu/device.js';
import { GraphBuilder } from '../../../bench/graph-builder.js';
import { expectAgreement } from './support.js';

let device: GPUDevice;
beforeAll(async () => {
  ({ device } = await acquireDevice());
});
afterAll(() => device?.destroy());

interface Shape {
  c: number;
  o: number;
  h: number;
  w: number;
}

/** Builds the case at both shapes; both lower to the same kernels, and each agrees at batch 1 and 33. */
async function sameKernels(build: (b: GraphBuilder, s: Shape) => void, shapes: [Shape, Shape]): Promise<void> {
  const [a, b] = shapes.map((s) => {
    const g = new GraphBuilder();
    build(g, s);
    return g;
  });
  const texts = (g: GraphBuilder) => lowerGraph(g.g).kernels.map((k) => k.wgsl);
  expect(texts(a)).toEqual(texts(b));
  expect(lowerGraph(a.g).kernels.map((k) => k.dims)).not.toEqual(lowerGraph(b.g).kernels.map((k) => k.dims));
  for (const g of [a, b]) for (const batch of [1, 33]) await expectAgreement(device, g, { batch });
}

describe('shape-generic kernels', () => {
  it('conv2d + tanh and conv_transpose2d + elu (fused epilogues) at 20 and 19 output channels on 9×8 and 7×11 maps', async () => {
    await sameKernels((b, s) => {
      const x = b.input('x', [s.c, s.h, s.w]);
      b.output('conv', b.add('tanh', [b.add('conv2d', [x, b.param('w', [s.o, s.c, 3, 3]), b.param('bias', [s.o])], { stride: 1, padding: 1 })]));
      b.output('convT', b.add('elu', [b.add('conv_transpose2d', [x, b.param('wt', [s.c, s.o - 2, 3, 3])], { stride: 1, padding: 1 })]));
    }, [{ c: 6, o: 20, h: 9, w: 8 }, { c: 5, o: 19, h: 7, w: 11 }]);
  });

  it('strided conv2d and phased conv_transpose2d (4×4, stride 2) on 18×16 and 16×20 maps', async () => {
    await sameKernels((b, s) => {
      const x = b.input('x', [s.c, s.h, s.w]);
      b.output('down', b.add('conv2d', [x, b.param('w', [s.o, s.c, 4, 4]), b.param('bias', [s.o])], { stride: 2, padding: 1 }));
      b.output('up', b.add('conv_transpose2d', [x, b.param('wt', [s.c, s.o, 4, 4]), b.param('bt', [s.o])], { stride: 2, padding: 1 }));
    }, [{ c: 3, o: 17, h: 18, w: 16 }, { c: 5, o: 18, h: 16, w: 20 }]);
  });

  it('conv2d_grad_weight with lanes over positions (17×16) and over channels (6×5), 17–21 channels', async () => {
    await sameKernels((b, s) => {
      const x = b.input('x', [s.c, 17, 16]);
      b.output('dw_pos', b.add('conv2d_grad_weight', [b.input('g', [s.o, 17, 16]), x], { stride: 1, padding: 1, kernel: [3, 3] }, false));
      const xc = b.input('xc', [s.c + 1, s.h, s.w]);
      b.output('dw_ch', b.add('conv2d_grad_weight', [b.input('gc', [s.o, s.h, s.w]), xc], { stride: 1, padding: 1, kernel: [3, 3] }, false));
    }, [{ c: 17, o: 20, h: 6, w: 5 }, { c: 19, o: 21, h: 5, w: 7 }]);
  });

  it('elementwise remaps (pad, crop, upsample, concat, channel slices) in one fused kernel', async () => {
    await sameKernels((b, s) => {
      const x = b.input('x', [s.c, s.h, s.w]);
      const up = b.add('upsample_nearest', [x], { factor: 2 });
      const padded = b.add('pad2d', [b.add('crop2d', [up], { crop: 1 })], { pad: 1 });
      const cat = b.add('concat_channels', [padded, b.add('exp', [up])]);
      b.output('y', b.add('mul', [b.add('slice_channels', [cat], { start: 1, size: s.c }), b.add('slice_channels', [cat], { start: s.c, size: s.c })]));
    }, [{ c: 3, o: 0, h: 5, w: 7 }, { c: 4, o: 0, h: 6, w: 3 }]);
  });

  it('sdn_sweep in all four directions, one scan kernel for all of them, on 9×11 and 6×13 maps', async () => {
    await sameKernels((b, s) => {
      for (const dir of [0, 1, 2, 3]) {
        const p = (n: string, sh: number[]) => b.param(`s${dir}.${n}`, sh);
        const F = s.c;
        const x = b.input(`x${dir}`, [F, s.h, s.w]);
        b.output(`y${dir}`, b.add('sdn_sweep', [x, p('w_ih', [3 * F, 3 * F]), p('w_hh', [3 * F, F]), p('b_ih', [3 * F]), p('b_hh', [3 * F])], { direction: dir }));
      }
    }, [{ c: 5, o: 0, h: 9, w: 11 }, { c: 6, o: 0, h: 6, w: 13 }]);
    const g = new GraphBuilder();
    for (const dir of [0, 1, 2, 3]) {
      const x = g.input(`x${dir}`, [5, 9, 11]);
      g.output(`y${dir}`, g.add('sdn_sweep', [x, g.param(`w${dir}`, [15, 15]), g.param(`h${dir}`, [15, 5]), g.param(`bi${dir}`, [15]), g.param(`bh${dir}`, [15])], { direction: dir }));
    }
    const scans = lowerGraph(g.g).kernels.filter((k) => k.name.startsWith('scan:'));
    expect(scans).toHaveLength(4);
    expect(new Set(scans.map((k) => k.wgsl)).size).toBe(1);
  });

  it('one conv kernel with or without a bias, whatever activation follows it, and a downsampled residual read as a plain one', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [6, 10, 12]);
    const conv = (name: string) => b.add('conv2d', [x, b.param(`${name}.w`, [7, 6, 3, 3]), b.param(`${name}.b`, [7])], { stride: 1, padding: 1 });
    b.output('plain', conv('a'));
    b.output('no bias', b.add('conv2d', [x, b.param('n.w', [7, 6, 3, 3])], { stride: 1, padding: 1 }));
    for (const act of ['tanh', 'sigmoid', 'elu', 'silu', 'softplus'] as const) b.output(act, b.add(act, [conv(act)]));
    // A stride-2 conv plus the input downsampled, against the same conv plus a map of its size.
    const half = (name: string) => b.add('conv2d', [x, b.param(`${name}.w`, [6, 6, 4, 4]), b.param(`${name}.b`, [6])], { stride: 2, padding: 1 });
    b.output('down', b.add('add', [half('d'), b.add('downsample_nearest', [b.input('full', [6, 11, 12])], { factor: 2 })]));
    b.output('same', b.add('add', [half('s'), b.input('r', [6, 5, 6])]));
    const p = lowerGraph(b.g);
    const convs = p.kernels.filter((k) => k.name.startsWith('conv2d'));
    expect(convs).toHaveLength(9);
    expect(new Set(convs.slice(0, 7).map((k) => k.wgsl)).size).toBe(1);
    expect(new Set(convs.slice(7).map((k) => k.wgsl)).size).toBe(1);
    for (const batch of [1, 3]) await expectAgreement(device, b, { batch });
  });

  it('add, sub and mul are one kernel, and so are chains that differ only in which of them they apply', async () => {
    const b = new GraphBuilder();
    const [x, y] = [b.input('x', [5, 7, 9]), b.input('y', [5, 7, 9])];
    for (const op of ['add', 'sub', 'mul'] as const) b.output(op, b.add(op, [x, y]));
    b.output('gate', b.add('mul', [b.add('sigmoid', [x]), b.add('sub', [y, x])]));
    b.output('other', b.add('add', [b.add('elu', [x]), b.add('mul', [y, x])]));
    const p = lowerGraph(b.g);
    expect(p.kernels).toHaveLength(5);
    expect(new Set(p.kernels.slice(0, 3).map((k) => k.wgsl)).size).toBe(1);
    expect(new Set(p.kernels.slice(3).map((k) => k.wgsl)).size).toBe(1);
    for (const batch of [1, 3]) await expectAgreement(device, b, { batch });
  });
});
