// The subgroup variant of a conv's (or transposed conv's, of stride 1 or 2, or a row sweep's
// W_ih) weight gradient that does a whole kernel row at once. A workgroup owns 16 rows of A (8
// past kw = 3), 32 channels of B and one kernel row ky; along x, the kw taps of that row read B
// at s·x − pad … s·x − pad + kw − 1, so each lane keeps a window of its B values that slides s
// positions per step: s new B loads per column feed kw taps' multiply-adds, where the one-tap
// kernel loads B once per tap. On lavapipe a storage load costs as much as ~17 multiply-adds and
// a broadcast ~2 (bench/access-costs.ts), so loads per multiply-add decide the rate;
// docs/kernels.md has the count and the measurement.
import type { KernelVariant } from '../../../runtime/program.js';
import type { Loc } from '../state.js';
import { opaque } from '../../../runtime/webgpu/uniforms.js';
import { KernelBuilder, U } from '../wgsl.js';
import { broadcastRow, subgroupVariant, workgroupMain } from './common.js';
import type { Correlation, Operand } from './weight-grad.js';

const COLS = 4, LANES = 8;
/** 16 rows × 4 columns × kw taps of accumulators, 8 rows past kw = 3 (5×5: 160, not 320, compiled in a third of the time). */
const rowsFor = (kw: number) => (kw <= 3 ? 16 : 8);

/**
 * Whether `rowTapsVariant` serves this correlation: a kernel row of 2+ taps whose shift grows
 * along x (a conv's, or a sweep's along rows: one kernel row), a stride of 1 or 2 and at most
 * the kernel width (each step along x then loads s new B values for kw taps), and enough B
 * channels to fill the lanes.
 */
export function rowTapsApply(k: Correlation): boolean {
  const { shift: sh } = k;
  const alongX = sh.colY === 0 && sh.rowX === 0 && sh.colX === 1 && (sh.rowY === 1 || k.taps === k.kw);
  return alongX && k.s <= 2 && k.s <= k.kw && k.kw >= 2 && k.kw <= 7 && k.B.ch >= 16 && k.A.ch >= 4;
}

export function rowTapsVariant(k: Correlation, out: Loc): KernelVariant {
  const { A, B } = k;
  const KW = k.kw, KH = k.taps / KW, ROWS = rowsFor(KW), S = k.s;
  const RT = Math.ceil(A.ch / ROWS), CG = Math.ceil(B.ch / (LANES * COLS)), groups = RT * KH * CG;
  const kb = new KernelBuilder();
  const D = (n: number, key: string) => kb.dim(n, key), I = (n: number, key: string) => kb.idim(n, key);
  const bufA = kb.buf(A.loc.buffer), bufB = kb.buf(B.loc.buffer), O = kb.buf(out.buffer, 'read_write');
  const strides = (o: Operand) => o.loc.strides ?? { c: o.h * o.w, y: o.w, x: 1 };
  const [sa, sb] = [strides(A), strides(B)];
  const Js = [...Array(ROWS).keys()], Ps = [...Array(COLS).keys()], Ts = [...Array(KW).keys()];
  const L: string[] = [];
  const e = (line: string) => L.push(`  ${line}`);
  e('let wid = wg.x + wg.y * u.wgx;');
  e(`if (wid >= ${D(groups, 'groups')}) { return; }`);
  e(`let cg = ${U.mod('wid', D(CG, 'CG'))};`);
  e(`let ky = i32(${U.mod(U.div('wid', D(CG, 'CG')), D(KH, 'KH'))});`);
  e(`let rt = ${U.div(U.div('wid', D(CG, 'CG')), D(KH, 'KH'))};`);
  e(`let dy = ky * ${kb.sdim(k.shift.rowY, 'rowY')} + ${kb.sdim(k.shift.offY, 'offY')};`);
  e(`let dx = ${kb.sdim(k.shift.offX, 'offX')};`);
  // The rows y whose B row s·y + dy lies inside B: y ≥ ⌈−dy / s⌉, y < ⌊(Hb − 1 − dy) / s⌋ + 1; a
  // kernel row wholly below the mask has none. The stride is a literal: the window's shifts are unrolled.
  e(`let y0 = select(0, (${S - 1} - dy) / ${S}, dy < 0);`);
  e(`let y1 = select(min(${I(A.h, 'A.h')}, (${I(B.h, 'B.h')} + ${S - 1} - dy) / ${S}), 0, ky > ${I(k.maskRow, 'maskRow')});`);
  const row = (j: string) => U.mul(`min(${U.add(U.mul('rt', ROWS), j)}, ${D(A.ch, 'A.ch')} - 1u)`, D(sa.c, 'sa.c'));
  const Ls = [...Array(ROWS / LANES).keys()];
  for (const l of Ls) e(`let ra${l} = ${U.add(D(A.loc.offset, 'A.loc.offset'), row(l === 0 ? 'sid' : U.add('sid', l * LANES)))};`);
  const col = (p: number) => U.add(U.mul('cg', LANES * COLS), U.add('sid', p * LANES));
  for (const p of Ps) e(`let qb${p} = ${U.add(D(B.loc.offset, 'B.loc.offset'), U.mul(`min(${col(p)}, ${D(B.ch, 'B.ch')} - 1u)`, D(sb.c, 'sb.c')))};`);
  // Accumulators and window slots are vec4s over the 4 columns (lavapipe scalarizes them into
  // the same code as scalars, from a quarter of the text).
  for (const j of Js) for (const t of Ts) e(`var acc${j}_${t} = vec4<f32>();`);
  // B at column xq of the current row, 0 outside the map, for the 4 columns.
  const loadB = (xq: string) => `select(vec4<f32>(), vec4<f32>(${Ps.map((p) => `${bufB}[qb${p} + bx]`).join(', ')}), u32(${xq}) < ${D(B.w, 'B.w')})`;
  const at = (xq: string) => `let bx = by + u32(clamp(${xq}, 0, ${I(B.w, 'B.w')} - 1)) * ${D(sb.x, 'sb.x')};`;
  const times = (v: string) => (S === 1 ? v : `${S} * ${v}`);
  e('for (var b = 0u; b < u.batch; b++) {');
  e('  for (var y = y0; y < y1; y++) {');
  e(`    let ay = ${U.add(U.mul('b', D(A.loc.batchStride, 'A.loc.batchStride')), U.mul('u32(y)', D(sa.y, 'sa.y')))};`);
  e(`    let by = ${U.add(U.mul('b', D(B.loc.batchStride, 'B.loc.batchStride')), U.mul(`u32(${times('y')} + dy)`, D(sb.y, 'sb.y')))};`);
  // Window slot t holds B at s·x + dx + t: each step shifts it by s slots and loads the last s.
  // Before x = 0 the slots s … kw − 1 hold those of x = −1.
  const fill = (ind: string, t: number, xq: string) => e(`${ind}{ ${at(xq)} win${t} = ${loadB(xq)}; }`);
  for (const t of Ts) e(`    var win${t} = vec4<f32>();`);
  for (const t of Ts.slice(S)) fill('    ', t, `dx + ${t - S}`);
  e(`    for (var x = 0; x < ${I(A.w, 'A.w')}; x++) {`);
  for (const t of Ts.slice(0, KW - S)) e(`      win${t} = win${t + S};`);
  for (const t of Ts.slice(KW - S)) fill('      ', t, `${times('x')} + dx + ${t}`);
  for (const l of Ls) e(`      let rl${l} = ${bufA}[ra${l} + ay + u32(x) * ${D(sa.x, 'sa.x')}];`);
  for (const j of Js) {
    e(`      let rv${j} = ${broadcastRow('rl', j, LANES)};`);
    for (const t of Ts) e(`      acc${j}_${t} += rv${j} * win${t};`);
  }
  e('    }');
  e('  }');
  e('}');
  // The stores in a loop over the tile, reading the accumulators back from a private array, so
  // their code exists once (unrolled, they doubled the kernel's text and its compile time).
  // Masked taps (ky, t) past the mask's centre store zeros, as their correlation is not taken.
  const n = ROWS * COLS * KW;
  e(`var accs: array<vec4<f32>, ${ROWS * KW}>;`);
  for (const j of Js) for (const t of Ts) e(`accs[${j * KW + t}] = acc${j}_${t};`);
  e(`for (var i = 0u; i < ${opaque(n)}; i++) {`);
  e(`  let t = i % ${KW}u;`);
  e(`  let a = rt * ${ROWS}u + i / ${COLS * KW}u;`);
  e(`  let c = cg * ${LANES * COLS}u + sid + (i / ${KW}u) % ${COLS}u * ${LANES}u;`);
  e(`  let masked = ky > ${I(k.maskRow, 'maskRow')} || (ky == ${I(k.maskRow, 'maskRow')} && i32(t) >= ${I(k.maskCol, 'maskCol')});`);
  const idx = U.add(U.add(U.add(D(out.offset, 'out.offset'), U.mul('a', D(k.outA, 'outA'))), U.mul('c', D(k.outB, 'outB'))), U.mul(`(u32(ky) * ${KW}u + t)`, D(k.outT, 'outT')));
  e(`  if (a < ${D(A.ch, 'A.ch')} && c < ${D(B.ch, 'B.ch')}) { ${O}[${idx}] = select(accs[i / ${COLS * KW}u * ${KW}u + t][(i / ${KW}u) % ${COLS}u], 0.0, masked); }`);
  e('}');
  return subgroupVariant(kb, workgroupMain(LANES, L, true), { perExample: 0, fixed: groups * LANES });
}
