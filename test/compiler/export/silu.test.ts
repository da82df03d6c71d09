// silu in the PyTorch export: 3dshapes-cnn with every relu made a silu, exported, agrees in
// float64 with the CPU interpreter at batch 1 on the same weights, input and noise (as the models
// in models.test.ts do).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportPytorch } from '../../../compiler/export/index.js';
import { allParams } from '../../../compiler/export/model-py.js';
import { compileModel } from '../../../compiler/pipeline.js';
import { scaleBatch } from '../../../runtime/data/batches.js';
import { runGraph } from '../../../runtime/cpu/interpreter.js';
import { initParams } from '../../../runtime/init.js';
import { numel, type IrGraph } from '../../../runtime/ir.js';
import { likelihoodOf } from '../../../runtime/likelihood.js';
import { saveSafetensorsFile } from '../../../runtime/safetensors-node.js';
import { noiseFor } from '../../../runtime/session.js';
import { relErr } from '../../support/golden.js';
import { runPython, torchPython } from '../../support/python.js';

const MODELS = resolve(import.meta.dirname, '../../../models');
const dir = mkdtempSync(join(tmpdir(), 'sdn-export-silu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!torchPython())('silu in the PyTorch export', () => {
  it('3dshapes-cnn with silu for relu: the exported module gives the interpreter\'s outputs', async () => {
    const lib = join(MODELS, 'lib/beta-vae.sdn');
    const source = readFileSync(lib, 'utf8').replaceAll('relu(', 'silu(');
    const compiled = compileModel(join(MODELS, '3dshapes-cnn.sdn'), { readFile: (p) => (p === lib ? source : readFileSync(p, 'utf8')) });
    const { elbo, sample } = compiled.graphs!;
    expect(elbo.nodes.filter((n) => n.op === 'silu').length).toBeGreaterThan(0);
    const out = join(dir, 'model');
    mkdirSync(out);
    const files = exportPytorch({ model: compiled.program!.model.name.name, sourcePath: 'models/3dshapes-cnn.sdn', sets: {}, elbo, sample });
    for (const [f, text] of Object.entries(files)) writeFileSync(join(out, f), text);
    expect(files['model.py']).toContain('F.silu(');

    const params = allParams(elbo, sample);
    const weights = initParams(params, 3);
    await saveSafetensorsFile(join(out, 'weights.safetensors'), new Map(params.map((p) => [p.torch, { shape: p.shape, data: weights.get(p.path)! }])));
    const input = elbo.inputs[0];
    const { kind, nbits } = likelihoodOf(elbo);
    const x = scaleBatch(Uint8Array.from({ length: numel(input.shape) }, (_, i) => (i * 97 + 13) % 256), kind, nbits);
    await saveSafetensorsFile(join(out, 'inputs.safetensors'), new Map([['x', { shape: [1, ...input.shape], data: x }]]));
    const run = (g: IrGraph, inputs: Record<string, Float32Array>, seed: number, scalars: Record<string, number>) =>
      runGraph(g, { batch: 1, params: weights, inputs, noise: noiseFor(seed), scalars, dtype: Float64Array }).outputs;
    const ours = { ...run(elbo, { [input.name]: x }, 7, { beta: 1 }), ...run(sample, {}, 9, { temperature: 0.8 }) };

    const compare = { weights: join(out, 'weights.safetensors'), inputs: join(out, 'inputs.safetensors'), noise_seed: 7, sample_seed: 9, temperature: 0.8 };
    writeFileSync(join(dir, 'cases.json'), JSON.stringify([{ name: 'silu', dir: out, compare }]));
    runPython([join(import.meta.dirname, 'models_check.py'), join(dir, 'cases.json'), join(dir, 'results.json')]);
    const r = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).silu;
    expect(r.error).toBeUndefined();
    for (const key of ['plain', 'wn']) {
      for (const [o, v] of Object.entries(ours)) expect(relErr(r[key][o], v), `${key}: ${o}`).toBeLessThanOrEqual(1e-6);
    }
  }, 300_000);
});
