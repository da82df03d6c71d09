import { describe, expect, it } from 'vitest';
import { gruCell } from '../../../../runtime/cpu/kernels/gru.js';
import { expectGolden, goldenGru, loadGolden } from '../../../support/golden.js';
import { dot, gradErr, rand } from '../../../support/gradcheck.js';
import { gruCellBackward } from '../../../support/backward-kernels.js';

describe('gruCell', () => {
  it('matches the gru_cell golden case, forward and backward', () => {
    const c = loadGolden('gru_cell');
    const p = goldenGru(c, 'gru.');
    const [N] = c.shape('x');
    const x = c.get('x');
    const h = c.get('h');
    const g = gruCellBackward(c.get('g_h_new'), x, h, N, p);
    expectGolden(c, {
      h_new: gruCell(x, h, N, p),
      'grad.x': g.dx,
      'grad.h': g.dh,
      'grad.gru.weight_ih': g.dwIh,
      'grad.gru.weight_hh': g.dwHh,
      'grad.gru.bias_ih': g.dbIh,
      'grad.gru.bias_hh': g.dbHh,
    });
  });

  it('backward matches float64 finite differences', () => {
    const N = 3, I = 4, H = 2;
    const x = rand(N * I, 1), h = rand(N * H, 2), gy = rand(N * H, 3);
    const p = { wIh: rand(3 * H * I, 4), wHh: rand(3 * H * H, 5), bIh: rand(3 * H, 6), bHh: rand(3 * H, 7) };
    const f = () => dot(gruCell(x, h, N, p), gy);
    const g = gruCellBackward(gy, x, h, N, p);
    const errs = [
      gradErr(f, x, g.dx), gradErr(f, h, g.dh), gradErr(f, p.wIh, g.dwIh),
      gradErr(f, p.wHh, g.dwHh), gradErr(f, p.bIh, g.dbIh), gradErr(f, p.bHh, g.dbHh),
    ];
    for (const e of errs) expect(e).toBeLessThan(1e-7);
  });

  it('rejects inconsistent shapes', () => {
    const p = { wIh: new Float32Array(18), wHh: new Float32Array(12), bIh: new Float32Array(6), bHh: new Float32Array(6) };
    expect(() => gruCell(new Float32Array(5), new Float32Array(2), 1, p)).toThrow(/x: expected 3 elements/);
  });
});
