import { describe, expect, it } from 'vitest';
import { linear, linearBackward } from '../../../../runtime/cpu/kernels/linear.js';
import { dot, gradErr, rand } from '../../../support/gradcheck.js';

describe('linear', () => {
  it('computes x·wᵀ + b in the PyTorch [out, in] layout', () => {
    const x = new Float32Array([1, 2, 3, 4, 5, 6]); // [2, 3]
    const w = new Float32Array([1, 0, -1, 0.5, 0.5, 0.5]); // [2, 3]
    expect([...linear(x, 2, 3, w, 2, new Float32Array([10, 20]))]).toEqual([8, 23, 8, 27.5]);
    expect([...linear(x, 2, 3, w, 2, null)]).toEqual([-2, 3, -2, 7.5]);
  });

  it('backward matches float64 finite differences', () => {
    const N = 3, inF = 4, outF = 5;
    const x = rand(N * inF, 1), w = rand(outF * inF, 2), b = rand(outF, 3), g = rand(N * outF, 4);
    const f = () => dot(linear(x, N, inF, w, outF, b), g);
    const d = linearBackward(g, x, N, inF, w, outF);
    expect(gradErr(f, x, d.dx)).toBeLessThan(1e-8);
    expect(gradErr(f, w, d.dw)).toBeLessThan(1e-8);
    expect(gradErr(f, b, d.dbias)).toBeLessThan(1e-8);
  });
});
