import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../../runtime/data/datasets.js';
import { factorGrid, openShapes3dFile } from '../../../runtime/data/hdf5-node.js';
import { factorValue, indexToFactors } from '../../../runtime/data/shapes3d.js';
import { DatasetError } from '../../../runtime/data/types.js';

const dir = mkdtempSync(join(tmpdir(), 'sdn-hdf5-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SIZES = [2, 1, 2, 1, 2, 3]; // 24 rows
const N = SIZES.reduce((a, b) => a * b, 1);
const SIDE = 8;

/** Pixel (row i, y, x, channel c) = (i·7 + y·3 + x + c·50) mod 256, stored HWC as 3dshapes.h5. */
const pixel = (i: number, y: number, x: number, c: number) => (i * 7 + y * 3 + x + c * 50) % 256;

interface Layout { images?: { shape: number[]; dtype: string }; labels?: { shape: number[]; dtype: string }; order?: (i: number) => number }

function writeFile(name: string, layout: Layout = {}): string {
  const path = join(dir, name);
  const f = new h5wasm.File(path, 'w');
  const im = layout.images ?? { shape: [N, SIDE, SIDE, 3], dtype: '<B' };
  if (layout.images !== undefined || !('images' in layout)) {
    const data = new Uint8Array(im.shape.reduce((a, b) => a * b, 1));
    if (im.shape.length === 4) {
      for (let i = 0; i < im.shape[0]!; i++) for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) for (let c = 0; c < 3; c++) data[((i * SIDE + y) * SIDE + x) * 3 + c] = pixel(i, y, x, c);
    }
    f.create_dataset({ name: 'images', data: im.dtype === '<B' ? data : Float32Array.from(data), shape: im.shape, dtype: im.dtype });
  }
  const lb = layout.labels ?? { shape: [N, 6], dtype: '<d' };
  const labels = new Float64Array(lb.shape.reduce((a, b) => a * b, 1));
  if (lb.shape[1] === 6) {
    for (let i = 0; i < lb.shape[0]!; i++) indexToFactors((layout.order ?? ((k) => k))(i), SIZES).forEach((v, k) => (labels[i * 6 + k] = factorValue(k, v)));
  }
  f.create_dataset({ name: 'labels', data: labels, shape: lb.shape, dtype: lb.dtype });
  f.close();
  return path;
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DatasetError);
    return (e as Error).message;
  }
  throw new Error('expected a DatasetError');
}

beforeAll(async () => {
  await h5wasm.ready;
});

describe('3dshapes.h5 through h5wasm', () => {
  it('reads rows NCHW, and any N with the layout loads for training', async () => {
    const path = writeFile('good.h5');
    const file = await openShapes3dFile(path);
    expect([file.count, file.size]).toEqual([N, SIDE]);
    const rows = file.rows(5, 2);
    const at = (k: number, c: number, y: number, x: number) => rows[((k * 3 + c) * SIDE + y) * SIDE + x];
    expect([at(0, 0, 0, 0), at(0, 2, 1, 3), at(1, 1, 7, 7)]).toEqual([pixel(5, 0, 0, 0), pixel(5, 1, 3, 2), pixel(6, 7, 7, 1)]);
    file.close();
    const d = await loadDataset(`${path}:train=10,test=3`, { imageSize: SIDE });
    expect([d.train.count, d.test.count, d.train.height]).toEqual([10, 3, SIDE]);
    expect(d.test.name).toBe(`3dshapes.h5-${SIDE}/test`);
  });

  it('scales the stored images down to the model\'s size by box averaging', async () => {
    const path = writeFile('scaled.h5');
    const d = await loadDataset(`${path}:train=4,test=2`, { imageSize: SIDE / 2 });
    expect([d.train.height, d.train.width, d.train.images.length]).toEqual([4, 4, 4 * 3 * 16]);
    await expect(loadDataset(`${path}:train=4,test=2`, { imageSize: 6 })).rejects.toThrow(/cannot scale them to 6×6 \(needs a divisor of 8\)/);
  });

  it('recovers the factor grid from the labels, and rejects rows out of mixed-radix order', async () => {
    const file = await openShapes3dFile(writeFile('grid.h5'));
    expect(factorGrid(file.labels(), file.count, file.path)).toEqual(SIZES);
    file.close();
    const swapped = await openShapes3dFile(writeFile('swapped.h5', { order: (i) => (i === 0 ? 1 : i === 1 ? 0 : i) }));
    expect(() => factorGrid(swapped.labels(), swapped.count, swapped.path)).toThrow(/row 0 has labels .* out of the mixed-radix order of the 2×1×2×1×2×3 = 24 grid/);
    swapped.close();
    const partial = await openShapes3dFile(writeFile('partial.h5', { images: { shape: [N - 3, SIDE, SIDE, 3], dtype: '<B' }, labels: { shape: [N - 3, 6], dtype: '<d' } }));
    expect(() => factorGrid(partial.labels(), partial.count, partial.path)).toThrow(/the file has 21 rows/);
    partial.close();
  });

  it('a missing key, a wrong shape or type, or a file that is not HDF5 is an error naming the file and key', async () => {
    const noImages = writeFile('no-images.h5', { images: undefined });
    expect(await failure(openShapes3dFile(noImages))).toMatch(new RegExp(`^${noImages}: no dataset 'images' \\(it has 'labels'\\)`));
    const shape = writeFile('shape.h5', { images: { shape: [N, SIDE, SIDE], dtype: '<B' } });
    expect(await failure(openShapes3dFile(shape))).toMatch(/shape.h5: 'images' has shape \[24,8,8\]; expected \[N, H, W, 3\]/);
    const type = writeFile('type.h5', { images: { shape: [N, SIDE, SIDE, 3], dtype: '<f' } });
    expect(await failure(openShapes3dFile(type))).toMatch(/type.h5: 'images' has element type <f; expected uint8/);
    const labels = writeFile('labels.h5', { labels: { shape: [N, 5], dtype: '<d' } });
    expect(await failure(openShapes3dFile(labels))).toMatch(/labels.h5: 'labels' has shape \[24,5\]; expected \[24, 6\]/);
    const text = join(dir, 'text.h5');
    writeFileSync(text, 'not hdf5 at all');
    expect(await failure(openShapes3dFile(text))).toMatch(/text.h5: not an HDF5 file/);
    const broken = join(dir, 'broken.h5');
    writeFileSync(broken, Buffer.concat([Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('truncated')]));
    expect(await failure(openShapes3dFile(broken))).toMatch(/broken.h5: not a readable HDF5 file \(unable to .*\); expected keys images/);
    expect(await failure(loadDataset(join(dir, 'missing.h5')))).toMatch(/missing.h5: not found; expected an HDF5 file/);
  });
});
