import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildArtifact } from '../../../compiler/compile.js';
import { compileModel } from '../../../compiler/pipeline.js';
import { gradients } from '../../support/tape.js';
import { runGraph } from '../../../runtime/cpu/interpreter.js';
import { scaleBatch } from '../../../runtime/data/batches.js';
import { initParams } from '../../../runtime/init.js';
import { cpuBackend, noiseFor } from '../../../runtime/session.js';
import { loadCheckpoint, saveCheckpoint } from '../../../runtime/train/checkpoint-node.js';
import type { GradientEngine } from '../../../runtime/train/engine.js';
import { GraphGradientEngine } from '../../../runtime/train/graph-engine.js';
import { TrainingDiverged } from '../../../runtime/train/guard.js';
import { runTraining } from '../../../runtime/train/loop.js';
import { describeRecipe, presetFor, recipeDefaults, Trainer, type Recipe, type StepRecord } from '../../../runtime/train/trainer.js';
import { relErr } from '../../support/golden.js';
import { dataset, recipe, REPO, syntheticImages, tinyModel } from './helpers.js';

const model = tinyModel();
const train = dataset(syntheticImages(12), 'synthetic/train');
const test = dataset(syntheticImages(8, 99), 'synthetic/test');
const engine = new GraphGradientEngine(cpuBackend, model.graphs.train);
const dir = mkdtempSync(join(tmpdir(), 'sdn-trainer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const trainer = (r: Recipe, opts: { engine?: GradientEngine; state?: Trainer['state'] } = {}) =>
  new Trainer({ model, engine: opts.engine ?? engine, evalBackend: cpuBackend, train, test, recipe: r, state: opts.state });

async function steps(t: Trainer, n: number): Promise<StepRecord[]> {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await t.trainStep());
  return out;
}

describe('the differentiated graph on the CPU backend', () => {
  it('returns the ELBO graph\'s forward outputs and the tape\'s gradients of mean(loss)', async () => {
    const params = initParams(model.params, 3);
    const x = scaleBatch(syntheticImages(3), 'DML');
    const r = await engine.lossAndGrads(params, x, { seed: 11 });
    const env = { batch: 3, params, inputs: { x }, noise: noiseFor(11), scalars: { beta: 1 } };
    const fwd = runGraph(model.graphs.elbo.ir, env).outputs;
    // The training graph's forward half is the ELBO graph's nodes, run in the same order.
    expect(r.loss).toEqual(fwd.loss);
    expect(r.elbo).toEqual(fwd.elbo);
    expect(r.kl).toEqual(fwd.kl);
    // The backward half sums in another order than the tape: equal up to float32 round-off.
    const ref = gradients(model.graphs.elbo.ir, env, { loss: new Float32Array(3).fill(1 / 3) });
    expect([...r.grads.keys()]).toEqual([...ref.params.keys()]);
    for (const [k, v] of ref.params) expect(relErr(r.grads.get(k)!, v), k).toBeLessThan(1e-4);
  });
});

describe('trainer', () => {
  it('lowers the loss over 20 steps on a tiny model', async () => {
    const t = trainer(recipe({ batch: 4 }));
    const before = (await t.evaluate('raw'))!.elboBpd;
    const recs = await steps(t, 20);
    const mean = (r: StepRecord[]) => r.reduce((s, x) => s + x.loss, 0) / r.length;
    expect(mean(recs.slice(-5))).toBeLessThan(mean(recs.slice(0, 5)));
    expect((await t.evaluate('raw'))!.elboBpd).toBeLessThan(before - 0.1);
    expect(recs.every((r) => Number.isFinite(r.gradNorm) && r.lr === 0.002 * 0.999 ** r.epoch)).toBe(true);
    expect(recs[19].epoch).toBe(6); // 12 images, batch 4: 3 steps per epoch
    t.destroy();
  });

  it('resumed from a checkpoint, reproduces the uninterrupted run exactly', async () => {
    // lr decay 0.5 per epoch and a resume mid-epoch: data order, noise, optimizer and EMA must all be restored.
    const r = recipe({ batch: 5, lrDecay: 0.5 }); // 12 images: batches of 5, 5, 2
    const full = trainer(r);
    const expected = await steps(full, 8);
    const first = trainer(r);
    await steps(first, 4);
    const path = join(dir, 'resume.safetensors');
    await saveCheckpoint(path, first.state, first.wn.specs, { model: model.model, sourceSha256: 'x', recipe: r });
    const { state } = await loadCheckpoint(path, { sourceSha256: 'x', specs: () => first.wn.specs });
    const resumed = trainer(r, { state });
    const rest = await steps(resumed, 4);
    const strip = (x: StepRecord) => ({ ...x, seconds: 0 });
    expect(rest.map(strip)).toEqual(expected.slice(4).map(strip));
    for (const [k, v] of full.state.ema) expect(resumed.state.ema.get(k), k).toEqual(v);
    expect((await resumed.evaluate('ema'))!.elboBpd).toBe((await full.evaluate('ema'))!.elboBpd);
  });

  it('skips a non-finite step naming the tensor, and stops after 5 in a row leaving the last checkpoint intact', async () => {
    let calls = 0;
    const poisoned: GradientEngine = {
      describe: () => 'poisoned',
      async lossAndGrads(params, x, opts) {
        const r = await engine.lossAndGrads(params, x, opts);
        // Step 3 alone is bad; from step 6 every step is.
        if (++calls === 3 || calls >= 6) r.grads.get('ladder_layers.0.up_b.bias')![2] = NaN;
        return r;
      },
    };
    const t = trainer(recipe({ batch: 4, evalEvery: 2, evalImages: 4, steps: 20 }), { engine: poisoned });
    const path = join(dir, 'guard.safetensors');
    const records: StepRecord[] = [];
    let saved: Buffer | undefined, params: Map<string, Float32Array> | undefined;
    const run = runTraining(t, {
      onStep: (r) => {
        records.push(r);
        if (r.step === 2) params = new Map([...t.state.params].map(([k, v]) => [k, v.slice()]));
        if (r.step === 3) for (const [k, v] of t.state.params) expect(v, `${k} untouched by the skipped step`).toEqual(params!.get(k));
      },
      checkpoint: async (tr) => {
        await saveCheckpoint(path, tr.state, tr.wn.specs, { model: model.model, sourceSha256: 'x', recipe: tr.recipe });
        saved = readFileSync(path);
      },
    });
    await expect(run).rejects.toThrow(TrainingDiverged);
    expect(records[2].skipped).toMatch(/step 3: the gradient of 'ladder_layers\.0\.up_b\.bias' is NaN at element 2; step skipped/);
    expect(records.map((r) => !!r.skipped)).toEqual([false, false, true, false, false, true, true, true, true]);
    // Checkpoints at steps 2 and 4; none at 6 and 8 (bad steps), and the run died at step 10 without one.
    expect((await loadCheckpoint(path)).state.step).toBe(4);
    expect(readFileSync(path).equals(saved!)).toBe(true);
    expect(t.state.adamax.step).toBe(4); // the updates of steps 1, 2, 4 and 5
  });

  it('anneals β for β-VAE models and passes it to the loss', async () => {
    const c = compileModel(join(REPO, 'models/3dshapes-cnn.sdn'));
    const shapes = buildArtifact(c);
    const images = new Uint8Array(2 * 3 * 64 * 64).map((_, i) => (i * 37) % 256);
    const data = { images, count: 2, channels: 3, height: 64, width: 64, name: 'shapes' };
    const t = new Trainer({
      model: shapes, engine: new GraphGradientEngine(cpuBackend, shapes.graphs.train), evalBackend: cpuBackend, train: data, test: data,
      recipe: recipe({ batch: 2, betaFinal: 4, betaRate: 0.25, weightNorm: true }),
    });
    expect(t.usesBeta).toBe(true);
    // The authors train β-VAEs with plain Adamax (no weight norm, no EMA, no decay), density VAEs with all three.
    expect(recipeDefaults(shapes)).toMatchObject({ weightNorm: false, ema: 0, lrDecay: 1 });
    expect(recipeDefaults(model)).toMatchObject({ weightNorm: true, ema: 0.999, lrDecay: 0.999 });
    expect([presetFor(shapes), presetFor(model)]).toEqual(['beta-vae', 'density-vae']);
    expect(recipeDefaults(shapes, 'density-vae')).toMatchObject({ weightNorm: true, ema: 0.999, lrDecay: 0.999 });
    expect(describeRecipe(recipeDefaults(shapes))).toBe('no weight norm, no EMA, constant lr');
    expect(describeRecipe(recipeDefaults(model))).toBe('weight norm, EMA 0.999, lr ×0.999/epoch');
    const recs = await steps(t, 2);
    expect(recs.map((r) => r.beta)).toEqual([1, 2]);
    // loss = β·KL − log p(x|z) and −ELBO = KL − log p(x|z), so loss − (−ELBO) = (β − 1)·KL.
    const last = recs[1];
    expect(last.bpd - last.elboBpd).toBeCloseTo((2 - 1) * last.klBpd, 4);
    t.destroy();
  });
});
