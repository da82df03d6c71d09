import { describe, expect, it } from 'vitest';
import { initParam, initParams, orthogonal } from '../../runtime/init.js';
import type { IrParam } from '../../runtime/ir.js';
import { normals } from '../../runtime/rng/philox.js';

const param = (path: string, shape: number[], init: IrParam['init']): IrParam => ({ path, torch: path, shape, init, layer: -1 });

function gram(w: Float32Array, rows: number, cols: number, byRows: boolean): number[][] {
  const n = byRows ? rows : cols;
  const at = (i: number, k: number) => (byRows ? w[i * cols + k] : w[k * cols + i]);
  const len = byRows ? cols : rows;
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => {
    let s = 0;
    for (let k = 0; k < len; k++) s += at(i, k) * at(j, k);
    return s;
  }));
}

describe('initializers', () => {
  it('orthogonal weights have orthonormal rows when rows ≤ cols and orthonormal columns otherwise', () => {
    for (const [rows, cols] of [[4, 18], [18, 4], [6, 6]]) {
      const w = orthogonal(rows, cols, normals(1, 7, 0, rows * cols));
      const g = gram(w, rows, cols, rows <= cols);
      g.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(i === j ? 1 : 0, 5)));
    }
  });

  it('conv weights are orthogonal over the flattened [out, in·k·k] matrix, as torch.nn.init.orthogonal_', () => {
    const w = initParam(param('c.weight', [5, 2, 3, 3], { kind: 'orthogonal' }), 3);
    const g = gram(w, 5, 18, true);
    g.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(i === j ? 1 : 0, 5)));
  });

  it('uniform and normal draws respect their bound and scale; zeros are zero', () => {
    const u = initParam(param('b', [1000], { kind: 'uniform', bound: 0.25 }), 1);
    expect(Math.max(...u)).toBeLessThanOrEqual(0.25);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-0.25);
    expect(Math.max(...u)).toBeGreaterThan(0.2);
    const n = initParam(param('w', [20000], { kind: 'normal', std: 0.02 }), 1);
    const std = Math.sqrt(n.reduce((s, v) => s + v * v, 0) / n.length);
    expect(std).toBeGreaterThan(0.019);
    expect(std).toBeLessThan(0.021);
    expect(initParam(param('h', [8], { kind: 'zeros' }), 1).every((v) => v === 0)).toBe(true);
  });

  it('is deterministic per seed and independent per parameter path', () => {
    const ps = [param('a', [64], { kind: 'uniform', bound: 1 }), param('b', [64], { kind: 'uniform', bound: 1 })];
    const x = initParams(ps, 5), y = initParams(ps, 5), z = initParams(ps, 6);
    expect(x.get('a')).toEqual(y.get('a'));
    expect(x.get('a')).not.toEqual(x.get('b'));
    expect(x.get('a')).not.toEqual(z.get('a'));
  });
});
