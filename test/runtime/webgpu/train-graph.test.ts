// Differentiated graphs (compiler/autodiff) on WebGPU against the CPU interpreter: every op's
// gradient rule lowered to fused kernels (the op cases of test/support/op-cases.ts, seeded at
// every output, gradients w.r.t. parameters and differentiable inputs), and a whole β-VAE
// training graph through the GradientEngine both backends share.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differentiate } from '../../../compiler/autodiff/differentiate.js';
import { buildArtifact } from '../../../compiler/compile.js';
import { eliminateDeadCode } from '../../../compiler/ir/dce.js';
import { compileModel } from '../../../compiler/pipeline.js';
import { initParams } from '../../../runtime/init.js';
import { cpuBackend } from '../../../runtime/session.js';
import { gradOutput, numel, seedInput } from '../../../runtime/ir.js';
import { GraphGradientEngine } from '../../../runtime/train/graph-engine.js';
import { createWebGpuBackend } from '../../../runtime/webgpu/backend.js';
import { acquireDevice, type AcquiredDevice } from '../../../runtime/webgpu/device.js';
import { relErr } from '../../support/golden.js';
import { OP_CASES } from '../../support/op-cases.js';
import { compareOnDevice, fill, worst } from './support.js';

let gpu: AcquiredDevice;
beforeAll(async () => {
  gpu = await acquireDevice();
});
afterAll(() => gpu?.device.destroy());

describe('differentiated op cases on WebGPU', () => {
  it.each(OP_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const wrt = c.graph.inputs.map((i) => i.name).filter((n) => !c.data?.includes(n));
    const g = eliminateDeadCode(differentiate(c.graph, { seeds: c.graph.outputs.map((o) => o.name), inputs: wrt }));
    const batch = c.batch ?? 2;
    const inputs: Record<string, Float32Array> = {};
    g.inputs.forEach((i, k) => {
      const [lo, hi] = i.name.startsWith('seed:') ? [-1, 1] : c.ranges?.[i.name] ?? [-1, 1];
      inputs[i.name] = fill(batch * numel(i.shape), 11 + k, lo, hi);
    });
    const r = await compareOnDevice(gpu.device, g, { batch, inputs, paramRange: (p) => c.ranges?.[p] ?? [-1, 1] });
    expect(Object.keys(r.errors).filter((n) => n.startsWith('grad:')).length).toBeGreaterThan(0);
    expect(worst(r.errors), JSON.stringify(r.errors)).toBeLessThanOrEqual(1e-4);
  });
});

describe('a whole training graph', () => {
  it('3dshapes-cnn: loss and every parameter gradient of mean(loss) equal the CPU interpreter\'s run of the same graph', async () => {
    const model = buildArtifact(compileModel(join(import.meta.dirname, '../../../models/3dshapes-cnn.sdn')));
    const params = initParams(model.params, 0);
    const x = fill(2 * numel(model.graphs.elbo.inputs[0].shape), 5, -0.5, 0.5);
    const engine = new GraphGradientEngine(await createWebGpuBackend(gpu), model.graphs.train);
    const a = await engine.lossAndGrads(params, x, { seed: 5, beta: 1 });
    engine.destroy();
    const b = await new GraphGradientEngine(cpuBackend, model.graphs.train).lossAndGrads(params, x, { seed: 5, beta: 1 });
    expect(relErr(a.loss, b.loss)).toBeLessThan(1e-5);
    expect(relErr(a.kl, b.kl)).toBeLessThan(1e-4);
    expect(model.graphs.train.inputs.map((i) => i.name)).toContain(seedInput('loss'));
    for (const p of model.params) {
      expect(model.graphs.train.outputs.some((o) => o.name === gradOutput(p.path)), p.path).toBe(true);
      expect(relErr(a.grads.get(p.path)!, b.grads.get(p.path)!), p.path).toBeLessThan(1e-4);
    }
  });
});
