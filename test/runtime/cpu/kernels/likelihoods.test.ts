import { describe, expect, it } from 'vitest';
import { bernoulliLogProb, dlLogProb } from '../../../../runtime/cpu/kernels/likelihoods.js';
import { dot, gradErr, numericGrad, rand } from '../../../support/gradcheck.js';
import { bernoulliLogProbBackward, dlLogProbBackward } from '../../../support/backward-kernels.js';

const sig = (v: number) => 1 / (1 + Math.exp(-v));

describe('dlLogProb', () => {
  it('matches a hand-computed value, including the mean clamp', () => {
    // nbits 8: bin 1/256; logscale log(0.1).
    const scale = 0.1, bin = 1 / 256;
    const term = (m: number, x: number) => Math.log(sig((x - m) / scale + bin / scale) - sig((x - m) / scale) + 1e-7);
    const mean = new Float64Array([0.1, 0.9]); // 0.9 is clamped to 0.5 − 1/512
    const x = new Float64Array([0.2, -0.3]);
    const got = dlLogProb(mean, Math.log(scale), x, [1, 2], 8);
    expect(got[0]).toBeCloseTo(term(0.1, 0.2) + term(0.5 - 1 / 512, -0.3), 12);
  });

  it('backward matches float64 finite differences for mean and logscale', () => {
    const shape = [2, 3, 2, 2];
    const mean = rand(24, 1, -0.6, 0.6); // some outside the clamp range
    const x = rand(24, 2, -0.5, 0.5);
    const g = rand(2, 3);
    const ls = new Float64Array([-1.3]);
    const f = () => dot(dlLogProb(mean, ls[0], x, shape, 5), g);
    const d = dlLogProbBackward(g, mean, ls[0], x, shape, 5);
    expect(gradErr(f, mean, d.dMean)).toBeLessThan(1e-7);
    expect(Math.abs(numericGrad(f, ls)[0] - d.dLogscale) / Math.abs(d.dLogscale)).toBeLessThan(1e-7);
    expect(d.dMean[mean.findIndex((m) => m > 0.5)]).toBe(0);
  });
});

describe('bernoulliLogProb', () => {
  it('matches x·log σ(l) + (1 − x)·log(1 − σ(l)) per image', () => {
    const logits = new Float64Array([0.5, -2, 3, 40]);
    const x = new Float64Array([1, 0, 0, 1]);
    const got = bernoulliLogProb(logits, x, [2, 2]);
    expect(got[0]).toBeCloseTo(Math.log(sig(0.5)) + Math.log(1 - sig(-2)), 12);
    expect(got[1]).toBeCloseTo(Math.log(1 - sig(3)) + Math.log(sig(40)), 12);
  });

  it('backward matches float64 finite differences', () => {
    const logits = rand(12, 4, -3, 3);
    const x = rand(12, 5).map((v) => (v > 0 ? 1 : 0));
    const g = rand(3, 6);
    const f = () => dot(bernoulliLogProb(logits, x, [3, 4]), g);
    expect(gradErr(f, logits, bernoulliLogProbBackward(g, logits, x, [3, 4]))).toBeLessThan(1e-7);
  });
});
