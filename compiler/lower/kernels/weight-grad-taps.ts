// The subgroup variant of a conv's (or transposed conv's, of stride 1 or 2, or a row sweep's
// W_ih) weight gradient that does a whole kernel row at once. A workgroup owns one kernel row ky;
// along x, the kw taps of that row read B at s·x − pad … s·x − pad + kw − 1, so a window of B
// values slides s positions per x: s new B loads feed kw taps' multiply-adds, where the
// one-tap kernel loads B once per tap. Two lane layouts:
//   B on lanes   (16+ B channels) a workgroup owns 16 rows of A (8: rowsFor) and 32 channels
//                of B; each lane keeps the window of its 4 B channels, the A rows are loaded one
//                per lane and shared by broadcasts.
//   A on lanes   (B with 8 channels or fewer: a conv from 4 channels, the first layer's 1) a
//                workgroup owns 32 channels of A and all of B's rows; lane j loads B channel j's
//                new window values and broadcasts them, each lane loads its 4 A channels.
// On lavapipe a storage load costs as much as ~17 multiply-adds and a broadcast ~2
// (bench/access-costs.ts), so loads per multiply-add decide the rate; docs/kernels.md has the
// count and the measurement.
import type { KernelVariant } from '../../../runtime/program.js';
import type { Loc } from '../state.js';
import { opaque } from '../../../runtime/webgpu/uniforms.js';
import { KernelBuilder, U } from '../wgsl.js';
import { subgroupVariant, workgroupMain } from './common.js';
import type { Correlation, Operand } from './weight-grad.js';

const COLS = 4, LANES = 8;
/**
 * 16 rows × 4 columns × kw taps of accumulators, 8 rows past kw = 3 (5×5: 160, not 320, compiled
 * in a third of the time) or for an A of 8 channels or fewer (a conv to 8 channels: 1.3–1.4× on
 * 16×16 and 32×32 maps, where 16 rows computed 8 duplicates).
 */
const rowsFor = (kw: number, rows: number) => (kw <= 3 && rows > 8 ? 16 : 8);

/**
 * Whether `rowTapsVariant` serves this correlation: a kernel row of 2+ taps whose shift grows
 * along x (a conv's, or a sweep's along rows: one kernel row), a stride of 1 or 2 and at most
 * the kernel width (each step along x then loads s new B values for kw taps), and enough
 * channels on one side to fill the lanes.
 */
export function rowTapsApply(k: Correlation): boolean {
  const { shift: sh } = k;
  const alongX = sh.colY === 0 && sh.rowX === 0 && sh.colX === 1 && (sh.rowY === 1 || k.taps === k.kw);
  const lanes = (k.B.ch >= 16 && k.A.ch >= 4) || (k.B.ch <= 8 && k.A.ch >= 16);
  return alongX && k.s <= 2 && k.s <= k.kw && k.kw >= 2 && k.kw <= 7 && lanes;
}

export function rowTapsVariant(k: Correlation, out: Loc): KernelVariant {
  const { A, B } = k;
  // aLanes: lanes over A's channels, B's rows broadcast (a B of 4 channels or fewer has 4 rows).
  const aLanes = B.ch <= 8;
  const KW = k.kw, KH = k.taps / KW, S = k.s;
  const ROWS = aLanes ? (B.ch <= 4 ? 4 : 8) : rowsFor(KW, A.ch);
  const [laneOp, rowOp] = aLanes ? [A, B] : [B, A];
  const RT = Math.ceil(rowOp.ch / ROWS), CG = Math.ceil(laneOp.ch / (LANES * COLS)), groups = RT * KH * CG;
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
  // Base addresses: the broadcast rows (one per lane, `rl`-loaded), the lanes' 4 channels.
  const base = (o: Operand, ch: string) => U.add(D(o.loc.offset, `${o === A ? 'A' : 'B'}.loc.offset`), U.mul(`min(${ch}, ${D(o.ch, `${o === A ? 'A' : 'B'}.ch`)} - 1u)`, D(strides(o).c, `${o === A ? 'sa' : 'sb'}.c`)));
  const Ls = [...Array(Math.ceil(ROWS / LANES)).keys()];
  for (const l of Ls) e(`let ra${l} = ${base(rowOp, U.add(U.mul('rt', ROWS), l === 0 ? 'sid' : U.add('sid', l * LANES)))};`);
  const col = (p: number) => U.add(U.mul('cg', LANES * COLS), U.add('sid', p * LANES));
  for (const p of Ps) e(`let qb${p} = ${base(laneOp, col(p))};`);
  // Accumulators are vec4s over the lanes' 4 channels (lavapipe scalarizes them into the same
  // code as scalars, from a quarter of the text): acc${j}_${t} is row j, tap t.
  for (const j of Js) for (const t of Ts) e(`var acc${j}_${t} = vec4f();`);
  // The x loop steps CH = 2 positions at a time. Against one position a step, bench/weight-grad.ts
  // measured 1.2–1.3× on 32×32 and 16×16 maps and 0.96× on 30×30; 4 and 8 positions were slower
  // than 2 (more values live across a step).
  const CH = 2;
  // Window slot t holds B at s·x + dx + t for the step's first x: a step shifts it by s·CH slots
  // and loads the last s·CH, each line's values one after the other; before x = 0 the kept slots
  // hold those of x = −CH. With A on lanes the slots hold every row's value, broadcast from the
  // lane that loaded it. B is 0 outside its map.
  const NW = S * (CH - 1) + KW, NEW = S * CH;
  const Ws = [...Array(NW).keys()], Ks = [...Array(CH).keys()];
  const slot = (t: number) => (aLanes ? Js.map((j) => `win${j}_${t}`) : [`win${t}`]);
  const inB = (xq: string) => `u32(${xq}) < ${D(B.w, 'B.w')}`;
  const bx = (xq: string) => `by + u32(clamp(${xq}, 0, ${I(B.w, 'B.w')} - 1)) * ${D(sb.x, 'sb.x')}`;
  const loadSlots = (ind: string, ts: number[], xq: (t: number) => string) => {
    if (aLanes) {
      for (const t of ts) e(`${ind}let nb${t} = select(0.0, ${bufB}[ra0 + ${bx(xq(t))}], ${inB(xq(t))});`);
      for (const t of ts) for (const j of Js) e(`${ind}win${j}_${t} = subgroupBroadcast(nb${t}, ${j}u);`);
    } else {
      for (const t of ts) e(`${ind}let bx${t} = ${bx(xq(t))};`);
      for (const p of Ps) for (const t of ts) e(`${ind}let nb${p}_${t} = ${bufB}[qb${p} + bx${t}];`);
      for (const t of ts) e(`${ind}win${t} = select(vec4f(), vec4f(${Ps.map((p) => `nb${p}_${t}`).join(', ')}), ${inB(xq(t))});`);
    }
  };
  const times = (v: string) => (S === 1 ? v : `${S} * ${v}`);
  e('for (var b = 0u; b < u.batch; b++) {');
  e('  for (var y = y0; y < y1; y++) {');
  e(`    let ay = ${U.add(U.mul('b', D(A.loc.batchStride, 'A.loc.batchStride')), U.mul('u32(y)', D(sa.y, 'sa.y')))};`);
  e(`    let by = ${U.add(U.mul('b', D(B.loc.batchStride, 'B.loc.batchStride')), U.mul(`u32(${times('y')} + dy)`, D(sb.y, 'sb.y')))};`);
  for (const t of Ws) for (const w of slot(t)) e(`    var ${w} = ${aLanes ? '0.0' : 'vec4f()'};`);
  e('    {');
  loadSlots('      ', Ws.slice(NEW), (t) => `dx + ${t - NEW}`);
  e('    }');
  e(`    for (var x = 0; x < ${I(A.w, 'A.w')}; x += ${CH}) {`);
  for (const t of Ws.slice(0, NW - NEW)) slot(t).forEach((w, i) => e(`      ${w} = ${slot(t + NEW)[i]};`));
  loadSlots('      ', Ws.slice(NW - NEW), (t) => `${times('x')} + dx + ${t}`);
  // A at x + k, 0 past its map (A.w may be odd).
  const ax = (k: number) => `ay + u32(${k === 0 ? 'x' : `min(x + ${k}, ${I(A.w, 'A.w')} - 1)`}) * ${D(sa.x, 'sa.x')}`;
  const guard = (k: number, v: string, zero: string) => (k === 0 ? v : `select(${zero}, ${v}, x + ${k} < ${I(A.w, 'A.w')})`);
  if (aLanes) {
    for (const k of Ks) for (const p of Ps) e(`      let a${p}_${k} = ${bufA}[qb${p} + ${ax(k)}];`);
    for (const k of Ks) {
      e(`      let av${k} = ${guard(k, `vec4f(${Ps.map((p) => `a${p}_${k}`).join(', ')})`, 'vec4f()')};`);
      for (const j of Js) for (const t of Ts) e(`      acc${j}_${t} += win${j}_${S * k + t} * av${k};`);
    }
  } else {
    for (const l of Ls) for (const k of Ks) e(`      let rl${l}_${k} = ${guard(k, `${bufA}[ra${l} + ${ax(k)}]`, '0.0')};`);
    for (const k of Ks) for (const j of Js) {
      e(`      let rv${j}_${k} = subgroupBroadcast(rl${Math.floor(j / LANES)}_${k}, ${j % LANES}u);`);
      for (const t of Ts) e(`      acc${j}_${t} += rv${j}_${k} * win${S * k + t};`);
    }
  }
  e('    }');
  e('  }');
  e('}');
  // The stores in a loop over the tile, reading the accumulators back from a private array, so
  // their code exists once (unrolled, they doubled the kernel's text and its compile time).
  // Masked taps (ky, t) past the mask's centre store zeros, as their correlation is not taken.
  const n = ROWS * COLS * KW;
  e(`var accs: array<vec4f, ${ROWS * KW}>;`);
  for (const j of Js) for (const t of Ts) e(`accs[${j * KW + t}] = acc${j}_${t};`);
  e(`for (var i = 0u; i < ${opaque(n)}; i++) {`);
  e(`  let t = i % ${KW}u;`);
  e(`  let r = rt * ${ROWS}u + i / ${COLS * KW}u;`);
  e(`  let l = cg * ${LANES * COLS}u + sid + (i / ${KW}u) % ${COLS}u * ${LANES}u;`);
  const [a, c] = aLanes ? ['l', 'r'] : ['r', 'l'];
  e(`  let masked = ky > ${I(k.maskRow, 'maskRow')} || (ky == ${I(k.maskRow, 'maskRow')} && i32(t) >= ${I(k.maskCol, 'maskCol')});`);
  const idx = U.add(U.add(U.add(D(out.offset, 'out.offset'), U.mul(a, D(k.outA, 'outA'))), U.mul(c, D(k.outB, 'outB'))), U.mul(`(u32(ky) * ${KW}u + t)`, D(k.outT, 'outT')));
  e(`  if (${a} < ${D(A.ch, 'A.ch')} && ${c} < ${D(B.ch, 'B.ch')}) { ${O}[${idx}] = select(accs[i / ${COLS * KW}u * ${KW}u + t][(i / ${KW}u) % ${COLS}u], 0.0, masked); }`);
  e('}');
  return subgroupVariant(kb, workgroupMain(LANES, L, true), { perExample: 0, fixed: groups * LANES });
}
