// Codes of a list of images through a posterior-mean graph (runtime/posterior-mean.ts), in batches of
// a fixed size (the last one padded with its own first image), scaled as the model's likelihood
// expects. Browser-safe.
import { scaleBatch, type Likelihood } from '../data/batches.js';
import type { GraphRunner } from '../session.js';

export interface EncodeOptions {
  runner: GraphRunner;
  /** The graph's image input; its output `posterior` holds `width` values per image, the code at offset..offset+dim−1. */
  input: string;
  width: number;
  offset: number;
  dim: number;
  /** Images per run (the runner was prepared for this batch). */
  batch: number;
  likelihood: Likelihood;
  nbits: number;
  onProgress?: (done: number, total: number) => void;
}

/** `count` codes (count × dim); `images(start, n)` gives images start..start+n−1, NCHW uint8. */
export async function encodeImages(count: number, images: (start: number, n: number) => Uint8Array, o: EncodeOptions): Promise<Float32Array> {
  const codes = new Float32Array(count * o.dim);
  for (let start = 0; start < count; start += o.batch) {
    const n = Math.min(o.batch, count - start);
    let x = images(start, n);
    if (n < o.batch) {
      const per = x.length / n, padded = new Uint8Array(per * o.batch);
      padded.set(x);
      for (let k = n; k < o.batch; k++) padded.set(x.subarray(0, per), k * per);
      x = padded;
    }
    const out = await o.runner.run({ inputs: { [o.input]: scaleBatch(x, o.likelihood, o.nbits) }, seed: 0 });
    const p = out.posterior!;
    for (let k = 0; k < n; k++) codes.set(p.subarray(k * o.width + o.offset, k * o.width + o.offset + o.dim), (start + k) * o.dim);
    o.onProgress?.(start + n, count);
  }
  return codes;
}
