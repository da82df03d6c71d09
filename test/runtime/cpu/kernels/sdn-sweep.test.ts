import { describe, expect, it } from 'vitest';
import { type GruWeights, gruCell } from '../../../../runtime/cpu/kernels/gru.js';
import { type SweepDirection, sdnSweep } from '../../../../runtime/cpu/kernels/sdn-sweep.js';
import type { Shape4 } from '../../../../runtime/cpu/kernels/util.js';
import { expectGolden, goldenGru, loadGolden, relErr } from '../../../support/golden.js';
import { dot, gradErr, rand } from '../../../support/gradcheck.js';
import { sdnSweepBackward } from '../../../support/backward-kernels.js';

const DIRS: SweepDirection[] = [0, 1, 2, 3];

/** Direct transcription of the definition in image coordinates, one GRU call per position. */
function naiveSweep(x: Float64Array, shape: Shape4, p: GruWeights, dir: SweepDirection): Float64Array {
  const [B, F, H, W] = shape;
  const y = Float64Array.from(x);
  const cols = dir < 2; // lines are columns for directions 0 and 1
  const L = cols ? W : H;
  const P = cols ? H : W;
  const at = (b: number, f: number, line: number, i: number) =>
    cols ? ((b * F + f) * H + i) * W + line : ((b * F + f) * H + line) * W + i;
  const forward = dir === 0 || dir === 2;
  for (let k = 1; k < L; k++) {
    const d = forward ? k : L - 1 - k;
    const prev = forward ? d - 1 : d + 1;
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < P; i++) {
        const u = new Float64Array(3 * F);
        for (let n = 0; n < 3; n++) {
          const q = i - 1 + n;
          if (q >= 0 && q < P) for (let f = 0; f < F; f++) u[n * F + f] = y[at(b, f, prev, q)];
        }
        const h = new Float64Array(F);
        for (let f = 0; f < F; f++) h[f] = x[at(b, f, d, i)];
        const out = gruCell(u, h, 1, p);
        for (let f = 0; f < F; f++) y[at(b, f, d, i)] = out[f];
      }
    }
  }
  return y;
}

function randomGru(F: number, seed: number): { wIh: Float64Array; wHh: Float64Array; bIh: Float64Array; bHh: Float64Array } {
  return {
    wIh: rand(9 * F * F, seed, -0.8, 0.8),
    wHh: rand(3 * F * F, seed + 1, -0.8, 0.8),
    bIh: rand(3 * F, seed + 2, -0.5, 0.5),
    bHh: rand(3 * F, seed + 3, -0.5, 0.5),
  };
}

describe('sdnSweep', () => {
  for (const dir of DIRS) {
    it(`matches the correction_dir${dir} golden case, forward and backward`, () => {
      const c = loadGolden(`correction_dir${dir}`);
      expect(c.config.direction).toBe(dir);
      const shape = c.shape('x') as Shape4;
      const p = goldenGru(c, 'cell.gru.');
      const x = c.get('x');
      const g = sdnSweepBackward(c.get('g_y'), x, shape, p, dir);
      expectGolden(c, {
        y: sdnSweep(x, shape, p, dir),
        'grad.x': g.dx,
        'grad.cell.gru.weight_ih': g.dwIh,
        'grad.cell.gru.weight_hh': g.dwHh,
        'grad.cell.gru.bias_ih': g.dbIh,
        'grad.cell.gru.bias_hh': g.dbHh,
      });
    });
  }

  for (const shape of [[2, 2, 3, 5], [1, 3, 5, 2]] as Shape4[]) {
    for (const dir of DIRS) {
      it(`non-square ${shape.join('x')}, direction ${dir}: matches the naive definition and finite differences`, () => {
        const n = shape.reduce((a, d) => a * d, 1);
        const x = rand(n, 10 + dir);
        const gy = rand(n, 20 + dir);
        const p = randomGru(shape[1], 30 + dir);
        const y = sdnSweep(x, shape, p, dir);
        expect(relErr(y, naiveSweep(x, shape, p, dir))).toBeLessThan(1e-14);
        // The first swept line is unchanged, every other one is not.
        expect(relErr(y, x)).toBeGreaterThan(1e-3);

        const f = () => dot(sdnSweep(x, shape, p, dir), gy);
        const g = sdnSweepBackward(gy, x, shape, p, dir);
        const errs = [
          gradErr(f, x, g.dx), gradErr(f, p.wIh, g.dwIh), gradErr(f, p.wHh, g.dwHh),
          gradErr(f, p.bIh, g.dbIh), gradErr(f, p.bHh, g.dbHh),
        ];
        for (const e of errs) expect(e).toBeLessThan(1e-7);
      });
    }
  }

  it('keeps float32 in, float32 out and rejects a GRU of the wrong size', () => {
    const shape: Shape4 = [1, 2, 2, 3];
    const p = randomGru(2, 1);
    expect(sdnSweep(new Float32Array(12), shape, p, 0)).toBeInstanceOf(Float32Array);
    expect(() => sdnSweep(new Float32Array(18), [1, 3, 2, 3], p, 0)).toThrow(/expected 3, 9/);
    expect(() => sdnSweep(new Float32Array(12), shape, p, 4 as SweepDirection)).toThrow(/direction/);
  });
});
