// Whole models on WebGPU against the CPU reference interpreter at batch 2, with the authors'
// (seeded, random) initialization and the same noise on both executors: the ELBO and sample
// graphs of the small models (fmnist-sdn, fmnist-cnn, 3dshapes-sdn, 3dshapes-cnn). The large ones
// are checked slice by slice in large-models.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../../compiler/pipeline.js';
import { lowerGraph } from '../../../compiler/lower/index.js';
import { runGraph } from '../../../runtime/cpu/interpreter.js';
import { initParams } from '../../../runtime/init.js';
import { numel, type IrGraph } from '../../../runtime/ir.js';
import { normals } from '../../../runtime/rng/philox.js';
import { noiseFor } from '../../../runtime/session.js';
import { acquireDevice } from '../../../runtime/webgpu/device.js';
import { createExecutor } from '../../../runtime/webgpu/executor.js';
import { relErr } from '../../support/golden.js';
import { fill } from './support.js';

let device: GPUDevice;
beforeAll(async () => {
  ({ device } = await acquireDevice());
});
afterAll(() => device?.destroy());

const batch = 2;

function setup(model: string, mode: 'elbo' | 'sample') {
  const c = compileModel(`models/${model}.sdn`);
  if (!c.graphs) throw new Error(`${model}: ${c.diagnostics.map((d) => d.message).join('; ')}`);
  const g: IrGraph = c.graphs[mode];
  const params = initParams(c.graphs.elbo.params, 11);
  const inputs: Record<string, Float32Array> = {};
  // Images scaled as the likelihoods expect: [−1, 1] for DML, [−0.5, 0.5] for DL.
  for (const i of g.inputs) inputs[i.name] = fill(batch * numel(i.shape), 5, model.startsWith('3dshapes') ? -0.5 : -1, model.startsWith('3dshapes') ? 0.5 : 1);
  return { g, params, inputs, scalars: { beta: 4, temperature: 0.9 } };
}

async function compare(model: string, mode: 'elbo' | 'sample', noise: 'philox' | 'given') {
  const { g, params, inputs, scalars } = setup(model, mode);
  const seed = 2024;
  const given: Record<string, Float32Array> = {};
  const noiseFn = noise === 'philox' ? noiseFor(seed) : (stream: string, shape: number[], b: number) =>
    (given[stream] ??= normals(99, stream.length, 0, b * numel(shape)).map((v) => v * 0.5));
  const cpu = runGraph(g, { batch, params, inputs, scalars, noise: noiseFn }).outputs;
  const program = lowerGraph(g);
  const ex = await createExecutor(device, program, { batch });
  try {
    ex.setParams(params);
    const gpu = await ex.run({ inputs, scalars, seed, ...(noise === 'given' ? { noise: given } : {}) });
    const errors = Object.fromEntries(Object.keys(cpu).map((k) => [k, relErr(gpu[k], cpu[k])]));
    const max = Math.max(...Object.values(errors).map((e) => (Number.isNaN(e) ? Infinity : e)));
    console.log(`[webgpu] ${model} ${mode} (${noise} noise): ${g.nodes.length} IR nodes → ${program.kernels.length} kernels; max rel err ${max.toExponential(2)}`);
    for (const [k, e] of Object.entries(errors)) expect(e, `${model} ${mode} ${k}: rel err ${e}`).toBeLessThanOrEqual(1e-4);
    expect(Object.keys(gpu).sort()).toEqual(Object.keys(cpu).sort());
  } finally {
    ex.destroy();
  }
}

// Each case compiles 10–160 kernels on a 2-core software rasterizer: generous timeouts.
const slow = 600_000;

describe('whole models, WebGPU vs the CPU interpreter (batch 2)', () => {
  it('fmnist-sdn ELBO', () => compare('fmnist-sdn', 'elbo', 'philox'), slow);
  it('fmnist-cnn ELBO, with caller-supplied noise', () => compare('fmnist-cnn', 'elbo', 'given'), slow);
  it('3dshapes-sdn ELBO', () => compare('3dshapes-sdn', 'elbo', 'philox'), slow);
  it('3dshapes-cnn ELBO', () => compare('3dshapes-cnn', 'elbo', 'philox'), slow);
  it('fmnist-sdn samples', () => compare('fmnist-sdn', 'sample', 'philox'), slow);
  it('fmnist-cnn samples', () => compare('fmnist-cnn', 'sample', 'philox'), slow);
  it('3dshapes-sdn samples', () => compare('3dshapes-sdn', 'sample', 'philox'), slow);
  it('3dshapes-cnn samples', () => compare('3dshapes-cnn', 'sample', 'philox'), slow);
});
