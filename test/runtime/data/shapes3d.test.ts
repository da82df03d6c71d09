import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../../runtime/data/datasets.js';
import {
  factorsToIndex, factorValue, indexToFactors, renderShapes3d, renderShapes3dBatch, SHAPES3D_COUNT, SHAPES3D_SIZES,
} from '../../../runtime/data/shapes3d.js';
import { downscale, splitIndices } from '../../../runtime/data/shapes3d-data.js';

const render = (factors: number[], size = 32) => {
  const out = new Uint8Array(3 * size * size);
  renderShapes3d(factors, size, out);
  return out;
};
const withFactor = (f: number[], k: number, v: number) => f.map((x, i) => (i === k ? v : x));
const differs = (a: Uint8Array, b: Uint8Array) => a.reduce((n, v, i) => n + (v !== b[i] ? 1 : 0), 0);

describe('3D Shapes factor grid', () => {
  it('has the real dataset\'s sizes, 480,000 points, orientation varying fastest', () => {
    expect([...SHAPES3D_SIZES]).toEqual([10, 10, 10, 8, 4, 15]);
    expect(SHAPES3D_COUNT).toBe(480000);
    expect(indexToFactors(1)).toEqual([0, 0, 0, 0, 0, 1]);
    expect(indexToFactors(15)).toEqual([0, 0, 0, 0, 1, 0]);
    expect(indexToFactors(479999)).toEqual([9, 9, 9, 7, 3, 14]);
  });

  it('index → factors → index is the identity', () => {
    for (let i = 0; i < SHAPES3D_COUNT; i += 997) expect(factorsToIndex(indexToFactors(i))).toBe(i);
    expect(() => indexToFactors(SHAPES3D_COUNT)).toThrow(/outside 0..479999/);
    expect(() => factorsToIndex([0, 0, 0, 8, 0, 0])).toThrow(/factor 3 is 8/);
  });

  it('labels are the real values: hues 0…0.9, scale 0.75…1.25, orientation −30…30', () => {
    expect([factorValue(0, 9), factorValue(3, 0), factorValue(3, 7), factorValue(5, 0), factorValue(5, 14)]).toEqual([0.9, 0.75, 1.25, -30, 30]);
    expect(factorValue(5, 7)).toBeCloseTo(0, 12);
  });
});

describe('3D Shapes renderer', () => {
  const base = [2, 5, 7, 3, 0, 4];

  it('changing any one factor changes the image, for every shape', () => {
    for (let shape = 0; shape < 4; shape++) {
      const b = withFactor(base, 4, shape);
      const ref = render(b);
      for (let f = 0; f < 6; f++) {
        for (let v = 0; v < SHAPES3D_SIZES[f]!; v++) {
          if (v === b[f]) continue;
          expect(differs(render(withFactor(b, f, v)), ref), `shape ${shape}, factor ${f} = ${v}`).toBeGreaterThan(0);
        }
      }
    }
  });

  it('puts the floor hue at the bottom, the wall hue at the top and the object in the middle', () => {
    const size = 32, img = render([0, 4, 8, 7, 0, 7], size); // red floor, green wall, purple-ish object
    const px = (x: number, y: number) => [0, 1, 2].map((c) => img[c * size * size + y * size + x]!);
    const [r0, g0, b0] = px(2, size - 2);
    expect(r0).toBeGreaterThan(g0! + 100);
    expect(b0).toBeLessThan(40);
    const [r1, g1] = px(2, 1);
    expect(g1).toBeGreaterThan(r1! + 100);
    const [r2, , b2] = px(size / 2, size / 2);
    expect(b2).toBeGreaterThan(100);
    expect(r2).toBeGreaterThan(50);
  });

  it('is deterministic and pinned: a few images hash to fixed values', () => {
    const hash = (i: number, size: number) => createHash('sha256').update(renderShapes3dBatch([i], size)).digest('hex').slice(0, 16);
    expect(hash(0, 64)).toBe('6a8c8c2273a40eb4');
    expect(hash(123457, 64)).toBe('2c17d91fa351df1b');
    expect(hash(479999, 64)).toBe('3e3ac6267e79daa0');
    expect(hash(250000, 32)).toBe('3ed29330bf65353a');
    expect(renderShapes3dBatch([5, 77], 16)).toEqual(renderShapes3dBatch([5, 77], 16));
  });
});

describe('shapes3d dataset', () => {
  it('splits a fixed random subset into disjoint train and test sets', () => {
    const a = splitIndices(1000, 50, 10, 'x'), b = splitIndices(1000, 50, 10, 'x');
    expect(a).toEqual(b);
    const test = new Set(a.test);
    expect(test.size).toBe(10);
    expect(new Set(a.train).size).toBe(50);
    expect([...a.train].some((i) => test.has(i))).toBe(false);
    expect(() => splitIndices(10, 8, 3, 'x')).toThrow(/at most the 10 images/);
  });

  it('--data shapes3d renders at the model size or size=, with train= and test= counts', async () => {
    const d = await loadDataset('shapes3d:train=12,test=4', { imageSize: 16 });
    expect([d.train.count, d.test.count, d.train.channels, d.train.height, d.train.width]).toEqual([12, 4, 3, 16, 16]);
    expect(d.train.name).toBe('shapes3d-16/train');
    const e = await loadDataset('shapes3d:size=8,train=3,test=2');
    expect(e.test.images.length).toBe(2 * 3 * 8 * 8);
    await expect(loadDataset('shapes3d:sizes=8')).rejects.toThrow(/'sizes=8' is not an option/);
  });

  it('downscale averages factor × factor boxes', () => {
    const img = Uint8Array.from([0, 2, 10, 20, 4, 6, 30, 41, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect([...downscale(img, 1, 1, 4, 2)]).toEqual([3, 25, 1, 1]);
  });
});
