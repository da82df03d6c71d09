// Philox streams are numbered; the IR names them (a noise op's module path, a parameter's
// path). FNV-1a gives every name a stable 32-bit stream id, identical in every executor.
export function streamId(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
