// Dataset loaders (Node): Fashion-MNIST / MNIST IDX files (gzipped or raw), CIFAR-10 binary
// batches and folders of PNG images, all read from local files into NCHW uint8 datasets.
// Every missing or malformed input becomes a DatasetError naming the file and what was expected.
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { readPngFile } from '../image/png-node.js';
import type { PngImage } from '../image/png.js';
import { parseIdxImages, parseIdxLabels } from './idx.js';
import { parseShapes3dOptions, proceduralShapes3d, SHAPES3D_DEFAULTS } from './shapes3d-data.js';
import { type Dataset, DatasetError } from './types.js';

export { type Dataset, DatasetError } from './types.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist/';
const FASHION_HINT = 'install the Debian package dataset-fashion-mnist or pass --data <dir>';
const CIFAR_HINT = 'extract the CIFAR-10 binary version (cifar-10-binary.tar.gz) and pass cifar10:<dir> or --data <dir>';
const CIFAR_RECORD = 1 + 3 * 32 * 32;

export interface LoadDatasetOptions {
  /** A folder overriding the default one (the CLI's --data <dir>); a folder in the spec wins over it. */
  dataDir?: string;
  /** Where SDN_FASHION_MNIST_DIR is looked up; default process.env. */
  env?: Record<string, string | undefined>;
  /** Share of a flat PNG folder held out for testing (the last files by path); default 0.1. */
  testFraction?: number;
  /** 3D Shapes only: the image side when the spec gives no size= (the model's input size); default 64. */
  imageSize?: number;
}

export interface DatasetSplits {
  train: Dataset;
  test: Dataset;
}

const gunzipAsync = promisify(gunzip);

async function kindOf(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

async function requireDir(dir: string, expected: string, hint: string): Promise<void> {
  const kind = await kindOf(dir);
  if (kind !== 'dir') throw new DatasetError(`${dir}: ${kind ? 'not a folder' : 'folder not found'}; expected ${expected}; ${hint}`);
}

async function readBytes(path: string, expected: string, hint: string): Promise<Uint8Array> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found' : `cannot be read (${(e as Error).message})`;
    throw new DatasetError(`${path}: ${why}; expected ${expected}; ${hint}`);
  }
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = await gunzipAsync(buf);
    } catch (e) {
      throw new DatasetError(`${path}: corrupt gzip data (${(e as Error).message}); expected ${expected}`);
    }
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** The first existing of base.gz, base, and the "train-images.idx3-ubyte" spelling some mirrors use. */
async function findIdx(dir: string, base: string): Promise<string> {
  const alt = base.replace('-idx', '.idx');
  for (const name of [`${base}.gz`, base, `${alt}.gz`, alt]) {
    if ((await kindOf(join(dir, name))) === 'file') return join(dir, name);
  }
  return join(dir, `${base}.gz`);
}

async function loadIdxSplit(dir: string, prefix: 'train' | 't10k', name: string, hint: string): Promise<Dataset> {
  const imagesPath = await findIdx(dir, `${prefix}-images-idx3-ubyte`);
  const labelsPath = await findIdx(dir, `${prefix}-labels-idx1-ubyte`);
  const imagesWhat = `an IDX image file (${prefix}-images-idx3-ubyte, gzipped or raw)`;
  const labelsWhat = `an IDX label file (${prefix}-labels-idx1-ubyte, gzipped or raw)`;
  const imgs = parseIdxImages(await readBytes(imagesPath, imagesWhat, hint), imagesPath);
  const labs = parseIdxLabels(await readBytes(labelsPath, labelsWhat, hint), labelsPath);
  if (labs.count !== imgs.count) {
    throw new DatasetError(`${labelsPath}: ${labs.count} labels, but ${imagesPath} has ${imgs.count} images; expected one label per image`);
  }
  return {
    images: imgs.data.slice(),
    labels: labs.labels.slice(),
    count: imgs.count,
    channels: 1,
    height: imgs.rows,
    width: imgs.cols,
    name: `${name}/${prefix === 't10k' ? 'test' : 'train'}`,
  };
}

async function loadIdx(dir: string, name: string, hint: string): Promise<DatasetSplits> {
  await requireDir(dir, `a folder with ${name} IDX files (train-images-idx3-ubyte.gz, t10k-images-idx3-ubyte.gz and their labels)`, hint);
  return { train: await loadIdxSplit(dir, 'train', name, hint), test: await loadIdxSplit(dir, 't10k', name, hint) };
}

async function loadCifarFiles(paths: string[], name: string): Promise<Dataset> {
  const parts: Uint8Array[] = [];
  for (const p of paths) {
    const bytes = await readBytes(p, 'a CIFAR-10 binary batch file', CIFAR_HINT);
    if (bytes.length === 0 || bytes.length % CIFAR_RECORD !== 0) {
      throw new DatasetError(
        `${p}: ${bytes.length} bytes is not a whole number of ${CIFAR_RECORD}-byte CIFAR-10 records (1 label byte + 3072 pixel bytes, CHW)`,
      );
    }
    for (let r = 0; r < bytes.length; r += CIFAR_RECORD) {
      if (bytes[r]! > 9) {
        throw new DatasetError(`${p}: record ${r / CIFAR_RECORD} has label ${bytes[r]}, expected 0..9 (CIFAR-10 binary format)`);
      }
    }
    parts.push(bytes);
  }
  const count = parts.reduce((s, b) => s + b.length / CIFAR_RECORD, 0);
  const images = new Uint8Array(count * (CIFAR_RECORD - 1));
  const labels = new Uint8Array(count);
  let k = 0;
  for (const bytes of parts) {
    for (let r = 0; r < bytes.length; r += CIFAR_RECORD, k++) {
      labels[k] = bytes[r]!;
      images.set(bytes.subarray(r + 1, r + CIFAR_RECORD), k * (CIFAR_RECORD - 1));
    }
  }
  return { images, labels, count, channels: 3, height: 32, width: 32, name };
}

async function loadCifar(dir: string): Promise<DatasetSplits> {
  // The official tarball extracts to cifar-10-batches-bin/; accept its parent folder too.
  const nested = join(dir, 'cifar-10-batches-bin');
  if ((await kindOf(join(dir, 'data_batch_1.bin'))) !== 'file' && (await kindOf(nested)) === 'dir') dir = nested;
  await requireDir(dir, 'a folder with CIFAR-10 binary batches (data_batch_1.bin … data_batch_5.bin, test_batch.bin)', CIFAR_HINT);
  const train = [1, 2, 3, 4, 5].map((i) => join(dir, `data_batch_${i}.bin`));
  return { train: await loadCifarFiles(train, 'cifar10/train'), test: await loadCifarFiles([join(dir, 'test_batch.bin')], 'cifar10/test') };
}

async function listPngs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.png')).map((e) => join(e.parentPath, e.name));
  // Code-unit order of the relative path: the same split on every machine and locale.
  return files.sort((a, b) => (relative(dir, a) < relative(dir, b) ? -1 : 1));
}

/** Gray (+alpha) images become 1 channel, RGB(A) 3; alpha is dropped, gray promoted when the set mixes both. */
function toDataset(files: string[], decoded: PngImage[], channels: 1 | 3, name: string): Dataset {
  const { width, height } = decoded[0]!;
  const plane = width * height;
  const images = new Uint8Array(decoded.length * channels * plane);
  decoded.forEach((img, k) => {
    if (img.width !== width || img.height !== height) {
      throw new DatasetError(
        `${files[k]}: image is ${img.width}×${img.height}, but ${files[0]} is ${width}×${height}; all PNG images must be the same size`,
      );
    }
    const src = img.channels;
    const base = k * channels * plane;
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < channels; c++) images[base + c * plane + i] = img.pixels[i * src + (src >= 3 ? c : 0)]!;
    }
  });
  return { images, count: decoded.length, channels, height, width, name };
}

async function decodeAll(files: string[]): Promise<PngImage[]> {
  const out: PngImage[] = [];
  for (const f of files) {
    try {
      out.push(await readPngFile(f));
    } catch (e) {
      throw new DatasetError(`${(e as Error).message.startsWith(f) ? '' : `${f}: `}${(e as Error).message}`);
    }
  }
  return out;
}

async function loadPngFolder(dir: string, testFraction: number): Promise<DatasetSplits> {
  const what = 'a folder of 8-bit PNG images of one size (or train/ and test/ subfolders)';
  await requireDir(dir, what, 'pass png:<dir> or --data <dir>');
  let trainFiles: string[];
  let testFiles: string[];
  if ((await kindOf(join(dir, 'train'))) === 'dir' && (await kindOf(join(dir, 'test'))) === 'dir') {
    [trainFiles, testFiles] = [await listPngs(join(dir, 'train')), await listPngs(join(dir, 'test'))];
    for (const [files, sub] of [[trainFiles, 'train'], [testFiles, 'test']] as const) {
      if (files.length === 0) throw new DatasetError(`${join(dir, sub)}: no .png files found; expected ${what}`);
    }
  } else {
    const files = await listPngs(dir);
    if (files.length < 2) {
      throw new DatasetError(`${dir}: ${files.length} .png files found; expected ${what}, at least 2 to split into train and test`);
    }
    const nTest = Math.min(files.length - 1, Math.max(1, Math.floor(files.length * testFraction)));
    [trainFiles, testFiles] = [files.slice(0, files.length - nTest), files.slice(files.length - nTest)];
  }
  const train = await decodeAll(trainFiles);
  const test = await decodeAll(testFiles);
  const channels = [...train, ...test].some((img) => img.channels >= 3) ? 3 : 1;
  const all = [...trainFiles, ...testFiles];
  const checked = toDataset(all, [...train, ...test], channels, ''); // one size across both splits
  const per = channels * checked.height * checked.width;
  const name = basename(dir);
  const split = (from: number, count: number, part: string): Dataset =>
    ({ ...checked, images: checked.images.slice(from * per, (from + count) * per), count, name: `${name}/${part}` });
  return { train: split(0, train.length, 'train'), test: split(train.length, test.length, 'test') };
}

/**
 * Loads train and test splits. `spec`: `fashion-mnist[:<dir>]` (default folder: opts.dataDir, then
 * $SDN_FASHION_MNIST_DIR, then /usr/share/datasets/fashion-mnist/), `mnist:<dir>`, `cifar10:<dir>`,
 * `png:<dir>`, a bare folder whose contents say which of these it is, `shapes3d[:size=N,train=N,test=N]`
 * (the procedural 3D Shapes) or `<file>.h5[:…]` (the real 3dshapes.h5, same options).
 */
export async function loadDataset(spec: string, opts: LoadDatasetOptions = {}): Promise<DatasetSplits> {
  const shapes = /^(?:shapes3d|(.+\.(?:h5|hdf5)))(?::(.+))?$/.exec(spec);
  if (shapes) {
    const o = parseShapes3dOptions(shapes[2], spec, { ...SHAPES3D_DEFAULTS, size: opts.imageSize ?? SHAPES3D_DEFAULTS.size });
    if (!shapes[1]) return proceduralShapes3d(o);
    // Loaded on demand: h5wasm's WebAssembly module is only needed for .h5 files.
    const { loadShapes3dFile } = await import('./hdf5-node.js');
    return loadShapes3dFile(shapes[1], o);
  }
  const m = /^(fashion-mnist|mnist|cifar10|png)(?::(.+))?$/.exec(spec);
  const dir = m?.[2] ?? opts.dataDir;
  const testFraction = opts.testFraction ?? 0.1;
  switch (m?.[1]) {
    case 'fashion-mnist': {
      const env = (opts.env ?? process.env).SDN_FASHION_MNIST_DIR;
      const hint = !dir && env ? `${FASHION_HINT} (the folder came from SDN_FASHION_MNIST_DIR)` : FASHION_HINT;
      return loadIdx(dir ?? (env || FASHION_MNIST_DIR), 'fashion-mnist', hint);
    }
    case 'mnist':
    case 'cifar10':
    case 'png':
      if (!dir) throw new DatasetError(`dataset ${spec}: no folder given; pass ${m[1]}:<dir> or --data <dir>`);
      if (m[1] === 'mnist') return loadIdx(dir, 'mnist', 'pass mnist:<dir> or --data <dir>');
      return m[1] === 'cifar10' ? loadCifar(dir) : loadPngFolder(dir, testFraction);
  }
  if ((await kindOf(spec)) !== 'dir') {
    throw new DatasetError(
      `${spec}: unknown dataset and no such folder; expected fashion-mnist[:<dir>], mnist:<dir>, cifar10:<dir>, png:<dir>, shapes3d, a 3dshapes .h5 file or a dataset folder`,
    );
  }
  const has = async (...names: string[]): Promise<boolean> => {
    for (const n of names) if ((await kindOf(join(spec, n))) !== undefined) return true;
    return false;
  };
  if (await has('data_batch_1.bin', 'cifar-10-batches-bin')) return loadCifar(spec);
  if (await has('train-images-idx3-ubyte.gz', 'train-images-idx3-ubyte', 'train-images.idx3-ubyte.gz', 'train-images.idx3-ubyte')) {
    return loadIdx(spec, basename(spec) || 'idx', 'pass --data <dir> with train-/t10k- images and labels IDX files');
  }
  if ((await has('train', 'test')) || (await listPngs(spec)).length > 0) return loadPngFolder(spec, testFraction);
  throw new DatasetError(
    `${spec}: no dataset found; expected IDX files (train-images-idx3-ubyte[.gz] …), CIFAR-10 batches (data_batch_1.bin … test_batch.bin) or PNG images`,
  );
}
