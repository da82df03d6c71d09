// A coarser full factor grid inside a dataset's grid: k evenly spaced values of a factor with S
// values (indices round(j·(S−1)/(k−1)), both ends included), so a model can be scored on fewer
// images while every metric still sees a complete grid. Browser-safe.
import { MetricsError } from './grid.js';

/** For each point of the `sizes` grid (mixed radix, last fastest), its row in the `full` grid. */
export function subgridRows(full: readonly number[], sizes: readonly number[]): Uint32Array {
  if (sizes.length !== full.length) throw new MetricsError(`--factor-sizes has ${sizes.length} factors, the data has ${full.length} (${full.join(',')})`);
  sizes.forEach((k, f) => {
    if (!Number.isInteger(k) || k < 2 || k > full[f]!) throw new MetricsError(`--factor-sizes: factor ${f} takes ${k} values; expected 2..${full[f]} (the data has ${full[f]})`);
  });
  const values = sizes.map((k, f) => Array.from({ length: k }, (_, j) => Math.round((j * (full[f]! - 1)) / (k - 1))));
  const count = sizes.reduce((a, b) => a * b, 1);
  const rows = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    let rest = i, row = 0, stride = 1;
    for (let f = sizes.length - 1; f >= 0; f--) {
      row += values[f]![rest % sizes[f]!]! * stride;
      rest = Math.floor(rest / sizes[f]!);
      stride *= full[f]!;
    }
    rows[i] = row;
  }
  return rows;
}

/** Parses `10,10,10,8,4,15`. */
export function parseFactorSizes(text: string): number[] {
  const sizes = text.split(',').map((s) => Number(s.trim()));
  if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 2)) throw new MetricsError(`--factor-sizes must be a comma-separated list of at least two integers ≥ 2, got '${text}'`);
  return sizes;
}
