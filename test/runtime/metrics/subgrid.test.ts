import { describe, expect, it } from 'vitest';
import { indexToFactors, SHAPES3D_SIZES } from '../../../runtime/data/shapes3d.js';
import { parseFactorSizes, subgridRows } from '../../../runtime/metrics/subgrid.js';

const FULL = [...SHAPES3D_SIZES];

describe('coarser factor grids', () => {
  it('the full sizes give every row in order', () => {
    const rows = subgridRows([3, 2, 4], [3, 2, 4]);
    expect([...rows]).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });

  it('k values of a factor are evenly spaced with both ends, in mixed-radix order', () => {
    const sizes = [2, 3, 2, 2, 4, 5];
    const rows = subgridRows(FULL, sizes);
    expect(rows.length).toBe(2 * 3 * 2 * 2 * 4 * 5);
    const values = [[0, 9], [0, 5, 9], [0, 9], [0, 7], [0, 1, 2, 3], [0, 4, 7, 11, 14]];
    rows.forEach((row, i) => {
      const digits = indexToFactors(i, sizes);
      expect(indexToFactors(row)).toEqual(digits.map((d, f) => values[f]![d]));
    });
    expect([...rows].every((r, i) => i === 0 || r > rows[i - 1]!)).toBe(true);
  });

  it('rejects sizes that do not fit the data', () => {
    expect(() => subgridRows(FULL, [2, 2])).toThrow(/--factor-sizes has 2 factors, the data has 6/);
    expect(() => subgridRows(FULL, [2, 2, 2, 9, 2, 2])).toThrow(/factor 3 takes 9 values; expected 2..8/);
    expect(parseFactorSizes('10, 10,10,8,4,15')).toEqual(FULL);
    expect(() => parseFactorSizes('10,1')).toThrow(/at least two integers ≥ 2/);
  });
});
