import { describe, expect, it } from 'vitest';
import { initParams } from '../../../runtime/init.js';
import { cpuBackend, ModelSession } from '../../../runtime/session.js';
import { evaluateLikelihood } from '../../../runtime/train/evaluate.js';
import { dataset, syntheticImages, tinyModel } from './helpers.js';

describe('likelihood evaluation', () => {
  const model = tinyModel();
  const session = new ModelSession(model, cpuBackend);
  session.setParams(initParams(model.params, 5));
  const data = dataset(syntheticImages(6), 'synthetic');
  const elbo = (x: Float32Array, seed: number) => session.elbo(x, { seed });
  const opts = { likelihood: 'DML' as const, nbits: 8, batch: 4, seed: 0 };

  it('importance-weighted NLL with K samples is at most the −ELBO, in bits/dim', async () => {
    const r = (await evaluateLikelihood(elbo, data, { ...opts, k: 4 }))!;
    expect(r.images).toBe(6); // the last, partial batch counts too
    expect(r.nllBpd).toBeLessThan(r.elboBpd);
    expect(r.elboBpd - r.nllBpd).toBeLessThan(0.5);
    expect(r.klBpd).toBeGreaterThan(0);
  });

  it('with K = 1 the NLL estimate is the −ELBO, and fixed seeds make it reproducible', async () => {
    const a = (await evaluateLikelihood(elbo, data, opts))!;
    const b = (await evaluateLikelihood(elbo, data, opts))!;
    expect(a.nllBpd).toBe(a.elboBpd);
    expect(b).toEqual(a);
  });

  it('stops early when asked', async () => {
    expect(await evaluateLikelihood(elbo, data, { ...opts, shouldStop: () => true })).toBeUndefined();
  });
});
