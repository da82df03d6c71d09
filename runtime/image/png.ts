// PNG codec core for 8-bit, non-interlaced gray / gray+alpha / RGB / RGBA images. Browser-safe:
// compression is passed in (png-node.ts supplies node:zlib); without a deflater the encoder
// writes stored (uncompressed) zlib blocks, which every PNG reader accepts.
export { imageGrid, type ImageGrid } from './grid.js';

/** Pixels are row-major and interleaved (HWC), `channels` bytes per pixel. */
export interface PngImage {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  pixels: Uint8Array;
}

export class PngError extends Error {
  override name = 'PngError';
}

export type Deflate = (data: Uint8Array) => Uint8Array;
export type Inflate = (data: Uint8Array) => Uint8Array;
/** A fixed PNG filter type (0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth) or a per-row heuristic choice. */
export type PngFilter = 0 | 1 | 2 | 3 | 4 | 'adaptive';

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
// PNG color type per channel count: gray, gray+alpha, RGB, RGBA.
const COLOR_TYPE: Record<number, number> = { 1: 0, 2: 4, 3: 2, 4: 6 };
const CHANNELS: Record<number, 1 | 2 | 3 | 4> = { 0: 1, 4: 2, 2: 3, 6: 4 };
// Refuse images whose raw size would exceed this (a corrupt header must not drive a huge allocation).
const MAX_RAW_BYTES = 1 << 30;

let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO-HDLC polynomial 0xEDB88320, as PNG and zlib use); `crc` continues a running value. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; ) {
    // 5552 is the largest run before the sums can overflow 2^32 (the zlib NMAX).
    const end = Math.min(i + 5552, bytes.length);
    for (; i < end; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** A zlib stream of stored (uncompressed) deflate blocks: a dependency-free Deflate. */
export function zlibStored(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / 65535));
  const out = new Uint8Array(2 + blocks * 5 + data.length + 4);
  out[0] = 0x78;
  out[1] = 0x01;
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const start = b * 65535;
    const len = Math.min(65535, data.length - start);
    out[o] = b === blocks - 1 ? 1 : 0;
    out[o + 1] = len & 0xff;
    out[o + 2] = len >>> 8;
    out[o + 3] = ~len & 0xff;
    out[o + 4] = (~len >>> 8) & 0xff;
    out.set(data.subarray(start, start + len), o + 5);
    o += 5 + len;
  }
  new DataView(out.buffer).setUint32(o, adler32(data), false);
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** The predictor of filter `type` for byte i of a row (`prev` is the row above, zeros for the first). */
function predict(type: number, row: Uint8Array, prev: Uint8Array, i: number, bpp: number): number {
  const a = i >= bpp ? row[i - bpp]! : 0;
  const b = prev[i]!;
  switch (type) {
    case 1: return a;
    case 2: return b;
    case 3: return (a + b) >>> 1;
    case 4: return paeth(a, b, i >= bpp ? prev[i - bpp]! : 0);
    default: return 0;
  }
}

export interface EncodePngOptions {
  deflate?: Deflate;
  /** Default 'adaptive': per row, the filter with the least sum of |signed residual| (the libpng heuristic). */
  filter?: PngFilter;
}

export function encodePng(image: PngImage, opts: EncodePngOptions = {}): Uint8Array {
  const { width, height, channels, pixels } = image;
  const colorType = COLOR_TYPE[channels];
  if (colorType === undefined) throw new PngError(`cannot encode ${channels} channels (expected 1, 2, 3 or 4)`);
  if (!(width >= 1 && height >= 1 && Number.isInteger(width) && Number.isInteger(height))) {
    throw new PngError(`bad image size ${width}×${height}`);
  }
  const stride = width * channels;
  if (pixels.length !== stride * height) {
    throw new PngError(`pixels have ${pixels.length} bytes, expected ${width}×${height}×${channels} = ${stride * height}`);
  }
  const raw = new Uint8Array((stride + 1) * height);
  const zero = new Uint8Array(stride);
  const candidate = new Uint8Array(stride);
  const filter = opts.filter ?? 'adaptive';
  for (let y = 0; y < height; y++) {
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : zero;
    const out = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    let best = Infinity;
    for (const type of filter === 'adaptive' ? [0, 1, 2, 3, 4] : [filter]) {
      let cost = 0;
      for (let i = 0; i < stride; i++) {
        const v = (row[i]! - predict(type, row, prev, i, channels)) & 0xff;
        candidate[i] = v;
        cost += v < 128 ? v : 256 - v;
      }
      if (cost < best) {
        best = cost;
        raw[y * (stride + 1)] = type;
        out.set(candidate);
      }
    }
  }
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width, false);
  hv.setUint32(4, height, false);
  ihdr.set([8, colorType, 0, 0, 0], 8);
  const idat = (opts.deflate ?? zlibStored)(raw);
  const chunks: [string, Uint8Array][] = [['IHDR', ihdr], ['IDAT', idat], ['IEND', new Uint8Array(0)]];
  const out = new Uint8Array(8 + chunks.reduce((s, [, d]) => s + 12 + d.length, 0));
  out.set(SIGNATURE);
  const view = new DataView(out.buffer);
  let o = 8;
  for (const [type, data] of chunks) {
    view.setUint32(o, data.length, false);
    for (let i = 0; i < 4; i++) out[o + 4 + i] = type.charCodeAt(i);
    out.set(data, o + 8);
    view.setUint32(o + 8 + data.length, crc32(out.subarray(o + 4, o + 8 + data.length)), false);
    o += 12 + data.length;
  }
  return out;
}

/** Decodes an 8-bit non-interlaced PNG; `fileName` prefixes every error message. */
export function decodePng(bytes: Uint8Array, inflate: Inflate, fileName = 'PNG'): PngImage {
  const fail = (msg: string): never => {
    throw new PngError(`${fileName}: ${msg}`);
  };
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) fail('not a PNG file (bad signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0;
  let height = 0;
  let channels: 1 | 2 | 3 | 4 = 1;
  const idat: Uint8Array[] = [];
  let ended = false;
  for (let o = 8; !ended; ) {
    if (o + 12 > bytes.length) fail('truncated (no IEND chunk)');
    const len = view.getUint32(o, false);
    if (o + 12 + len > bytes.length) fail(`truncated chunk at byte ${o} (length ${len})`);
    const type = String.fromCharCode(...bytes.subarray(o + 4, o + 8));
    const data = bytes.subarray(o + 8, o + 8 + len);
    if (crc32(bytes.subarray(o + 4, o + 8 + len)) !== view.getUint32(o + 8 + len, false)) fail(`CRC mismatch in ${type} chunk`);
    if (o === 8 && type !== 'IHDR') fail(`first chunk is ${type}, expected IHDR`);
    if (type === 'IHDR') {
      if (len !== 13) fail(`IHDR has ${len} bytes, expected 13`);
      width = view.getUint32(o + 8, false);
      height = view.getUint32(o + 12, false);
      const [depth, color, compression, filterMethod, interlace] = data.subarray(8);
      if (width === 0 || height === 0) fail(`bad size ${width}×${height}`);
      if (depth !== 8) fail(`bit depth ${depth} is not supported (only 8-bit PNGs)`);
      if (color === 3) fail('palette (indexed-color) PNGs are not supported (only 8-bit gray, gray+alpha, RGB, RGBA)');
      const ch = CHANNELS[color!];
      if (ch === undefined) fail(`unknown color type ${color}`);
      channels = ch!;
      if (compression !== 0 || filterMethod !== 0) fail(`unknown compression ${compression} / filter method ${filterMethod}`);
      if (interlace !== 0) fail('interlaced (Adam7) PNGs are not supported');
      if (width * height * channels > MAX_RAW_BYTES) fail(`image ${width}×${height} is too large`);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') ended = true;
    // Bit 5 of the first type byte clear = critical: a chunk we don't understand changes the image.
    else if (!(bytes[o + 4]! & 0x20) && type !== 'PLTE') fail(`unsupported critical chunk ${type}`);
    o += 12 + len;
  }
  if (idat.length === 0) fail('no IDAT chunk');
  const joined = new Uint8Array(idat.reduce((s, d) => s + d.length, 0));
  idat.reduce((o, d) => (joined.set(d, o), o + d.length), 0);
  let raw: Uint8Array = new Uint8Array(0);
  try {
    raw = inflate(joined);
  } catch (e) {
    fail(`corrupt compressed image data (${(e as Error).message})`);
  }
  const stride = width * channels;
  if (raw.length < (stride + 1) * height) {
    fail(`truncated image data: ${raw.length} bytes, expected ${(stride + 1) * height} for ${width}×${height}×${channels}`);
  }
  const pixels = new Uint8Array(stride * height);
  const zero = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const type = raw[y * (stride + 1)]!;
    if (type > 4) fail(`row ${y} has unknown filter type ${type}`);
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : zero;
    for (let i = 0; i < stride; i++) row[i] = (src[i]! + predict(type, row, prev, i, channels)) & 0xff;
  }
  return { width, height, channels, pixels };
}
