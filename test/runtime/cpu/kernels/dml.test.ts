import { describe, expect, it } from 'vitest';
import { dmlLogProb, dmlLogProbBackward } from '../../../../runtime/cpu/kernels/dml.js';
import type { Shape4 } from '../../../../runtime/cpu/kernels/util.js';
import { expectGolden, loadGolden } from '../../../support/golden.js';
import { dot, gradErr, rand } from '../../../support/gradcheck.js';

describe('dmlLogProb', () => {
  for (const name of ['dml_gray', 'dml_rgb']) {
    it(`matches the ${name} golden case (logp and grad.params)`, () => {
      const c = loadGolden(name);
      const { mix, nbits } = c.config;
      const shape = c.shape('x') as Shape4;
      const params = c.get('params');
      const x = c.get('x');
      expectGolden(c, {
        logp: dmlLogProb(params, x, shape, mix, nbits),
        'grad.params': dmlLogProbBackward(c.get('g_logp'), params, x, shape, mix, nbits),
      });
    });
  }

  it('single gray logistic in the interior equals log(σ(plus) − σ(min)) by hand', () => {
    // M = 1, C = 1: params [logit, mean, log_scale, coeff]; bin = 1/255.
    const mean = 0.1, ls = -2, xv = 0.2;
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    const inv = Math.exp(-ls);
    const want = Math.log(s(inv * (xv - mean + 1 / 255)) - s(inv * (xv - mean - 1 / 255)));
    const got = dmlLogProb(new Float64Array([0.3, mean, ls, 0.7]), new Float64Array([xv]), [1, 1, 1, 1], 1, 8);
    expect(got[0]).toBeCloseTo(want, 12);
    // At the edges only one CDF tail counts.
    const lo = dmlLogProb(new Float64Array([0, mean, ls, 0]), new Float64Array([-1]), [1, 1, 1, 1], 1, 8);
    expect(lo[0]).toBeCloseTo(Math.log(s(inv * (-1 - mean + 1 / 255))), 12);
    const hi = dmlLogProb(new Float64Array([0, mean, ls, 0]), new Float64Array([1]), [1, 1, 1, 1], 1, 8);
    expect(hi[0]).toBeCloseTo(Math.log(1 - s(inv * (1 - mean - 1 / 255))), 12);
  });

  for (const C of [1, 3]) {
    it(`backward matches float64 finite differences (C = ${C}, all branches)`, () => {
      const B = 2, M = 3, H = 3, W = 3, K = M + 3 * M * C;
      const shape: Shape4 = [B, C, H, W];
      const x = rand(B * C * H * W, 40 + C).map((v) => Math.round(((v + 1) / 2) * 255) / 127.5 - 1);
      x[0] = -1; // edge branches
      x[1] = 1;
      const params = rand(B * K * H * W, 50 + C, -1, 1);
      const HW = H * W;
      for (let m = 0; m < M; m++) {
        // pixel 2 of image 0: tiny scales and far means → the mid-bin density branch
        params[(M + m) * HW + 2] = x[2] > 0 ? -0.9 : 0.9;
        params[(2 * M + m) * HW + 2] = -6.5;
      }
      params[(2 * M) * HW + 3] = -8; // a clamped log-scale: zero gradient
      const g = rand(B, 60 + C);
      const f = () => dot(dmlLogProb(params, x, shape, M, 8), g);
      const d = dmlLogProbBackward(g, params, x, shape, M, 8);
      expect(d[(2 * M) * HW + 3]).toBe(0);
      expect(gradErr(f, params, d)).toBeLessThan(1e-7);
    });
  }

  it('rejects a wrong parameter count and unsupported channel counts', () => {
    expect(() => dmlLogProb(new Float32Array(10), new Float32Array(1), [1, 1, 1, 1], 3, 8)).toThrow(/params/);
    expect(() => dmlLogProb(new Float32Array(52), new Float32Array(4), [1, 4, 1, 1], 4, 8)).toThrow(/channels/);
  });
});
