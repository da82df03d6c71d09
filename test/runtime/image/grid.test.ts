import { describe, expect, it } from 'vitest';
import { imageGrid } from '../../../runtime/image/png.js';

describe('imageGrid', () => {
  it('tiles gray images in reading order with padding around every tile', () => {
    // 3 images of 2×2: image k has pixels 10k + (0, 1, 2, 3).
    const images = Uint8Array.from({ length: 12 }, (_, i) => 10 * (i >> 2) + 1 + (i & 3));
    const g = imageGrid(images, 3, 1, 2, 2, 2, 1);
    expect([g.width, g.height, g.channels]).toEqual([7, 7, 1]);
    const rows = Array.from({ length: 7 }, (_, y) => [...g.pixels.subarray(y * 7, y * 7 + 7)]);
    expect(rows).toEqual([
      [0, 0, 0, 0, 0, 0, 0],
      [0, 1, 2, 0, 11, 12, 0],
      [0, 3, 4, 0, 13, 14, 0],
      [0, 0, 0, 0, 0, 0, 0],
      [0, 21, 22, 0, 0, 0, 0],
      [0, 23, 24, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0],
    ]);
  });

  it('interleaves RGB planes (NCHW in, HWC out) and uses the default padding of 2', () => {
    // One 1×2 RGB image: R = (1, 2), G = (3, 4), B = (5, 6).
    const g = imageGrid(Uint8Array.from([1, 2, 3, 4, 5, 6]), 1, 3, 1, 2, 8);
    expect([g.width, g.height, g.channels]).toEqual([6, 5, 3]); // fewer images than cols: one column
    const at = (x: number, y: number) => [...g.pixels.subarray((y * 6 + x) * 3, (y * 6 + x) * 3 + 3)];
    expect([at(2, 2), at(3, 2), at(0, 0), at(4, 2)]).toEqual([[1, 3, 5], [2, 4, 6], [0, 0, 0], [0, 0, 0]]);
  });

  it('rejects bad channel counts and short inputs', () => {
    expect(() => imageGrid(new Uint8Array(8), 1, 2, 2, 2, 1)).toThrow(/2 channels, expected 1 \(gray\) or 3 \(RGB\)/);
    expect(() => imageGrid(new Uint8Array(7), 2, 1, 2, 2, 1)).toThrow(/7 bytes, expected at least 2×1×2×2 = 8/);
    expect(() => imageGrid(new Uint8Array(4), 0, 1, 2, 2, 1)).toThrow(/bad arguments/);
  });
});
