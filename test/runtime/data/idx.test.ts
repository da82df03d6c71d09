import { describe, expect, it } from 'vitest';
import { parseIdxImages, parseIdxLabels } from '../../../runtime/data/idx.js';
import { DatasetError } from '../../../runtime/data/types.js';
import { idxBytes } from './idx-bytes.js';

describe('IDX parsing', () => {
  it('reads images [N, rows, cols] and labels [N]', () => {
    const img = parseIdxImages(idxBytes(0x803, [2, 3, 4]), 'imgs');
    expect([img.count, img.rows, img.cols]).toEqual([2, 3, 4]);
    expect([...img.data]).toEqual(Array.from({ length: 24 }, (_, i) => i));
    const lab = parseIdxLabels(idxBytes(0x801, [3], Uint8Array.from([7, 0, 9])), 'labs');
    expect(lab.count).toBe(3);
    expect([...lab.labels]).toEqual([7, 0, 9]);
  });

  it('reads from a view that does not start at offset 0', () => {
    const file = idxBytes(0x801, [2], Uint8Array.from([4, 5]));
    const padded = new Uint8Array(file.length + 3);
    padded.set(file, 3);
    expect([...parseIdxLabels(padded.subarray(3), 'x').labels]).toEqual([4, 5]);
  });

  it('rejects a bad magic, naming the file and the expected magic', () => {
    const err = (() => {
      try {
        parseIdxImages(idxBytes(0x801, [2]), 'some/train-images');
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(DatasetError);
    expect(err!.message).toMatch(/^some\/train-images: bad magic number 0x00000801, expected 0x00000803/);
    expect(() => parseIdxLabels(idxBytes(0x803, [1, 1, 1]), 'labs.idx')).toThrow(/labs\.idx: bad magic.*0x00000801/);
  });

  it('says when a file is still gzip-compressed', () => {
    expect(() => parseIdxLabels(Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0]), 'f.gz')).toThrow(/f\.gz: .*gzip-compressed/);
  });

  it('rejects truncated headers and data, and trailing bytes', () => {
    expect(() => parseIdxImages(new Uint8Array([0, 0]), 'tiny')).toThrow(/^tiny: file is 2 bytes, too short/);
    expect(() => parseIdxImages(idxBytes(0x803, [2, 3, 4]).subarray(0, 10), 'hdr')).toThrow(/^hdr: truncated header/);
    const short = idxBytes(0x803, [2, 3, 4]).subarray(0, 16 + 20);
    expect(() => parseIdxImages(short, 'short')).toThrow(/^short: truncated data: header says 2×3×4 = 24 bytes of images, but only 20/);
    const long = idxBytes(0x801, [2], Uint8Array.from([1, 2, 3]));
    expect(() => parseIdxLabels(long, 'long')).toThrow(/^long: size mismatch: .* 2 bytes of labels, but 3/);
  });
});
