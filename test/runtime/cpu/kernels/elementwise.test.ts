import { describe, expect, it } from 'vitest';
import { elu, sigmoid, softplus, softplusScalar, tanh } from '../../../../runtime/cpu/kernels/elementwise.js';
import { dot, gradErr, rand } from '../../../support/gradcheck.js';
import { eluBackward, sigmoidBackward, softplusBackward, tanhBackward } from '../../../support/backward-kernels.js';

describe('elementwise', () => {
  it('computes the usual values and stays finite at extremes', () => {
    const x = new Float64Array([-800, -1, 0, 2, 800]);
    expect([...elu(x)]).toEqual([-1, Math.expm1(-1), 0, 2, 800]);
    expect([...sigmoid(x)]).toEqual([0, 1 / (1 + Math.E), 0.5, 1 / (1 + Math.exp(-2)), 1]);
    expect(softplusScalar(800)).toBe(800);
    expect(softplusScalar(-800)).toBe(0);
    expect(softplus(new Float32Array([0]))[0]).toBeCloseTo(Math.LN2, 6);
    expect(tanh(new Float32Array([1]))).toBeInstanceOf(Float32Array);
  });

  it('backward passes match float64 finite differences', () => {
    const x = rand(16, 1, -3, 3);
    const g = rand(16, 2);
    expect(gradErr(() => dot(elu(x), g), x, eluBackward(g, x))).toBeLessThan(1e-7);
    expect(gradErr(() => dot(sigmoid(x), g), x, sigmoidBackward(g, sigmoid(x)))).toBeLessThan(1e-7);
    expect(gradErr(() => dot(tanh(x), g), x, tanhBackward(g, tanh(x)))).toBeLessThan(1e-7);
    expect(gradErr(() => dot(softplus(x), g), x, softplusBackward(g, x))).toBeLessThan(1e-7);
  });
});
