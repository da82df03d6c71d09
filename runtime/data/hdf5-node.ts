// The real 3dshapes.h5 (Burgess & Kim, 2018) through h5wasm: `images` uint8 [N, H, W, 3] and
// `labels` float [N, 6] (N = 480,000, H = W = 64 in the published file). Any N with that layout
// loads for training; the disentanglement metrics also need the rows to be a full factor grid in
// mixed-radix order, which factorGrid checks from the labels. Rows come back NCHW.
import { open, stat } from 'node:fs/promises';
import h5wasm from 'h5wasm/node';
import { indexToFactors } from './shapes3d.js';
import { downscale, splitIndices, type Shapes3dOptions } from './shapes3d-data.js';
import { type Dataset, DatasetError } from './types.js';

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const LAYOUT = 'keys images (uint8 [N, H, W, 3]) and labels (float [N, 6]), as 3dshapes.h5';

export interface Shapes3dFile {
  path: string;
  count: number;
  /** Stored image side (64 in the published file). */
  size: number;
  /** `count` rows from `start`, NCHW, downscaled to `size` / `factor` (the last block read is kept). */
  rows(start: number, count: number, factor?: number): Uint8Array;
  /** All labels, count × 6 float64. */
  labels(): Float64Array;
  close(): void;
}

/** Opens and checks an HDF5 file with 3dshapes.h5's layout; every problem is a DatasetError naming the file and key. */
export async function openShapes3dFile(path: string): Promise<Shapes3dFile> {
  const fail = (msg: string): never => {
    throw new DatasetError(`${path}: ${msg}`);
  };
  try {
    if (!(await stat(path)).isFile()) fail(`not a file; expected an HDF5 file with ${LAYOUT}`);
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    fail(`not found; expected an HDF5 file with ${LAYOUT}`);
  }
  const head = Buffer.alloc(8);
  const fh = await open(path, 'r');
  await fh.read(head, 0, 8, 0).finally(() => fh.close());
  if (!SIGNATURE.every((b, i) => head[i] === b)) fail(`not an HDF5 file (no HDF5 signature); expected ${LAYOUT}`);
  // HDF5 errors become exceptions (with the message) instead of a diagnostic dump on stderr.
  (await h5wasm.ready).activate_throwing_error_handler();
  let file: InstanceType<typeof h5wasm.File>;
  try {
    file = new h5wasm.File(path, 'r');
  } catch (e) {
    const why = /#000: .*?\): (.*)/.exec(String((e as Error).message ?? e))?.[1] ?? 'the HDF5 library cannot read it';
    throw new DatasetError(`${path}: not a readable HDF5 file (${why.trim()}); expected ${LAYOUT}`);
  }
  try {
    const get = (key: string) => {
      const d = file.get(key);
      if (!(d instanceof h5wasm.Dataset)) fail(`no dataset '${key}' (it has ${file.keys().map((k) => `'${k}'`).join(', ') || 'no keys'}); expected ${LAYOUT}`);
      return d as InstanceType<typeof h5wasm.Dataset>;
    };
    const images = get('images'), labels = get('labels');
    const [n, h, w, c] = images.shape ?? [];
    const im = images.metadata, lm = labels.metadata;
    if (images.shape?.length !== 4 || c !== 3 || h !== w) fail(`'images' has shape [${images.shape}]; expected [N, H, W, 3] with H = W`);
    if (im.type !== 0 || im.size !== 1 || im.signed) fail(`'images' has element type ${images.dtype}; expected uint8`);
    if (labels.shape?.length !== 2 || labels.shape[0] !== n || labels.shape[1] !== 6) fail(`'labels' has shape [${labels.shape}]; expected [${n}, 6] (one row of 6 factor values per image)`);
    if (lm.type !== 1) fail(`'labels' has element type ${labels.dtype}; expected float64`);
    const size = h!;
    let last: { key: string; rows: Uint8Array } | undefined; // readers ask for the same block repeatedly
    return {
      path, count: n!, size,
      rows(start, count, factor = 1) {
        const key = `${start}/${count}/${factor}`;
        if (last?.key === key) return last.rows;
        const hwc = images.slice([[start, start + count]]) as Uint8Array;
        const plane = size * size, chw = new Uint8Array(hwc.length);
        for (let k = 0; k < count; k++) {
          const base = k * 3 * plane;
          for (let i = 0; i < plane; i++) for (let ch = 0; ch < 3; ch++) chw[base + ch * plane + i] = hwc[base + i * 3 + ch]!;
        }
        last = { key, rows: downscale(chw, count, 3, size, factor) };
        return last.rows;
      },
      labels: () => Float64Array.from(labels.value as ArrayLike<number>),
      close: () => void file.close(),
    };
  } catch (e) {
    file.close();
    throw e;
  }
}

/** The factor sizes of a file whose rows are a full grid in mixed-radix order (last factor fastest), from its labels. */
export function factorGrid(labels: Float64Array, count: number, path: string): number[] {
  const values = Array.from({ length: 6 }, (_, f) => [...new Set(Array.from({ length: count }, (_, i) => labels[i * 6 + f]!))].sort((a, b) => a - b));
  const sizes = values.map((v) => v.length);
  const total = sizes.reduce((a, b) => a * b, 1);
  const grid = `${sizes.join('×')} = ${total}`;
  if (total !== count) throw new DatasetError(`${path}: the labels take ${grid} value combinations, but the file has ${count} rows; the metrics need one row per point of the full factor grid`);
  for (let i = 0; i < count; i++) {
    const digits = indexToFactors(i, sizes);
    for (let f = 0; f < 6; f++) {
      if (labels[i * 6 + f] !== values[f]![digits[f]!]) {
        throw new DatasetError(`${path}: row ${i} has labels [${Array.from(labels.subarray(i * 6, i * 6 + 6))}], out of the mixed-radix order of the ${grid} grid (last factor fastest, as in 3dshapes.h5)`);
      }
    }
  }
  return sizes;
}

/** The images of the given rows (any order, repeats allowed), NCHW at the stored size / `factor`, reading blocks of 1,024 rows. */
export function readRows(file: Shapes3dFile, indices: ArrayLike<number>, factor: number): Uint8Array {
  const size = file.size / factor, per = 3 * size * size;
  const images = new Uint8Array(indices.length * per);
  const sorted = Array.from({ length: indices.length }, (_, k) => k).sort((a, b) => indices[a]! - indices[b]!);
  for (let k = 0; k < sorted.length;) {
    const block = Math.floor(indices[sorted[k]!]! / 1024) * 1024;
    const rows = file.rows(block, Math.min(1024, file.count - block), factor);
    for (; k < sorted.length && indices[sorted[k]!]! < block + 1024; k++) {
      const r = indices[sorted[k]!]! - block;
      images.set(rows.subarray(r * per, (r + 1) * per), sorted[k]! * per);
    }
  }
  return images;
}

/** The factor by which the stored images shrink to `size`; an error unless it divides the stored size. */
export function scaleFactor(file: Shapes3dFile, size: number): number {
  if (file.size % size !== 0) throw new DatasetError(`${file.path}: images are ${file.size}×${file.size}; cannot scale them to ${size}×${size} (needs a divisor of ${file.size})`);
  return file.size / size;
}

/** Train and test Datasets from a random, seed-fixed subset of the file's rows, at `opts.size` (a divisor of the stored size). */
export async function loadShapes3dFile(path: string, opts: Shapes3dOptions): Promise<{ train: Dataset; test: Dataset }> {
  const file = await openShapes3dFile(path);
  try {
    const factor = scaleFactor(file, opts.size);
    const split = splitIndices(file.count, Math.min(opts.train, file.count - opts.test), opts.test, path);
    const read = (indices: Uint32Array, part: string): Dataset => ({
      images: readRows(file, indices, factor), count: indices.length, channels: 3, height: opts.size, width: opts.size, name: `3dshapes.h5-${opts.size}/${part}`,
    });
    return { train: read(split.train, 'train'), test: read(split.test, 'test') };
  } finally {
    file.close();
  }
}
