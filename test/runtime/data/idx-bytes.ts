// Builds IDX files for the data tests.

/** An IDX file: big-endian magic, dims, then `data` (default: bytes 0,1,2,…). */
export function idxBytes(magic: number, dims: number[], data?: Uint8Array): Uint8Array {
  const n = dims.reduce((a, b) => a * b, 1);
  const body = data ?? Uint8Array.from({ length: n }, (_, i) => i & 0xff);
  const out = new Uint8Array(4 + 4 * dims.length + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(body, 4 + 4 * dims.length);
  return out;
}
