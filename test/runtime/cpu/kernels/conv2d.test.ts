import { describe, expect, it } from 'vitest';
import { conv2d, conv2dOutputShape, convMask } from '../../../../runtime/cpu/kernels/conv2d.js';
import type { Shape4 } from '../../../../runtime/cpu/kernels/util.js';
import { dot, gradErr, rand } from '../../../support/gradcheck.js';
import { conv2dBackward } from '../../../support/backward-kernels.js';

describe('convMask', () => {
  it('type A zeroes the centre and after, type B keeps the centre', () => {
    expect([...convMask('A', 1, 1, 3, 3)]).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect([...convMask('B', 1, 1, 3, 3)]).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0]);
    expect([...convMask('B', 2, 1, 1, 3)]).toEqual([1, 1, 0, 1, 1, 0]);
  });
});

describe('conv2d', () => {
  it('computes a hand-checked 3x3 convolution with padding and bias', () => {
    // x = 1..9 on a 3x3 map, one 3x3 all-ones kernel: sums of 3x3 neighbourhoods.
    const x = Float32Array.from({ length: 9 }, (_, i) => i + 1);
    const { y, shape } = conv2d(x, [1, 1, 3, 3], new Float32Array(9).fill(1), [1, 1, 3, 3], new Float32Array([0.5]), 1, 1);
    expect(shape).toEqual([1, 1, 3, 3]);
    expect([...y]).toEqual([12, 21, 16, 27, 45, 33, 24, 39, 28].map((v) => v + 0.5));
    expect(y).toBeInstanceOf(Float32Array);
  });

  it('applies stride and the mask', () => {
    const x = Float32Array.from({ length: 16 }, (_, i) => i); // 4x4
    const w = new Float32Array(9).fill(1);
    const { y, shape } = conv2d(x, [1, 1, 4, 4], w, [1, 1, 3, 3], null, 2, 1, convMask('A', 1, 1, 3, 3));
    expect(shape).toEqual([1, 1, 2, 2]);
    // x(r, c) = 4r + c. Output (oy, ox) is centred on x(2oy, 2ox); mask A keeps the row above and the
    // pixel to the left: y(1,0) = x(1,0) + x(1,1) + x(2,-1)=pad = 9, y(1,1) = 5 + 6 + 7 + x(2,1) = 27.
    expect([...y]).toEqual([0, 1, 9, 27]);
  });

  it('output shape follows floor((H + 2p − k)/s) + 1 and rejects channel mismatch', () => {
    expect(conv2dOutputShape([2, 3, 8, 6], [5, 3, 4, 4], 2, 1)).toEqual([2, 5, 4, 3]);
    expect(() => conv2dOutputShape([2, 3, 8, 6], [5, 2, 4, 4], 2, 1)).toThrow(/input channels/);
  });

  for (const [label, xShape, wShape, stride, pad, mask] of [
    ['3x3 pad 1', [2, 3, 5, 4], [4, 3, 3, 3], 1, 1, null],
    ['4x4 stride 2', [1, 2, 6, 5], [3, 2, 4, 4], 2, 1, null],
    ['masked B 3x3', [2, 2, 4, 3], [3, 2, 3, 3], 1, 1, 'B'],
    ['masked A 3x3', [1, 3, 3, 4], [2, 3, 3, 3], 1, 1, 'A'],
  ] as [string, Shape4, Shape4, number, number, 'A' | 'B' | null][]) {
    it(`backward matches float64 finite differences (${label})`, () => {
      const x = rand(xShape.reduce((a, d) => a * d), 1);
      const w = rand(wShape.reduce((a, d) => a * d), 2);
      const b = rand(wShape[0], 3);
      const m = mask ? convMask(mask, ...wShape) : null;
      const outShape = conv2dOutputShape(xShape, wShape, stride, pad);
      const g = rand(outShape.reduce((a, d) => a * d), 4);
      const f = () => dot(conv2d(x, xShape, w, wShape, b, stride, pad, m).y, g);
      const d = conv2dBackward(g, x, xShape, w, wShape, stride, pad, m);
      expect(gradErr(f, x, d.dx)).toBeLessThan(1e-8);
      expect(gradErr(f, w, d.dw)).toBeLessThan(1e-8);
      expect(gradErr(f, b, d.dbias)).toBeLessThan(1e-8);
      if (m) expect(d.dw.every((v, i) => m[i] !== 0 || v === 0)).toBe(true);
    });
  }
});
