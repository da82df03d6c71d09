// 3D Shapes as train and test Datasets: the procedural renderer's images (or rows of the real
// 3dshapes.h5, hdf5-node.ts) at a random, seed-fixed subset of the factor grid. The subset is the
// same for every run, so models trained with different seeds see the same images. Browser-safe.
import { shuffledIndices } from './batches.js';
import { renderShapes3dBatch, SHAPES3D_COUNT } from './shapes3d.js';
import { type Dataset, DatasetError } from './types.js';

export interface Shapes3dOptions {
  /** Image side in pixels (default 64, the real dataset's). */
  size: number;
  /** Training images (default 20,000) and held-out test images (default 1,000), disjoint. */
  train: number;
  test: number;
}

export const SHAPES3D_DEFAULTS: Shapes3dOptions = { size: 64, train: 20000, test: 1000 };

/** The permutation seed of the subset: fixed, so the split is a property of the data, not of a run. */
const SPLIT_SEED = 0x3d5;

/** Grid indices of the test split, then of the training split, of a grid of `total` points. */
export function splitIndices(total: number, train: number, test: number, what: string): { train: Uint32Array; test: Uint32Array } {
  if (train < 1 || test < 1 || train + test > total) {
    throw new DatasetError(`${what}: train=${train} and test=${test} images must be ≥ 1 and together at most the ${total} images of the dataset`);
  }
  const order = shuffledIndices(total, SPLIT_SEED, 0);
  return { test: order.slice(0, test), train: order.slice(test, test + train) };
}

/** Parses `size=32,train=50000,test=1000` (any subset, any order); unknown keys are errors. */
export function parseShapes3dOptions(text: string | undefined, spec: string, base: Shapes3dOptions): Shapes3dOptions {
  const out = { ...base };
  if (!text) return out;
  for (const part of text.split(',')) {
    const m = /^(size|train|test)=(\d+)$/.exec(part.trim());
    if (!m) throw new DatasetError(`${spec}: '${part}' is not an option; expected size=N, train=N or test=N, separated by commas`);
    out[m[1] as keyof Shapes3dOptions] = Number(m[2]);
  }
  if (out.size < 4) throw new DatasetError(`${spec}: size=${out.size}; images must be at least 4×4`);
  return out;
}

/** The procedural dataset's splits, rendered now (about 1 ms per 64×64 image on one core). */
export function proceduralShapes3d(opts: Shapes3dOptions): { train: Dataset; test: Dataset } {
  const split = splitIndices(SHAPES3D_COUNT, opts.train, opts.test, 'shapes3d');
  const make = (indices: Uint32Array, part: string): Dataset => ({
    images: renderShapes3dBatch(indices, opts.size), count: indices.length, channels: 3, height: opts.size, width: opts.size,
    name: `shapes3d-${opts.size}/${part}`,
  });
  return { train: make(split.train, 'train'), test: make(split.test, 'test') };
}

/** Box-filter downscaling of NCHW images by an integer factor (the real 64×64 images for a 32×32 model). */
export function downscale(images: Uint8Array, count: number, channels: number, size: number, factor: number): Uint8Array {
  if (factor === 1) return images;
  const s = size / factor;
  const out = new Uint8Array(count * channels * s * s);
  const area = factor * factor;
  for (let p = 0; p < count * channels; p++) {
    const src = p * size * size, dst = p * s * s;
    for (let y = 0; y < s; y++) {
      for (let x = 0; x < s; x++) {
        let sum = 0;
        for (let dy = 0; dy < factor; dy++) for (let dx = 0; dx < factor; dx++) sum += images[src + (y * factor + dy) * size + x * factor + dx]!;
        out[dst + y * s + x] = Math.round(sum / area);
      }
    }
  }
  return out;
}
