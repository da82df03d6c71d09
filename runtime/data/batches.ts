// Seeded shuffling, mini-batches and the per-likelihood input scaling. Browser-safe.
//
// PRNG: splitmix32, a Weyl sequence (state += 0x9E3779B9) passed through a 32-bit mixer
// (xorshift 16 / multiply 0x21F0AAAD / xorshift 15 / multiply 0x735A2D97 / xorshift 15, constants
// from Chris Wellons's hash-prospector). Every (seed, epoch) pair gets its own stream, so an
// epoch's order can be reproduced without replaying the earlier epochs.
import type { Dataset } from './types.js';

export type { Dataset } from './types.js';
export type Likelihood = 'DML' | 'DL' | 'Bernoulli';

export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad);
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** A splitmix32 generator: each call returns the next uniform uint32. */
export function splitmix32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    return mix32(state);
  };
}

function checkUint32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${what} must be an integer in [0, 2^32), got ${value}`);
  }
}

/** A permutation of 0..count-1: Fisher–Yates driven by splitmix32 seeded from (seed, epoch). */
export function shuffledIndices(count: number, seed: number, epoch: number): Uint32Array {
  checkUint32(seed, 'seed');
  checkUint32(epoch, 'epoch');
  const next = splitmix32(mix32((mix32(seed) ^ epoch) >>> 0));
  const idx = new Uint32Array(count);
  for (let i = 0; i < count; i++) idx[i] = i;
  for (let i = count - 1; i > 0; i--) {
    // floor(u·(i+1)/2^32): the multiply-shift bounded draw; its bias (< count/2^32) is negligible.
    const j = Math.floor((next() * (i + 1)) / 4294967296);
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx;
}

export interface Batch {
  /** size × channels × height × width bytes (NCHW), copied out of the dataset. */
  images: Uint8Array;
  labels?: Uint8Array;
  /** Which dataset examples the batch holds, in order. */
  indices: Uint32Array;
  size: number;
}

export interface BatchOptions {
  /** Default true; false visits the examples in dataset order (evaluation). */
  shuffle?: boolean;
  /** Default false: the last, smaller batch is yielded too. */
  dropLast?: boolean;
}

/** Mini-batches of one epoch; the order depends only on (seed, epoch). */
export function* batchIterator(
  dataset: Dataset,
  batchSize: number,
  seed: number,
  epoch: number,
  opts: BatchOptions = {},
): Generator<Batch> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  let order: Uint32Array;
  if (opts.shuffle ?? true) order = shuffledIndices(dataset.count, seed, epoch);
  else order = Uint32Array.from({ length: dataset.count }, (_, i) => i);
  const per = dataset.channels * dataset.height * dataset.width;
  for (let start = 0; start < dataset.count; start += batchSize) {
    const size = Math.min(batchSize, dataset.count - start);
    if (size < batchSize && opts.dropLast) return;
    const indices = order.slice(start, start + size);
    const images = new Uint8Array(size * per);
    const labels = dataset.labels ? new Uint8Array(size) : undefined;
    for (let k = 0; k < size; k++) {
      const i = indices[k]!;
      images.set(dataset.images.subarray(i * per, (i + 1) * per), k * per);
      if (labels) labels[k] = dataset.labels![i]!;
    }
    yield labels ? { images, labels, indices, size } : { images, indices, size };
  }
}

/** The first min(n, count) examples, as views into the dataset's arrays. */
export function firstN(dataset: Dataset, n: number): Dataset {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`firstN: n must be a non-negative integer, got ${n}`);
  if (n >= dataset.count) return dataset;
  const count = n;
  const per = dataset.channels * dataset.height * dataset.width;
  const out: Dataset = { ...dataset, count, images: dataset.images.subarray(0, count * per), name: `${dataset.name}[:${count}]` };
  if (dataset.labels) out.labels = dataset.labels.subarray(0, count);
  return out;
}

/**
 * The authors' Quantize on a byte: x/255 for nbits = 8, else floor(x / 2^(8−nbits)) / (2^nbits − 1).
 * Computed in integers: the original floor(x/255·255/2^k) in float32 can land one level low.
 */
export function quantizeByte(x: number, nbits = 8): number {
  if (nbits === 8) return x / 255;
  return (x >> (8 - nbits)) / ((1 << nbits) - 1);
}

function checkNbits(nbits: number): void {
  if (!Number.isInteger(nbits) || nbits < 1 || nbits > 8) throw new RangeError(`nbits must be an integer in 1..8, got ${nbits}`);
}

/**
 * Network inputs from uint8 pixels, as the authors' transforms: quantized to `nbits`, then
 * DML: 2v − 1 in [−1, 1]; DL: v − 0.5 in [−0.5, 0.5]; Bernoulli: 1 where v > 0.5, else 0.
 */
export function scaleBatch(images: Uint8Array, likelihood: Likelihood, nbits = 8): Float32Array {
  checkNbits(nbits);
  const table = new Float32Array(256);
  for (let x = 0; x < 256; x++) {
    const v = quantizeByte(x, nbits);
    if (likelihood === 'DML') table[x] = 2 * v - 1;
    else if (likelihood === 'DL') table[x] = v - 0.5;
    else if (likelihood === 'Bernoulli') table[x] = v > 0.5 ? 1 : 0;
    else throw new Error(`scaleBatch: unknown likelihood ${String(likelihood)} (expected DML, DL or Bernoulli)`);
  }
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) out[i] = table[images[i]!]!;
  return out;
}

/** The inverse of scaleBatch's range mapping, for display: values → bytes, clamped and rounded (NaN → 0). */
export function toPixels(values: ArrayLike<number>, likelihood: Likelihood): Uint8Array {
  let scale: number;
  let offset: number;
  if (likelihood === 'DML') [scale, offset] = [127.5, 1];
  else if (likelihood === 'DL') [scale, offset] = [255, 0.5];
  else if (likelihood === 'Bernoulli') [scale, offset] = [255, 0];
  else throw new Error(`toPixels: unknown likelihood ${String(likelihood)} (expected DML, DL or Bernoulli)`);
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const p = Math.round((values[i]! + offset) * scale);
    out[i] = p > 255 ? 255 : p > 0 ? p : 0;
  }
  return out;
}
