import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as nodeCrc32, deflateSync, inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { type PngImage, PngError, crc32, decodePng, encodePng, zlibStored } from '../../../runtime/image/png.js';
import { decodePngNode, encodePngNode, readPngFile, writePngFile } from '../../../runtime/image/png-node.js';

const root = mkdtempSync(join(tmpdir(), 'sdn-png-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Deterministic pseudo-random bytes (an LCG), so failures reproduce. */
function noise(n: number, seed: number): Uint8Array {
  let s = seed >>> 0;
  return Uint8Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s >>> 24));
}

const image = (width: number, height: number, channels: 1 | 2 | 3 | 4, seed = 1): PngImage =>
  ({ width, height, channels, pixels: noise(width * height * channels, seed) });

/** A PNG file from raw chunks, CRCs by node:zlib (independent of the code under test). */
function pngFile(chunks: [string, Uint8Array][]): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10])];
  for (const [type, data] of chunks) {
    const body = new Uint8Array(4 + data.length);
    body.set(new TextEncoder().encode(type));
    body.set(data, 4);
    const len = new Uint8Array(4);
    const crc = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, data.length);
    new DataView(crc.buffer).setUint32(0, nodeCrc32(body));
    parts.push(len, body, crc);
  }
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

function ihdr(width: number, height: number, depth = 8, color = 0, interlace = 0): Uint8Array {
  const out = new Uint8Array(13);
  new DataView(out.buffer).setUint32(0, width);
  new DataView(out.buffer).setUint32(4, height);
  out.set([depth, color, 0, 0, interlace], 8);
  return out;
}

/** Filtered scanlines as the PNG spec defines them; row y uses filterOf(y). */
function filterRows(img: PngImage, filterOf: (y: number) => number): Uint8Array {
  const { width, height, channels: bpp, pixels } = img;
  const stride = width * bpp;
  const out: number[] = [];
  const px = (y: number, i: number) => (y < 0 || i < 0 ? 0 : pixels[y * stride + i]!);
  for (let y = 0; y < height; y++) {
    const f = filterOf(y);
    out.push(f);
    for (let i = 0; i < stride; i++) {
      const [a, b, c] = [px(y, i - bpp), px(y - 1, i), px(y - 1, i - bpp)];
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      const pred = [0, a, b, Math.floor((a + b) / 2), pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f]!;
      out.push((px(y, i) - pred + 256) % 256);
    }
  }
  return Uint8Array.from(out);
}

const colorOf = { 1: 0, 2: 4, 3: 2, 4: 6 } as const;

describe('CRC-32 and stored zlib', () => {
  it('matches the reference check values', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new TextEncoder().encode('IEND'))).toBe(0xae426082);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('writes zlib streams that node:zlib inflates, across the 65535-byte block limit', () => {
    for (const n of [0, 1, 65535, 65536, 200_000]) {
      const data = noise(n, n);
      expect(new Uint8Array(inflateSync(zlibStored(data)))).toEqual(data);
    }
  });
});

describe('PNG round trip', () => {
  const inflate = (d: Uint8Array) => new Uint8Array(inflateSync(d));
  for (const channels of [1, 2, 3, 4] as const) {
    it(`${channels} channel(s), odd sizes, every filter choice, stored and deflated`, () => {
      for (const [w, h] of [[1, 1], [3, 5], [7, 2], [33, 9]] as const) {
        const img = image(w, h, channels, w * 31 + h);
        for (const filter of [0, 1, 2, 3, 4, 'adaptive'] as const) {
          expect(decodePngNode(encodePngNode(img, { filter }), 'x.png')).toEqual(img);
          expect(decodePng(encodePng(img, { filter }), inflate)).toEqual(img);
        }
      }
    });
  }

  it('writes and reads files; smooth images compress', async () => {
    const grad: PngImage = { width: 64, height: 64, channels: 3, pixels: Uint8Array.from({ length: 64 * 64 * 3 }, (_, i) => (i >> 2) & 0xff) };
    const path = join(root, 'grad.png');
    await writePngFile(path, grad);
    expect(await readPngFile(path)).toEqual(grad);
    expect(encodePngNode(grad).length).toBeLessThan(grad.pixels.length / 4);
  });

  it('rejects pixels of the wrong length or channel count', () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 1, pixels: new Uint8Array(3) })).toThrow(/3 bytes, expected 2×2×1 = 4/);
    expect(() => encodePng({ width: 1, height: 1, channels: 5 as 1, pixels: new Uint8Array(5) })).toThrow(PngError);
  });
});

describe('PNG decoding of hand-built files', () => {
  for (const f of [0, 1, 2, 3, 4]) {
    it(`decodes filter type ${f} on every row`, () => {
      // Noise, and values 0..3, whose many equal neighbours exercise the Paeth tie-breaking order.
      const noisy = image(5, 4, 3, 10 + f);
      const flat = { ...image(9, 6, 3, 20 + f), pixels: noise(9 * 6 * 3, 20 + f).map((v) => (v & 3) * 10) };
      for (const img of [noisy, flat]) {
        const file = pngFile([['IHDR', ihdr(img.width, img.height, 8, 2)], ['IDAT', deflateSync(filterRows(img, () => f))], ['IEND', new Uint8Array(0)]]);
        expect(decodePngNode(file)).toEqual(img);
      }
    });
  }

  it('decodes mixed per-row filters, split IDAT chunks and ancillary chunks, gray+alpha', () => {
    const img = image(7, 10, 2, 99);
    const z = deflateSync(filterRows(img, (y) => (y * 3) % 5));
    const file = pngFile([
      ['IHDR', ihdr(7, 10, 8, colorOf[2])],
      ['tEXt', new TextEncoder().encode('Comment\0hello')],
      ['IDAT', z.subarray(0, 5)],
      ['IDAT', z.subarray(5)],
      ['IEND', new Uint8Array(0)],
    ]);
    expect(decodePngNode(file)).toEqual(img);
  });

  it('rejects unsupported or corrupt files with a message naming the file', () => {
    const body = deflateSync(filterRows(image(2, 2, 1), () => 0));
    const file = (h: Uint8Array, idat: Uint8Array = body) => pngFile([['IHDR', h], ['IDAT', idat], ['IEND', new Uint8Array(0)]]);
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array([1, 2, 3]), /^a\.png: not a PNG file \(bad signature\)$/],
      [file(ihdr(2, 2, 16, 0)), /^a\.png: bit depth 16 is not supported \(only 8-bit PNGs\)$/],
      [file(ihdr(2, 2, 8, 3)), /^a\.png: palette \(indexed-color\) PNGs are not supported/],
      [file(ihdr(2, 2, 8, 0, 1)), /^a\.png: interlaced \(Adam7\) PNGs are not supported$/],
      [file(ihdr(2, 2, 8, 5)), /^a\.png: unknown color type 5$/],
      [file(ihdr(2, 2), deflateSync(Uint8Array.from([0, 1, 2, 5, 3, 4]))), /^a\.png: row 1 has unknown filter type 5$/],
      [file(ihdr(2, 2), deflateSync(new Uint8Array(4))), /^a\.png: truncated image data: 4 bytes, expected 6/],
      [file(ihdr(2, 2), Uint8Array.from([1, 2, 3, 4])), /^a\.png: corrupt compressed image data/],
      [file(ihdr(2, 2)).subarray(0, 50), /^a\.png: truncated chunk at byte 33/],
      [pngFile([['IHDR', ihdr(2, 2)], ['IDAT', body]]), /^a\.png: truncated \(no IEND chunk\)$/],
      [pngFile([['IHDR', ihdr(2, 2)], ['ABCD', new Uint8Array(1)], ['IDAT', body], ['IEND', new Uint8Array(0)]]), /^a\.png: unsupported critical chunk ABCD$/],
      [pngFile([['IDAT', body], ['IEND', new Uint8Array(0)]]), /^a\.png: first chunk is IDAT, expected IHDR$/],
    ];
    for (const [bytes, re] of cases) expect(() => decodePngNode(bytes, 'a.png')).toThrow(re);
    const bad = file(ihdr(2, 2));
    bad[20] ^= 1;
    expect(() => decodePngNode(bad, 'a.png')).toThrow(/^a\.png: CRC mismatch in IHDR chunk$/);
  });

  it('readPngFile names the path on disk', async () => {
    const path = join(root, 'sixteen.png');
    writeFileSync(path, pngFile([['IHDR', ihdr(1, 1, 16, 0)], ['IDAT', deflateSync(new Uint8Array(3))], ['IEND', new Uint8Array(0)]]));
    await expect(readPngFile(path)).rejects.toThrow(`${path}: bit depth 16 is not supported`);
  });
});
