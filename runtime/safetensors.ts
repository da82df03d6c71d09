// safetensors reader/writer (F32 only): 8-byte little-endian header length N, N bytes of JSON header
// { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: { key: string } }, then the
// data buffer, which the offsets must cover exactly (no holes, no overlaps), as the reference
// implementation requires. Browser-safe: no Node imports.

export interface SafeTensor {
  dtype: 'F32';
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

/** What writeSafetensors accepts: data of any numeric array type is stored as float32. */
export interface TensorInput {
  dtype?: string;
  shape: readonly number[];
  data: ArrayLike<number>;
}

// Far above any real header; stops a corrupt length from driving a huge allocation.
const MAX_HEADER = 100 * 1024 * 1024;

function fail(msg: string): never {
  throw new Error(`safetensors: ${msg}`);
}

function isShape(s: unknown): s is number[] {
  return Array.isArray(s) && s.every((d) => Number.isSafeInteger(d) && d >= 0);
}

/** A zip archive (torch.save since PyTorch 1.6, Lightning .ckpt) or a raw pickle (protocol 2+). */
const isPickle = (b: Uint8Array) => (b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) || (b[0] === 0x80 && b[1] >= 2 && b[1] <= 5);

export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (isPickle(bytes)) {
    fail('this is a PyTorch pickle (torch.save or a Lightning .ckpt), not safetensors; convert it with convert.py from `sdn export model.sdn --to pytorch -o out/`');
  }
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(Math.min(MAX_HEADER, bytes.length - 8))) {
    fail(`header length ${n} exceeds the ${bytes.length - 8} bytes after the length field (truncated or not safetensors)`);
  }
  const headerLen = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');

  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof info !== 'object' || info === null || Array.isArray(info)) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__ value for '${k}' is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const t = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof t !== 'object' || t === null) fail(`tensor '${name}': entry is not an object`);
    if (t.dtype !== 'F32') fail(`tensor '${name}' has dtype ${JSON.stringify(t.dtype)}; only F32 is supported`);
    if (!isShape(t.shape)) fail(`tensor '${name}': shape ${JSON.stringify(t.shape)} is not a list of non-negative integers`);
    const off = t.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isSafeInteger(o) && o >= 0) || off[0] > off[1]) {
      fail(`tensor '${name}': bad data_offsets ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as [number, number];
    const expected = t.shape.reduce((a, d) => a * d, 1) * 4;
    if (end - begin !== expected) {
      fail(`tensor '${name}': data_offsets span ${end - begin} bytes, shape [${t.shape.join(', ')}] needs ${expected}`);
    }
    if (end > dataLen) fail(`tensor '${name}': data ends at byte ${end} but the data buffer has ${dataLen} (truncated file?)`);
    entries.push({ name, shape: t.shape, begin, end });
  }

  let covered = 0;
  for (const e of [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end)) {
    if (e.begin !== covered) {
      fail(e.begin < covered ? `tensor '${e.name}' overlaps another tensor` : `hole in the data buffer before tensor '${e.name}'`);
    }
    covered = e.end;
  }
  if (covered !== dataLen) fail(`data buffer has ${dataLen - covered} trailing bytes not covered by any tensor`);

  const tensors = new Map<string, SafeTensor>();
  for (const e of entries) {
    const data = new Float32Array((e.end - e.begin) / 4);
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(dataStart + e.begin + 4 * i, true);
    tensors.set(e.name, { dtype: 'F32', shape: e.shape, data });
  }
  return { tensors, metadata };
}

export function writeSafetensors(
  tensors: Map<string, TensorInput> | Record<string, TensorInput>,
  metadata?: Record<string, string>,
): Uint8Array {
  const list = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') fail(`metadata value for '${k}' is not a string`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const [name, t] of list) {
    if (name === '__metadata__') fail(`'__metadata__' cannot be used as a tensor name`);
    if (t.dtype !== undefined && t.dtype !== 'F32') fail(`tensor '${name}' has dtype ${t.dtype}; only F32 is supported`);
    if (!isShape(t.shape)) fail(`tensor '${name}': shape [${t.shape.join(', ')}] is not a list of non-negative integers`);
    const count = t.shape.reduce((a, d) => a * d, 1);
    if (t.data.length !== count) fail(`tensor '${name}': shape [${t.shape.join(', ')}] needs ${count} values, got ${t.data.length}`);
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8; // keeps the data 8-byte aligned; spaces are valid JSON padding
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const [, t] of list) {
    for (let i = 0; i < t.data.length; i++, pos += 4) view.setFloat32(pos, t.data[i], true);
  }
  return out;
}
