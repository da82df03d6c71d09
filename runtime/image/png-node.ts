// Node side of the PNG codec: node:zlib for (de)compression, and file helpers.
import { readFile, writeFile } from 'node:fs/promises';
import { deflateSync, inflateSync } from 'node:zlib';
import { type EncodePngOptions, type PngImage, decodePng, encodePng } from './png.js';

const inflate = (data: Uint8Array): Uint8Array => new Uint8Array(inflateSync(data));
const deflate = (data: Uint8Array): Uint8Array => new Uint8Array(deflateSync(data, { level: 9 }));

/** Encodes with zlib compression (level 9) unless `opts.deflate` says otherwise. */
export function encodePngNode(image: PngImage, opts: EncodePngOptions = {}): Uint8Array {
  return encodePng(image, { deflate, ...opts });
}

export function decodePngNode(bytes: Uint8Array, fileName = 'PNG'): PngImage {
  return decodePng(bytes, inflate, fileName);
}

/** Reads and decodes a PNG file; errors (PngError, or the fs error) name the file. */
export async function readPngFile(path: string): Promise<PngImage> {
  const bytes = await readFile(path);
  return decodePngNode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}

export async function writePngFile(path: string, image: PngImage, opts: EncodePngOptions = {}): Promise<void> {
  await writeFile(path, encodePngNode(image, opts));
}
