// runTraining's schedule of evaluations.
import { describe, expect, it } from 'vitest';
import { GraphGradientEngine } from '../../../runtime/train/graph-engine.js';
import { runTraining } from '../../../runtime/train/loop.js';
import { Trainer, type EvalRecord } from '../../../runtime/train/trainer.js';
import { cpuBackend } from '../../../runtime/session.js';
import { dataset, recipe, syntheticImages, tinyModel } from './helpers.js';

describe('training loop', () => {
  it('evaluates once at step 0 with evalRaw (the EMA is the raw weights), twice after', async () => {
    const model = tinyModel();
    const t = new Trainer({
      model, engine: new GraphGradientEngine(cpuBackend, model.graphs.train), evalBackend: cpuBackend,
      train: dataset(syntheticImages(12), 'synthetic/train'), test: dataset(syntheticImages(8, 99), 'synthetic/test'),
      recipe: recipe({ batch: 4, evalEvery: 1, evalImages: 8, evalRaw: true, steps: 1 }),
    });
    const records: EvalRecord[] = [];
    const steps: number[] = [];
    await runTraining(t, { onEval: (r) => void records.push(r), onStep: (r) => void steps.push(r.step) });
    expect(steps).toEqual([1]);
    expect(records.map((r) => `${r.weights}@${r.step}`)).toEqual(['ema@0', 'raw@0', 'ema@1', 'raw@1']);
    expect(records[1].elboBpd).toBe(records[0].elboBpd);
    expect(records[1].seconds).toBe(0);
    expect(records[3].seconds).toBeGreaterThan(0);
    expect(records[3].elboBpd).not.toBe(records[2].elboBpd);
    t.destroy();
  });

  it('trains without an onStep hook', async () => {
    const model = tinyModel();
    const t = new Trainer({
      model, engine: new GraphGradientEngine(cpuBackend, model.graphs.train), evalBackend: cpuBackend,
      train: dataset(syntheticImages(12), 'synthetic/train'), test: dataset(syntheticImages(8, 99), 'synthetic/test'),
      recipe: recipe({ batch: 4, evalEvery: 1, evalImages: 8, steps: 2 }),
    });
    const records: EvalRecord[] = [];
    expect(await runTraining(t, { onEval: (r) => void records.push(r) })).toBe('done');
    expect(t.state.step).toBe(2);
    expect(records.map((r) => r.step)).toEqual([0, 1, 2]);
    t.destroy();
  });
});
