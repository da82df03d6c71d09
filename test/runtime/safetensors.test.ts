import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../../runtime/safetensors.js';
import { loadSafetensorsFile, saveSafetensorsFile } from '../../runtime/safetensors-node.js';
import { goldenDir } from '../support/golden.js';

/** A raw file from a header object and a data buffer of `dataBytes` bytes. */
function raw(header: unknown, dataBytes: number, headerText = JSON.stringify(header)): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

describe('safetensors codec', () => {
  it('round-trips tensors and metadata, with an 8-byte aligned data section', () => {
    const tensors = new Map([
      ['a', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, -6.5]) }],
      ['b.c', { dtype: 'F32', shape: [], data: new Float32Array([Math.PI]) }],
      ['empty', { shape: [0, 4], data: new Float32Array(0) }],
    ]);
    const bytes = writeSafetensors(tensors, { config: '{"op":"x"}' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const back = readSafetensors(bytes);
    expect(back.metadata).toEqual({ config: '{"op":"x"}' });
    expect([...back.tensors.keys()]).toEqual(['a', 'b.c', 'empty']);
    expect(back.tensors.get('a')).toEqual({ dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, -6.5]) });
    expect(back.tensors.get('b.c')!.data[0]).toBe(Math.fround(Math.PI));
    expect(back.tensors.get('empty')!.shape).toEqual([0, 4]);
  });

  it('reads from a Uint8Array view at an odd offset', () => {
    const bytes = writeSafetensors({ t: { shape: [3], data: [1, 2, 3] } });
    const big = new Uint8Array(bytes.length + 1);
    big.set(bytes, 1);
    expect([...readSafetensors(big.subarray(1)).tensors.get('t')!.data]).toEqual([1, 2, 3]);
  });

  it('reads every golden file and writes it back with the same tensors', () => {
    const files = readdirSync(goldenDir()).filter((f) => f.endsWith('.safetensors'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const a = readSafetensors(new Uint8Array(readFileSync(join(goldenDir(), f))));
      expect(JSON.parse(a.metadata.config).op, f).toBeTypeOf('string');
      const b = readSafetensors(writeSafetensors(a.tensors, a.metadata));
      expect(b.tensors, f).toEqual(a.tensors);
    }
    const g = readSafetensors(new Uint8Array(readFileSync(join(goldenDir(), 'gru_cell.safetensors'))));
    expect(g.tensors.get('x')!.shape).toEqual([7, 9]);
  });

  describe('rejects malformed input with a clear error', () => {
    const t = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
    const cases: [string, Uint8Array, RegExp][] = [
      ['a file shorter than 8 bytes', new Uint8Array(5), /too short/],
      ['a header length past the end', raw({ t }, 8).subarray(0, 20), /header length \d+ exceeds/],
      ['a truncated data section', raw({ t }, 4), /'t': data ends at byte 8 but the data buffer has 4 \(truncated/],
      ['a non-JSON header', raw(null, 0, '{"t": '), /not valid UTF-8 JSON/],
      ['a non-object header', raw([1, 2], 0), /not a JSON object/],
      ['another dtype, naming the tensor', raw({ half: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, 4), /'half' has dtype "F16"; only F32/],
      ['offsets that disagree with the shape', raw({ t: { ...t, shape: [3] } }, 8), /'t': data_offsets span 8 bytes, shape \[3\] needs 12/],
      ['bad offsets', raw({ t: { ...t, data_offsets: [8, 0] } }, 8), /'t': bad data_offsets/],
      ['a bad shape', raw({ t: { ...t, shape: [-2] } }, 8), /'t': shape \[-2\]/],
      ['overlapping tensors', raw({ t, u: t }, 8), /overlaps/],
      ['a hole in the data', raw({ t: { ...t, data_offsets: [4, 12] } }, 12), /hole in the data buffer before tensor 't'/],
      ['trailing bytes', raw({ t }, 12), /4 trailing bytes/],
      ['non-string metadata', raw({ __metadata__: { a: 1 } }, 0), /__metadata__ value for 'a' is not a string/],
      ['a PyTorch zip checkpoint (torch.save, Lightning .ckpt), pointing to convert.py', Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0]), /PyTorch pickle .* convert it with convert.py from `sdn export/],
      ['a raw pickle', Uint8Array.from([0x80, 2, 0x7d, 0x71, 0, 0, 0, 0, 0]), /PyTorch pickle/],
    ];
    for (const [what, bytes, msg] of cases) {
      it(what, () => expect(() => readSafetensors(bytes)).toThrow(msg));
    }
  });

  it('writer rejects other dtypes (naming the tensor), size mismatches and reserved names', () => {
    expect(() => writeSafetensors({ w: { dtype: 'F64', shape: [1], data: [1] } })).toThrow(/'w' has dtype F64; only F32/);
    expect(() => writeSafetensors({ w: { shape: [2, 2], data: [1, 2, 3] } })).toThrow(/'w': shape \[2, 2\] needs 4 values, got 3/);
    expect(() => writeSafetensors({ __metadata__: { shape: [], data: [1] } })).toThrow(/__metadata__/);
  });
});

describe('safetensors files (Node)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sdn-st-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('saves atomically (no temp file left behind) and loads back', async () => {
    const path = join(dir, 'ckpt.safetensors');
    await saveSafetensorsFile(path, { w: { shape: [2], data: new Float32Array([1, 2]) } }, { step: '1' });
    await saveSafetensorsFile(path, { w: { shape: [2], data: new Float32Array([3, 4]) } }, { step: '2' });
    expect(readdirSync(dir)).toEqual(['ckpt.safetensors']);
    const f = await loadSafetensorsFile(path);
    expect(f.metadata).toEqual({ step: '2' });
    expect([...f.tensors.get('w')!.data]).toEqual([3, 4]);
  });

  it('a failed save leaves the old file and no temp file', async () => {
    const path = join(dir, 'keep.safetensors');
    await saveSafetensorsFile(path, { w: { shape: [1], data: [7] } });
    await expect(saveSafetensorsFile(path, { w: { dtype: 'BF16', shape: [1], data: [7] } })).rejects.toThrow(/BF16/);
    await expect(saveSafetensorsFile(join(dir, 'missing', 'x.safetensors'), { w: { shape: [1], data: [7] } })).rejects.toThrow();
    expect(readdirSync(dir).sort()).toEqual(['ckpt.safetensors', 'keep.safetensors']);
    expect([...(await loadSafetensorsFile(path)).tensors.get('w')!.data]).toEqual([7]);
  });

  it('load errors name the file', async () => {
    const path = join(dir, 'bad.safetensors');
    writeFileSync(path, new Uint8Array(3));
    await expect(loadSafetensorsFile(path)).rejects.toThrow(/bad\.safetensors: safetensors: file is 3 bytes/);
    rmSync(path);
  });
});
