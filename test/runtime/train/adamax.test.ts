import { describe, expect, it } from 'vitest';
import { Adamax } from '../../../runtime/train/adamax.js';
import { exponentialLr, nextBeta, noiseSeed } from '../../../runtime/train/schedule.js';

const close = (a: ArrayLike<number>, b: number[], rel = 1e-6) =>
  b.forEach((v, i) => expect(Math.abs(a[i] - v)).toBeLessThanOrEqual(rel * Math.max(1e-3, Math.abs(v))));

describe('Adamax', () => {
  it('matches two PyTorch Adamax steps computed by hand (lr 0.002, betas 0.9/0.999, eps 1e-8)', () => {
    const p = new Map([['w', Float32Array.from([1, -2, 0.5, 0])]]);
    const opt = new Adamax(p);
    // Step 1: m = 0.1 g, u = |g| + eps, θ −= lr/(1 − 0.9) · m/u.
    opt.update(p, new Map([['w', Float32Array.from([0.1, -0.2, 0, 3])]]), 0.002);
    const u1 = [0.1 + 1e-8, 0.2 + 1e-8, 1e-8, 3 + 1e-8];
    const p1 = [1 - (0.02 * 0.01) / u1[0], -2 + (0.02 * 0.02) / u1[1], 0.5, -(0.02 * 0.3) / u1[3]];
    close(p.get('w')!, p1);
    close(opt.state.m.get('w')!, [0.01, -0.02, 0, 0.3]);
    close(opt.state.u.get('w')!, u1);
    // Step 2: m = 0.9 m + 0.1 g, u = max(0.999 u, |g| + eps), bias correction 1 − 0.9².
    opt.update(p, new Map([['w', Float32Array.from([0.1, 0.2, 0, -1])]]), 0.002);
    const m2 = [0.019, 0.002, 0, 0.17];
    const u2 = [0.1 + 1e-8, 0.2 + 1e-8, 1e-8, 0.999 * (3 + 1e-8)];
    const clr = 0.002 / (1 - 0.81);
    close(p.get('w')!, p1.map((v, i) => v - (clr * m2[i]) / u2[i]));
    close(opt.state.m.get('w')!, m2);
    close(opt.state.u.get('w')!, u2);
    expect(opt.state.step).toBe(2);
  });

  it('names a parameter without a gradient', () => {
    const p = new Map([['a', new Float32Array(2)]]);
    expect(() => new Adamax(p).update(p, new Map(), 0.1)).toThrow(/no gradient for parameter 'a'/);
  });
});

describe('schedules', () => {
  it('decays the learning rate once per epoch (ExponentialLR)', () => {
    expect(exponentialLr(0.002, 0.999, 0)).toBe(0.002);
    expect(exponentialLr(0.002, 0.5, 3)).toBeCloseTo(0.00025, 12);
  });

  it('anneals β as the authors: min(final, β + rate·final) before every step, from 0', () => {
    let beta = 0;
    const seen = [];
    for (let i = 0; i < 5; i++) seen.push((beta = nextBeta(beta, 0.25, 4)));
    expect(seen).toEqual([1, 2, 3, 4, 4]);
    expect(nextBeta(0, 1, 1)).toBe(1); // rate 1: no annealing
  });

  it('gives distinct, reproducible noise seeds per purpose and step', () => {
    const seeds = new Set([0, 1, 2, 3].flatMap((s) => (['train', 'eval', 'sample'] as const).map((p) => noiseSeed(7, p, s))));
    expect(seeds.size).toBe(12);
    expect(noiseSeed(7, 'train', 3)).toBe(noiseSeed(7, 'train', 3));
  });
});
