// Tiny models and datasets for the training tests: the CPU engine is slow, so everything is 8×8.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { buildArtifact } from '../../../compiler/compile.js';
import { compileModel } from '../../../compiler/pipeline.js';
import type { Dataset } from '../../../runtime/data/types.js';
import type { CompiledModel } from '../../../runtime/program.js';
import { DEFAULT_RECIPE, type Recipe } from '../../../runtime/train/trainer.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const FASHION_MNIST = '/usr/share/datasets/fashion-mnist';
export const hasFashionMnist = existsSync(join(FASHION_MNIST, 'train-images-idx3-ubyte.gz'));

/** A density VAE like the golden density_vae_tiny configs: h 6, z 2, depth 2, 8×8×1, SDN everywhere. */
export function tinySource(extra = ''): string {
  return `${extra}import "${join(REPO, 'models/lib/density-vae.sdn')}"
model tiny {
  input x: image(1, 8, 8)
  density_vae(x, channels = 1, size = 8, depth = 2, h = 6, z = 2, context = 6, downsample_at = [1], sdn_min_scale = 0,
              sdn_max_scale = 8, features = 5, features_step = 2, dirs = 2, mixtures = 2, bits = 8, free_bits = 0.01)
}
`;
}

export function writeTinyModel(dir: string, extra = ''): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'tiny.sdn');
  writeFileSync(path, tinySource(extra));
  return path;
}

export function tinyModel(): CompiledModel {
  const path = join(REPO, 'models', '__train_test_tiny.sdn');
  const source = tinySource();
  const c = compileModel(path, { readFile: (p) => (p === path ? source : readFileSync(p, 'utf8')) });
  if (!c.graphs) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  return buildArtifact(c);
}

/** Deterministic 8×8 gray images: blurry blobs, so a model can learn something in a few steps. */
export function syntheticImages(count: number, seed = 1): Uint8Array {
  const out = new Uint8Array(count * 64);
  for (let k = 0; k < count; k++) {
    const cx = 2 + ((k * 7 + seed) % 4), cy = 2 + ((k * 3 + seed * 5) % 4), r = 1.5 + (k % 3);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
      const d = Math.hypot(x - cx, y - cy);
      out[k * 64 + y * 8 + x] = Math.max(0, Math.min(255, Math.round(230 * Math.exp(-(d * d) / (r * r)) + ((x * 31 + y * 17 + k) % 13))));
    }
  }
  return out;
}

export function dataset(images: Uint8Array, name: string): Dataset {
  return { images, count: images.length / 64, channels: 1, height: 8, width: 8, name };
}

/** Real Fashion-MNIST images, center 24×24 averaged over 3×3 blocks to 8×8. */
export function fashionMnist8(split: 'train' | 't10k', count: number): Uint8Array {
  const im = gunzipSync(readFileSync(join(FASHION_MNIST, `${split}-images-idx3-ubyte.gz`))).subarray(16);
  const out = new Uint8Array(count * 64);
  for (let k = 0; k < count; k++) for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
    let s = 0;
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) s += im[k * 784 + (2 + 3 * y + a) * 28 + 2 + 3 * x + b];
    out[k * 64 + y * 8 + x] = Math.round(s / 9);
  }
  return out;
}

function idx(magic: number, dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** An IDX dataset folder (train-/t10k- images and labels) of 8×8 images. */
export function writeIdxDataset(dir: string, train: Uint8Array, test: Uint8Array): string {
  mkdirSync(dir, { recursive: true });
  for (const [prefix, images] of [['train', train], ['t10k', test]] as const) {
    const n = images.length / 64;
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), idx(0x803, [n, 8, 8], images));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), idx(0x801, [n], new Uint8Array(n)));
  }
  return dir;
}

export function recipe(over: Partial<Recipe> = {}): Recipe {
  return { ...DEFAULT_RECIPE, batch: 4, evalBatch: 8, evalEvery: 0, evalImages: 8, samples: 0, ...over };
}
