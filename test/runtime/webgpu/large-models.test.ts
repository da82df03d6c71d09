// The large models of models/ in their real configurations, WebGPU against the CPU interpreter at
// batch 1, slice by slice (slice.ts). Whole, they are out of reach of CI on a 2-core lavapipe
// machine: the CPU interpreter needs minutes per image (cifar10-cnn's ELBO graph, 37 GFLOP: 105 s
// measured; celebahq256-sdn's: 2 TFLOP), and lavapipe compiles every distinct kernel at its first
// dispatch (10-45 s each for a conv or scan kernel; each model has 80-200 distinct kernels).
// Each model is checked on:
//   - the ELBO graph's 16→8 ladder layer, both passes: the encoder's downsampling residual
//     blocks, the SDN layers at both scales (real widths, features and directions), the IAF
//     posterior, the prior, the KL with free bits and the decoder's transposed convolution;
//   - the ELBO graph's head, everything after the last convolution: the gated residual, the
//     discretized logistic mixture likelihood at full resolution (real mixtures and bits), the
//     KL sums, ELBO and loss;
//   - the sample graph's head: the likelihood's mode, the image a sample shows.
// A 16→8 layer has the same shapes outside its SDN layers in every model, so the four models share
// most kernels and the file compiles 64 distinct ones (about 11 min of CPU on a cold shader cache,
// under a minute on a warm one). The test asserts that every kernel a slice runs is byte-identical
// to a kernel of the whole model's program: these are the model's own kernels on its own shapes,
// with random values where the slice is cut from the rest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../../compiler/pipeline.js';
import { lowerGraph } from '../../../compiler/lower/index.js';
import { numel, type IrGraph, type IrNode } from '../../../runtime/ir.js';
import { acquireDevice } from '../../../runtime/webgpu/device.js';
import { inHead, inModules, sliceGraph } from './slice.js';
import { compareOnDevice, worst } from './support.js';

let device: GPUDevice;
beforeAll(async () => {
  ({ device } = await acquireDevice());
});
afterAll(() => device?.destroy());

type Select = (g: IrGraph) => (n: IrNode) => boolean;

/** The ladder layer that downsamples from 16×16 to 8×8. */
const layer16to8: Select = (g) => {
  const l = g.layers.find((l) => /^ladder_layers\.\d+$/.test(l.path) && l.attrs.down === true && l.outShape?.[1] === 16);
  if (!l) throw new Error('no ladder layer downsamples from 16×16');
  return inModules(g, [l.path]);
};

const graphs = new Map<string, { elbo: IrGraph; sample: IrGraph }>();
function graphOf(model: string, mode: 'elbo' | 'sample'): IrGraph {
  if (!graphs.has(model)) {
    const c = compileModel(`models/${model}.sdn`);
    if (!c.graphs) throw new Error(`${model}: ${c.diagnostics.map((d) => d.message).join('; ')}`);
    graphs.set(model, c.graphs);
  }
  return graphs.get(model)![mode];
}

async function check(model: string, mode: 'elbo' | 'sample', what: string, select: Select) {
  const g = graphOf(model, mode);
  const slice = sliceGraph(g, select(g));
  const whole = new Set(lowerGraph(g).kernels.map((k) => k.wgsl));
  const foreign = lowerGraph(slice).kernels.filter((k) => !whole.has(k.wgsl)).map((k) => k.name);
  expect(foreign, `${model} ${mode} ${what}: kernels the whole model's program does not have`).toEqual([]);
  // Uniform weights of the scale of the authors' initialization (±√(3/fan-in)), cheap to draw.
  const bound = new Map(slice.params.map((p) => [p.path, Math.sqrt(3 / (p.shape.length > 1 ? numel(p.shape) / p.shape[0] : numel(p.shape)))]));
  const { program, errors } = await compareOnDevice(device, slice, {
    batch: 1, seed: 5, scalars: { beta: 1, temperature: 0.9 }, paramRange: (p) => [-bound.get(p)!, bound.get(p)!],
  });
  const distinct = new Set(program.kernels.map((k) => k.wgsl)).size;
  console.log(`[webgpu] ${model} ${mode} ${what}: ${slice.nodes.length} IR nodes → ${program.kernels.length} kernels (${distinct} distinct, all in the model's program); max rel err ${worst(errors).toExponential(2)}`);
  expect(Object.keys(errors).length).toBeGreaterThan(0);
  for (const [k, e] of Object.entries(errors)) expect(e, `${model} ${mode} ${what} ${k}: rel err ${e}`).toBeLessThanOrEqual(1e-4);
}

// The first slice compiles most of the shared kernels: minutes on a cold shader cache.
const slow = 1_200_000;

describe.each(['cifar10-sdn', 'cifar10-cnn', 'imagenet32-sdn', 'celebahq256-sdn'])('%s, real configuration, WebGPU vs the CPU interpreter (batch 1)', (model) => {
  it('ELBO graph: the 16→8 ladder layer', () => check(model, 'elbo', '16→8 layer', layer16to8), slow);
  it('ELBO graph: the head after the last convolution', () => check(model, 'elbo', 'head', inHead), slow);
  it('sample graph: the head after the last convolution', () => check(model, 'sample', 'head', inHead), slow);
});
