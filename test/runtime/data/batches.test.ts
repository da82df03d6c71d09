import { describe, expect, it } from 'vitest';
import { batchIterator, firstN, scaleBatch, shuffledIndices, splitmix32, toPixels } from '../../../runtime/data/batches.js';
import type { Dataset } from '../../../runtime/data/types.js';

/** 10 examples of 1×1×2; example i holds pixels [i, 100 + i] and label i % 3. */
const tiny: Dataset = {
  images: Uint8Array.from({ length: 20 }, (_, k) => (k % 2 ? 100 : 0) + (k >> 1)),
  labels: Uint8Array.from({ length: 10 }, (_, i) => i % 3),
  count: 10,
  channels: 1,
  height: 1,
  width: 2,
  name: 'tiny',
};

const scaled = (bytes: number[], l: 'DML' | 'DL' | 'Bernoulli', nbits?: number) => [...scaleBatch(Uint8Array.from(bytes), l, nbits)];

describe('scaling per likelihood', () => {
  it('DML: quantize then 2v − 1', () => {
    expect(scaled([0, 51, 255], 'DML')).toEqual([-1, Math.fround(-0.6), 1]);
    // nbits 5: floor(x / 8) / 31 → 100 ↦ 12/31, 7 ↦ 0, 255 ↦ 31/31.
    const got = scaled([100, 7, 255, 8], 'DML', 5);
    const want = [2 * (12 / 31) - 1, -1, 1, 2 * (1 / 31) - 1];
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
  });

  it('DL: quantize then v − 0.5', () => {
    expect(scaled([0, 51, 255], 'DL')).toEqual([-0.5, Math.fround(-0.3), 0.5]);
    // nbits 3: floor(200 / 32) = 6 → 6/7 − 0.5; floor(31 / 32) = 0 → −0.5.
    const got = scaled([200, 31], 'DL', 3);
    expect(got[0]).toBeCloseTo(6 / 7 - 0.5, 6);
    expect(got[1]).toBe(-0.5);
  });

  it('Bernoulli: binarized at v > 0.5', () => {
    expect(scaled([0, 127, 128, 255], 'Bernoulli')).toEqual([0, 0, 1, 1]);
    // nbits 1: floor(x / 128) / 1.
    expect(scaled([127, 128], 'Bernoulli', 1)).toEqual([0, 1]);
  });

  it('rejects a bad nbits or likelihood', () => {
    expect(() => scaleBatch(new Uint8Array(1), 'DML', 0)).toThrow(/nbits must be an integer in 1\.\.8/);
    expect(() => scaleBatch(new Uint8Array(1), 'DML', 9)).toThrow(/nbits/);
    expect(() => scaleBatch(new Uint8Array(1), 'Gauss' as 'DML')).toThrow(/unknown likelihood Gauss/);
  });

  it('toPixels inverts the range mapping, clamped and rounded', () => {
    expect([...toPixels([-1, 0, 1, 2, -3, NaN], 'DML')]).toEqual([0, 128, 255, 255, 0, 0]);
    expect([...toPixels([-0.5, 0, 0.5, 0.7], 'DL')]).toEqual([0, 128, 255, 255]);
    expect([...toPixels([0, 0.3, 1], 'Bernoulli')]).toEqual([0, 77, 255]);
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (const l of ['DML', 'DL'] as const) expect(toPixels(scaleBatch(all, l), l)).toEqual(all);
    // 4-bit levels come back as the full-range grey they stand for: level k ↦ round(255·k/15) = 17k.
    expect([...toPixels(scaleBatch(Uint8Array.from([0, 16, 255]), 'DML', 4), 'DML')]).toEqual([0, 17, 255]);
  });
});

describe('seeded shuffling', () => {
  it('splitmix32 matches the reference stream', () => {
    const next = splitmix32(0);
    expect([next(), next(), next()]).toEqual([0x64625032, 0xd9c0799c, 0xaf362e10]);
  });

  it('is a deterministic permutation per (seed, epoch)', () => {
    expect([...shuffledIndices(10, 42, 0)]).toEqual([0, 2, 9, 5, 6, 1, 8, 3, 7, 4]);
    expect([...shuffledIndices(10, 42, 1)]).toEqual([9, 2, 0, 5, 1, 3, 6, 4, 7, 8]);
    const a = shuffledIndices(1000, 7, 3);
    expect(shuffledIndices(1000, 7, 3)).toEqual(a);
    expect(shuffledIndices(1000, 8, 3)).not.toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(() => shuffledIndices(3, -1, 0)).toThrow(/seed must be an integer/);
  });

  it('draws each order of 3 about equally often', () => {
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 6000; seed++) {
      const key = shuffledIndices(3, seed, 0).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });
});

describe('batches', () => {
  it('covers every example once per epoch, with a smaller last batch', () => {
    const batches = [...batchIterator(tiny, 4, 1, 0)];
    expect(batches.map((b) => b.size)).toEqual([4, 4, 2]);
    const seen = batches.flatMap((b) => [...b.indices]);
    expect([...seen].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const b of batches) {
      b.indices.forEach((i, k) => {
        expect([...b.images.subarray(2 * k, 2 * k + 2)]).toEqual([i, 100 + i]);
        expect(b.labels![k]).toBe(i % 3);
      });
    }
    expect(seen).toEqual([...shuffledIndices(10, 1, 0)]);
    expect([...batchIterator(tiny, 4, 1, 1)].flatMap((b) => [...b.indices])).not.toEqual(seen);
  });

  it('can drop the last batch or keep dataset order', () => {
    expect([...batchIterator(tiny, 4, 1, 0, { dropLast: true })].map((b) => b.size)).toEqual([4, 4]);
    const ordered = [...batchIterator(tiny, 3, 1, 0, { shuffle: false })];
    expect(ordered.map((b) => [...b.indices])).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
    expect(() => batchIterator(tiny, 0, 1, 0).next()).toThrow(/batchSize must be a positive integer/);
  });

  it('firstN takes a prefix (clamped to the count)', () => {
    const head = firstN(tiny, 3);
    expect([head.count, head.name, [...head.images], [...head.labels!]]).toEqual([3, 'tiny[:3]', [0, 100, 1, 101, 2, 102], [0, 1, 2]]);
    expect(firstN(tiny, 50).count).toBe(10);
    expect(firstN(tiny, 0).images.length).toBe(0);
  });
});
