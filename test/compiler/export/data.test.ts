// The exported data.py reads every kind of dataset `sdn train` reads to the same bytes as sdn:
// IDX (raw and gzipped), CIFAR-10 binary batches, and PNG folders (flat, split by path, with gray,
// RGB and RGBA mixed; and train/ + test/ subfolders).
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_PY } from '../../../compiler/export/data-py.js';
import { loadDataset } from '../../../runtime/data/datasets.js';
import { writePngFile } from '../../../runtime/image/png-node.js';
import { syntheticImages, writeIdxDataset } from '../../runtime/train/helpers.js';
import { runPython, torchPython } from '../../support/python.js';

const python = torchPython();
const dir = mkdtempSync(join(tmpdir(), 'sdn-export-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const bytes = (n: number, salt: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + salt * 7 + (i >> 5)) % 256);

async function pngFolder(root: string, names: string[], size: number): Promise<void> {
  mkdirSync(root, { recursive: true });
  for (const [k, name] of names.entries()) {
    const channels = ([1, 3, 4, 2] as const)[k % 4];
    mkdirSync(join(root, name, '..'), { recursive: true });
    await writePngFile(join(root, name), { width: size, height: size, channels, pixels: bytes(size * size * channels, k) });
  }
}

describe.skipIf(!python)('data.py reads datasets to the bytes sdn reads', () => {
  const specs: Record<string, string> = {};
  beforeAll(async () => {
    writeFileSync(join(dir, 'data.py'), DATA_PY);
    specs.idx = `mnist:${writeIdxDataset(join(dir, 'idx'), syntheticImages(12), syntheticImages(5, 3))}`;
    const gz = writeIdxDataset(join(dir, 'idx-gz'), syntheticImages(7), syntheticImages(4, 2));
    for (const f of ['train-images-idx3-ubyte', 't10k-images-idx3-ubyte']) {
      writeFileSync(join(gz, `${f}.gz`), gzipSync(readFileSync(join(gz, f))));
      rmSync(join(gz, f));
    }
    specs.idxGz = gz;
    const cifar = join(dir, 'cifar', 'cifar-10-batches-bin');
    mkdirSync(cifar, { recursive: true });
    const record = (k: number) => { const r = bytes(3073, k); r[0] = k % 10; return r; };
    for (let i = 1; i <= 5; i++) writeFileSync(join(cifar, `data_batch_${i}.bin`), Buffer.concat([record(i), record(i + 10)]));
    writeFileSync(join(cifar, 'test_batch.bin'), Buffer.from(record(99)));
    specs.cifar = `cifar10:${join(dir, 'cifar')}`;
    await pngFolder(join(dir, 'flat'), Array.from({ length: 11 }, (_, k) => `${k % 2 ? 'b' : 'a'}/img${k}.png`), 6);
    specs.pngFlat = `png:${join(dir, 'flat')}`;
    await pngFolder(join(dir, 'split'), ['train/x.png', 'train/y.png', 'train/z.png', 'test/t.png'], 5);
    specs.pngSplit = join(dir, 'split');
  });

  it.each(['idx', 'idxGz', 'cifar', 'pngFlat', 'pngSplit'])('%s', async (kind) => {
    const ours = await loadDataset(specs[kind], { env: {} });
    const theirs = JSON.parse(runPython(['-c', `
import hashlib, json, sys
sys.path.insert(0, ${JSON.stringify(dir)})
import data
train, test = data.load(${JSON.stringify(specs[kind])})
print(json.dumps([[list(t.shape), hashlib.sha256(t.contiguous().numpy().tobytes()).hexdigest()] for t in (train, test)]))
`]));
    const want = [ours.train, ours.test].map((d) => [[d.count, d.channels, d.height, d.width], sha(d.images)]);
    expect(theirs).toEqual(want);
  });
});
