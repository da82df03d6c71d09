// Pictures of a β-VAE's latent space on 3D Shapes images (sdn metrics writes them): traversal.png,
// one row per latent dimension, the posterior mean of one image with that dimension set to
// −2 … 2 (the prior's ±2σ); and interpolation.png, one row per pair of random images: the first
// image, the decodings of `steps` codes evenly between their posterior means, the second image.
import { imageLikelihood } from '../runtime/likelihood.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { lowerGraph } from '../compiler/lower/index.js';
import { toPixels } from '../runtime/data/batches.js';
import { imageGrid } from '../runtime/image/grid.js';
import { encodePngNode } from '../runtime/image/png-node.js';
import { latentDecoderGraph } from '../runtime/latent-decoder.js';
import { encodeImages } from '../runtime/metrics/encode.js';
import { Rng } from '../runtime/metrics/grid.js';
import type { PosteriorMeanGraph } from '../runtime/posterior-mean.js';
import type { CompiledModel } from '../runtime/program.js';
import type { Backend } from '../runtime/session.js';
import { writeFileAtomic } from '../runtime/train/run-dir-node.js';
import { UsageError } from './args.js';
import type { GridSource } from './grid-source.js';

export interface PictureOptions {
  model: CompiledModel;
  params: Map<string, Float32Array>;
  posterior: PosteriorMeanGraph;
  source: GridSource;
  backend: Backend;
  out: string;
  steps: number;
  pairs: number;
  seed: number;
  /** Grid index of the traversal's image; a seeded random one when absent. */
  index?: number;
}

/** Writes traversal.png and interpolation.png into `out`; returns a line describing each. */
export async function writeLatentPictures(o: PictureOptions): Promise<string[]> {
  const { model, params, posterior, source, backend, out, steps, pairs } = o;
  if (steps < 2 || pairs < 1) throw new UsageError('--steps must be ≥ 2 and --pairs ≥ 1');
  const decoder = latentDecoderGraph(model.graphs.sample.ir, model.model);
  const [c, h, w] = model.graphs.elbo.inputs[0].shape as [number, number, number];
  const count = source.sizes.reduce((a, b) => a * b, 1);
  const rng = new Rng(o.seed, 'traverse');
  const index = o.index ?? rng.int(count);
  if (index < 0 || index >= count) throw new UsageError(`--index must be a grid index in 0..${count - 1}, got ${index}`);
  const rows = Uint32Array.from([index, ...Array.from({ length: 2 * pairs }, () => rng.int(count))]);
  const originals = source.images(rows);
  const { kind, nbits } = imageLikelihood(model);
  const encoder = await backend.prepare(lowerGraph(posterior.graph), rows.length);
  const dec = await backend.prepare(lowerGraph(decoder), steps);
  try {
    encoder.setParams(params);
    dec.setParams(params);
    const { dim } = posterior;
    const codes = await encodeImages(rows.length, () => originals, {
      runner: encoder, input: posterior.graph.inputs[0]!.name, width: posterior.width, offset: posterior.offset, dim, batch: rows.length, likelihood: kind, nbits,
    });
    const per = c * h * w;
    /** Decodes one row of `steps` codes to pixels. */
    const decodeRow = async (z: Float32Array) => toPixels((await dec.run({ inputs: { z }, scalars: { temperature: 1 }, seed: 0 })).sample!, kind);
    const code = (k: number) => codes.subarray(k * dim, (k + 1) * dim);
    const traversal = new Uint8Array(dim * steps * per);
    for (let d = 0; d < dim; d++) {
      const z = new Float32Array(steps * dim);
      for (let s = 0; s < steps; s++) {
        z.set(code(0), s * dim);
        z[s * dim + d] = -2 + (4 * s) / (steps - 1);
      }
      traversal.set(await decodeRow(z), d * steps * per);
    }
    const interpolation = new Uint8Array(pairs * (steps + 2) * per);
    for (let p = 0; p < pairs; p++) {
      const [a, b] = [1 + 2 * p, 2 + 2 * p];
      const z = new Float32Array(steps * dim);
      for (let s = 0; s < steps; s++) {
        const t = s / (steps - 1);
        for (let d = 0; d < dim; d++) z[s * dim + d] = (1 - t) * code(a)[d]! + t * code(b)[d]!;
      }
      const base = p * (steps + 2) * per;
      interpolation.set(originals.subarray(a * per, (a + 1) * per), base);
      interpolation.set(await decodeRow(z), base + per);
      interpolation.set(originals.subarray(b * per, (b + 1) * per), base + (steps + 1) * per);
    }
    mkdirSync(out, { recursive: true });
    const png = (pixels: Uint8Array, n: number, cols: number) => {
      const g = imageGrid(pixels, n, c, h, w, cols);
      return { width: g.width, height: g.height, channels: g.channels as 1 | 3, pixels: g.pixels };
    };
    writeFileAtomic(join(out, 'traversal.png'), encodePngNode(png(traversal, dim * steps, steps)));
    writeFileAtomic(join(out, 'interpolation.png'), encodePngNode(png(interpolation, pairs * (steps + 2), steps + 2)));
  } finally {
    encoder.destroy();
    dec.destroy();
  }
  return [
    `${join(out, 'traversal.png')}: ${posterior.dim} latent dimensions × ${steps} values from −2 to 2 around the code of ${source.name} image ${index}`,
    `${join(out, 'interpolation.png')}: ${pairs} pairs of images with ${steps} decoded codes between them`,
  ];
}
