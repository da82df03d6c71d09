import { describe, expect, it } from 'vitest';
import { conv2d } from '../../../../runtime/cpu/kernels/conv2d.js';
import { convTranspose2d, convTranspose2dOutputShape } from '../../../../runtime/cpu/kernels/conv-transpose2d.js';
import type { Shape4 } from '../../../../runtime/cpu/kernels/util.js';
import { dot, gradErr, rand } from '../../../support/gradcheck.js';
import { convTranspose2dBackward } from '../../../support/backward-kernels.js';

const CASES: [string, Shape4, Shape4, number, number][] = [
  ['4x4 stride 2 pad 1 (upsample)', [2, 3, 3, 4], [3, 2, 4, 4], 2, 1],
  ['3x3 stride 1 pad 1', [1, 2, 4, 3], [2, 3, 3, 3], 1, 1],
];

describe('convTranspose2d', () => {
  it('output size is (H − 1)·s − 2p + k', () => {
    expect(convTranspose2dOutputShape([2, 4, 4, 5], [4, 3, 4, 4], 2, 1)).toEqual([2, 3, 8, 10]);
  });

  it('scatters each input pixel through the kernel (hand-checked)', () => {
    // One input pixel of value 2 at (0,0), 2x2 kernel [1,2;3,4], stride 2, no padding → 2x2 output = 2·kernel.
    const { y } = convTranspose2d(new Float32Array([2]), [1, 1, 1, 1], new Float32Array([1, 2, 3, 4]), [1, 1, 2, 2], new Float32Array([1]), 2, 0);
    expect([...y]).toEqual([3, 5, 7, 9]);
  });

  for (const [label, xShape, wShape, stride, pad] of CASES) {
    it(`is the adjoint of conv2d with the same weights (${label})`, () => {
      const x = rand(xShape.reduce((a, d) => a * d), 1);
      const w = rand(wShape.reduce((a, d) => a * d), 2);
      const { y, shape } = convTranspose2d(x, xShape, w, wShape, null, stride, pad);
      const v = rand(y.length, 3);
      // conv2d reads w [C_in, C_out, k, k] as [O = C_in, C = C_out, k, k].
      const back = conv2d(v, shape, w, wShape, null, stride, pad);
      expect(back.shape).toEqual(xShape);
      expect(Math.abs(dot(y, v) - dot(x, back.y))).toBeLessThan(1e-12 * Math.abs(dot(y, v)) + 1e-12);
    });

    it(`backward matches float64 finite differences (${label})`, () => {
      const x = rand(xShape.reduce((a, d) => a * d), 4);
      const w = rand(wShape.reduce((a, d) => a * d), 5);
      const b = rand(wShape[1], 6);
      const outShape = convTranspose2dOutputShape(xShape, wShape, stride, pad);
      const g = rand(outShape.reduce((a, d) => a * d), 7);
      const f = () => dot(convTranspose2d(x, xShape, w, wShape, b, stride, pad).y, g);
      const d = convTranspose2dBackward(g, x, xShape, w, wShape, stride, pad);
      expect(gradErr(f, x, d.dx)).toBeLessThan(1e-8);
      expect(gradErr(f, w, d.dw)).toBeLessThan(1e-8);
      expect(gradErr(f, b, d.dbias)).toBeLessThan(1e-8);
    });
  }
});
