// IDX reader (the MNIST / Fashion-MNIST format): a big-endian header of magic 0x0000TTDD
// (TT = element type, 0x08 for uint8; DD = number of dimensions), DD big-endian uint32 sizes,
// then the elements in row-major order. Browser-safe: no Node imports.
import { DatasetError } from './types.js';

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count × rows × cols bytes (a view into the input). */
  data: Uint8Array;
}

export interface IdxLabels {
  count: number;
  labels: Uint8Array;
}

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

function parse(bytes: Uint8Array, fileName: string, magic: number, what: string): { dims: number[]; data: Uint8Array } {
  const fail = (msg: string): never => {
    throw new DatasetError(`${fileName}: ${msg}`);
  };
  const ndim = magic & 0xff;
  const headerLen = 4 + 4 * ndim;
  if (bytes.length < 4) fail(`file is ${bytes.length} bytes, too short for an IDX header (expected an IDX ${what} file)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const got = view.getUint32(0, false);
  if (got !== magic) {
    const gz = bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (the file is gzip-compressed; decompress it first)' : '';
    fail(`bad magic number ${hex(got)}, expected ${hex(magic)} for an IDX ${what} file${gz}`);
  }
  if (bytes.length < headerLen) fail(`truncated header: ${bytes.length} bytes, expected at least ${headerLen} for an IDX ${what} file`);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const have = bytes.length - headerLen;
  if (have < expected) {
    fail(`truncated data: header says ${dims.join('×')} = ${expected} bytes of ${what}, but only ${have} follow the header`);
  }
  if (have > expected) {
    fail(`size mismatch: header says ${dims.join('×')} = ${expected} bytes of ${what}, but ${have} follow the header`);
  }
  return { dims, data: bytes.subarray(headerLen, headerLen + expected) };
}

/** Parses an IDX uint8 image file (magic 0x00000803, dims [N, rows, cols]). `fileName` is for messages. */
export function parseIdxImages(bytes: Uint8Array, fileName: string): IdxImages {
  const { dims, data } = parse(bytes, fileName, IDX_IMAGES_MAGIC, 'images');
  const [count, rows, cols] = dims as [number, number, number];
  return { count, rows, cols, data };
}

/** Parses an IDX uint8 label file (magic 0x00000801, dims [N]). `fileName` is for messages. */
export function parseIdxLabels(bytes: Uint8Array, fileName: string): IdxLabels {
  const { dims, data } = parse(bytes, fileName, IDX_LABELS_MAGIC, 'labels');
  return { count: dims[0]!, labels: data };
}
