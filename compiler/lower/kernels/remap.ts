// Index-remapping reads computed inline: out(b, j) = in(b, f(j)) for slices, broadcasts, channel
// padding and concatenation, and out(c, y, x) = in(c, f(y), f(x)) for pad, crop, nearest
// resampling and their adjoints. Reads outside the operand are clamped in range and selected
// away, so every load stays in bounds.
import type { InlineCtx } from '../../ops/types.js';
import { numelOf } from '../state.js';
import { U } from '../wgsl.js';

const operand = (c: InlineCtx, k = 0) => c.gen.graphNode(c.node.inputs[k]);

export function sliceValue(c: InlineCtx): string {
  return c.gen.shifted(c.node.inputs[0], c.b, c.j, c.node.attrs.start as number);
}

/** [C] → [C, ...] (each channel's value everywhere), or [] → any shape. */
export function expandValue(c: InlineCtx): string {
  if (operand(c).shape.length === 0) return c.gen.value(c.node.inputs[0], c.b, '0u');
  const inner = numelOf(c.node) / c.node.shape[0];
  return c.gen.value(c.node.inputs[0], c.b, c.let(U.div(c.j, c.dim(inner, 'inner'))));
}

export function padChannelsValue(c: InlineCtx): string {
  const { j, dim: D } = c;
  const inner = numelOf(c.node) / c.node.shape[0];
  const lo = (c.node.attrs.before as number) * inner, hi = lo + numelOf(operand(c));
  return c.gen.branch(`${j} >= ${D(lo, 'lo')} && ${j} < ${D(hi, 'hi')}`, () => c.gen.value(c.node.inputs[0], c.b, c.let(`${j} - ${D(lo, 'lo')}`)));
}

export function concatValue(c: InlineCtx): string {
  const { dim: D, node, j } = c;
  const inner = numelOf(node) / node.shape[0];
  const starts = node.inputs.reduce((s, i) => [...s, s[s.length - 1] + c.gen.graphNode(i).shape[0] * inner], [0]);
  // Input k where the element lies in its channels, each read only in its own branch.
  const pick = (k: number): string => {
    const at = () => c.gen.value(node.inputs[k], c.b, c.let(k === 0 ? j : `${j} - ${D(starts[k], `start${k}`)}`));
    return k === node.inputs.length - 1 ? at() : c.gen.branch(`${j} < ${D(starts[k + 1], `start${k + 1}`)}`, at, () => pick(k + 1));
  };
  return pick(0);
}

/** Channel, row, column of the output element and the start of its channel in the operand. */
function mapGeometry(c: InlineCtx) {
  const src = operand(c);
  const [, H, W] = c.node.shape;
  const [, h, w] = src.shape;
  const { c: ch, y, x } = c.gen.cyx(c.j, H, W);
  const base = c.let(U.mul(ch, c.dim(h * w, 'h * w')));
  return { src, h, w, y, x, base };
}

/** Nearest downsampling by f: a stored operand is read through its strides times f, else at (f·y, f·x). */
export function downsampleValue(c: InlineCtx): string {
  const src = c.node.inputs[0], f = c.node.attrs.factor as number;
  return c.gen.storedAt(src) ? c.gen.strided(src, c.b, c.j, { f, at: c.node }) : nearestValue(c, (v) => U.mul(v, f));
}

/** Nearest resampling: the operand's (map(y), map(x)). */
export function nearestValue(c: InlineCtx, map: (v: string, factor: number) => string): string {
  const { src, w, y, x, base } = mapGeometry(c);
  const f = c.node.attrs.factor as number;
  return c.gen.value(src.id, c.b, c.let(U.add(U.add(base, U.mul(c.let(map(y, f)), c.dim(w, 'w'))), c.let(map(x, f)))));
}

export function cropValue(c: InlineCtx): string {
  const { src, w, y, x, base } = mapGeometry(c);
  const n = c.node.attrs.crop as number;
  return c.gen.value(src.id, c.b, c.let(U.add(U.add(base, U.mul(c.let(U.add(y, n)), c.dim(w, 'w'))), c.let(U.add(x, n)))));
}

export function padValue(c: InlineCtx): string {
  const { src, h, w, y, x, base } = mapGeometry(c);
  const L = c.let, D = c.dim, I = (v: number, key: string) => c.gen.kb.idim(v, `${c.node.id}:${key}`);
  const p = c.node.attrs.pad as number;
  const iy = L(`i32(${y}) - ${p}`), ix = L(`i32(${x}) - ${p}`);
  const inside = L(`${iy} >= 0 && ${iy} < ${I(h, 'h')} && ${ix} >= 0 && ${ix} < ${I(w, 'w')}`);
  const cy = L(`u32(clamp(${iy}, 0, ${I(h, 'h')} - 1))`), cx = L(`u32(clamp(${ix}, 0, ${I(w, 'w')} - 1))`);
  const v = c.gen.value(src.id, c.b, L(U.add(U.add(base, U.mul(cy, D(w, 'w'))), cx)));
  return L(`select(0.0, ${v}, ${inside})`);
}

/** out(c, y, x) = Σ of the f×f block in(c, f·y + dy, f·x + dx). */
export function sumPoolValue(c: InlineCtx): string {
  const L = c.let, D = c.dim;
  const src = operand(c);
  const [, h, w] = c.node.shape;
  const [, H, W] = src.shape;
  const f = c.node.attrs.factor as number;
  const { c: ch, y, x } = c.gen.cyx(c.j, h, w);
  const corner = L(U.add(U.add(U.mul(ch, D(H * W, 'H * W')), U.mul(L(U.mul(y, f)), D(W, 'W'))), U.mul(x, f)));
  const taps: string[] = [];
  for (let dy = 0; dy < f; dy++) {
    for (let dx = 0; dx < f; dx++) taps.push(c.gen.value(src.id, c.b, L(U.add(U.add(corner, U.mul(D(W, 'W'), dy)), dx))));
  }
  return L(taps.join(' + '));
}

/** out(c, f·y, f·x) = in(c, y, x), zeros elsewhere (also past f·h, f·w). */
export function dilateValue(c: InlineCtx): string {
  const L = c.let, D = c.dim;
  const src = operand(c);
  const [, H, W] = c.node.shape;
  const [, h, w] = src.shape;
  const f = c.node.attrs.factor as number;
  const { c: ch, y, x } = c.gen.cyx(c.j, H, W);
  const sy = L(U.div(y, f)), sx = L(U.div(x, f));
  const hit = L(`${U.mod(y, f)} == 0u && ${U.mod(x, f)} == 0u && ${sy} < ${D(h, 'h')} && ${sx} < ${D(w, 'w')}`);
  const idx = L(U.add(U.add(U.mul(ch, D(h * w, 'h * w')), U.mul(L(`min(${sy}, ${D(h, 'h')} - 1u)`), D(w, 'w'))), L(`min(${sx}, ${D(w, 'w')} - 1u)`)));
  return L(`select(0.0, ${c.gen.value(src.id, c.b, idx)}, ${hit})`);
}
