// Weight gradients, summed over the batch. All four ops are one shifted correlation
//   dW[a, c, tap] = Σ_b Σ_(y,x) A[b, a, y, x] · B[b, c, s·y + dy(tap), s·x + dx(tap)]
// over A's map, B read as 0 outside its own:
//   conv2d_grad_weight            A = g, B = x, (dy, dx) = (ky − pad, kx − pad), dW [O, C, kh, kw]
//   conv_transpose2d_grad_weight  A = x, B = g (the convT's output gradient), same shifts, dW [C, O, kh, kw]
//   linear_grad_weight            A = g, B = x, 1×1 maps, one tap, dW [O, C]
//   sweep_grad_wih                A = dgi, B = y, s = 1, the taps are the neighbours i−1, i, i+1 on
//                                 the previous line, dW [3F, 3F] (neighbour-major columns); the first
//                                 line's previous line is outside the map, so it adds nothing.
// The output is small and the reduction (batch × positions) long: each invocation accumulates a
// register tile of outputs over the whole reduction, no split across workgroups. A workgroup owns
// one tap, so the range of rows y whose B row is inside the map is uniform (a masked tap's range
// is empty: it writes zeros). Two lane layouts (bench/weight-grad.ts):
//   positions  for maps of 16×16 and up: lanes take consecutive (example, x) of each row, every
//              lane holds the whole tile, and the lanes' sums are added in workgroup memory at the
//              end. Lanes over channels read addresses H·W floats apart (on 32×32 maps all in one
//              L1 set) and measured up to 2× slower on such maps.
//   channels   for small maps and linear: the rows (channels of the operand with fewer) come from
//              the workgroup id, so their loads are uniform; lanes take consecutive channels of
//              the other operand and x runs over the tap's range, without bounds checks.
import type { IrNode } from '../../../runtime/ir.js';
import type { KernelSpec } from '../../../runtime/program.js';
import { chw, weightGradKind, type Loc, type LowerState } from '../state.js';
import { opaque } from '../../../runtime/webgpu/uniforms.js';
import { KernelBuilder, U } from '../wgsl.js';
import { columnVectors, subgroupVariant, workgroupMain } from './common.js';
import { rowTapsApply, rowTapsVariant } from './weight-grad-taps.js';

export interface WeightGradTile {
  /** Lanes split the positions (else they take channels). */
  positions: boolean;
  rows: number;
  cols: number;
  wg: number;
}

export interface Operand {
  loc: Loc;
  ch: number;
  h: number;
  w: number;
}

/**
 * The correlation of an op: its operands, stride, taps and output strides. Tap t of a kw-wide
 * window shifts B by
 *   (dy, dx) = (t / kw)·(rowY, rowX) + (t % kw)·(colY, colX) + (offY, offX)
 * and is masked (empty) when t / kw > maskRow, or t / kw == maskRow and t % kw ≥ maskCol. All of
 * it is uniforms, so one kernel serves every kernel size, padding, stride, mask and direction.
 */
export interface Correlation {
  A: Operand;
  B: Operand;
  s: number;
  taps: number;
  kw: number;
  shift: { rowY: number; colY: number; offY: number; rowX: number; colX: number; offX: number };
  maskRow: number;
  maskCol: number;
  /** dW index = a·outA + c·outB + tap·outT. */
  outA: number;
  outB: number;
  outT: number;
}

function operand(st: LowerState, id: number): Operand {
  const [ch, h, w] = chw(st.graph.nodes[id].shape);
  return { loc: st.locs[id]!, ch, h, w };
}

const unmasked = { maskRow: 1 << 30, maskCol: 0 };

function correlation(st: LowerState, node: IrNode): Correlation {
  const [g, x] = node.inputs.map((i) => operand(st, i));
  const kind = weightGradKind(node.op);
  if (kind === 'linear') {
    const shift = { rowY: 0, colY: 0, offY: 0, rowX: 0, colX: 0, offX: 0 };
    return { A: g, B: x, s: 1, taps: 1, kw: 1, shift, ...unmasked, outA: x.ch, outB: 1, outT: 0 };
  }
  if (kind === 'sweep') {
    const F = x.ch, dir = node.attrs.direction as number;
    // Neighbour t − 1 across the previous line (dy, dx) = (t − 1, prev) along columns, else (prev, t − 1).
    const along = dir < 2 ? 1 : 0, p = dir === 0 || dir === 2 ? -1 : 1;
    const shift = { rowY: 0, colY: along, offY: along ? -1 : p, rowX: 0, colX: 1 - along, offX: along ? p : -1 };
    return { A: g, B: x, s: 1, taps: 3, kw: 3, shift, ...unmasked, outA: 3 * F, outB: 1, outT: F };
  }
  const [kh, kw] = node.attrs.kernel as number[], pad = node.attrs.padding as number;
  const tr = kind === 'transposed';
  const [A, B] = tr ? [x, g] : [g, x];
  const mask = node.attrs.mask as 'A' | 'B' | undefined;
  // As convMask: keep the taps before the centre in raster order (type B also the centre).
  const masking = mask ? { maskRow: Math.floor(kh / 2), maskCol: Math.floor(kw / 2) + (mask === 'B' ? 1 : 0) } : unmasked;
  return {
    A, B, s: node.attrs.stride as number, taps: kh * kw, kw, outA: B.ch * kh * kw, outB: kh * kw, outT: 1,
    shift: { rowY: 1, colY: 0, offY: -pad, rowX: 0, colX: 1, offX: -pad }, ...masking,
  };
}

/**
 * The same correlation over the transposed maps (rows and columns swapped, strides included): a
 * sweep along columns, whose taps run down a column, becomes one whose taps run along a row, as
 * the kernel-row variant wants. dW does not depend on the positions' order.
 */
function transposed(k: Correlation): Correlation {
  const flip = (o: Operand): Operand => {
    const s = o.loc.strides ?? { c: o.h * o.w, y: o.w, x: 1 };
    return { ...o, h: o.w, w: o.h, loc: { ...o.loc, strides: { c: s.c, y: s.x, x: s.y } } };
  };
  const { rowY, colY, offY, rowX, colX, offX } = k.shift;
  return { ...k, A: flip(k.A), B: flip(k.B), shift: { rowY: rowX, colY: colX, offY: offX, rowX: rowY, colX: colY, offX: offY } };
}

/**
 * One tile per lane layout, so that a model's weight gradients share two kernels: positions
 * 16 rows × 8 columns, channels 16 rows × 4 lane columns. Operands with fewer channels compute
 * clamped duplicate rows or columns and store none of them. The positions kernel's subgroup
 * variant is the channels layout with 32 rows: on maps of 16×16 and up its fewer loads per
 * multiply-add win (1.2–1.4×, bench/weight-grad.ts), on smaller maps its fewer workgroups lose.
 * With 8 channels or fewer in one operand (a conv from or to a few channels) it has 8 rows, as
 * 32 would compute 4–32 duplicates of each.
 */
const subgroupTile = (k: Correlation): WeightGradTile => ({ positions: false, rows: Math.min(k.A.ch, k.B.ch) <= 8 ? 8 : 32, cols: 4, wg: 8 });

function weightGradTileFor(a: Operand): WeightGradTile {
  const positions = a.h * a.w >= 256;
  return positions ? { positions, rows: 16, cols: 8, wg: 8 } : { positions, rows: 32, cols: 4, wg: 8 };
}

export function weightGradKernel(st: LowerState, name: string, node: IrNode, out: Loc, nodes: number[], tile?: WeightGradTile): KernelSpec {
  const k = correlation(st, node);
  const { A, B, s } = k;
  const t = tile ?? weightGradTileFor(A);
  const pos = t.positions;
  // Rows R (uniform per workgroup in the channels layout), columns Q.
  const rowsA = pos || A.ch <= B.ch;
  const [R, Q] = rowsA ? [A, B] : [B, A];
  const [outR, outQ] = rowsA ? [k.outA, k.outB] : [k.outB, k.outA];
  const perGroup = pos ? t.cols : t.wg * t.cols;
  const RT = Math.ceil(R.ch / t.rows), CG = Math.ceil(Q.ch / perGroup), groups = RT * k.taps * CG;
  const kb = new KernelBuilder();
  const D = (n: number, key: string) => kb.dim(n, key), I = (n: number, key: string) => kb.idim(n, key);
  const S = (n: number, key: string) => kb.sdim(n, key);
  const taps = D(k.taps, 'taps'), kw = I(k.kw, 'kw'), stride = I(s, 'stride');
  const bufR = kb.buf(R.loc.buffer), bufQ = kb.buf(Q.loc.buffer), O = kb.buf(out.buffer, 'read_write');
  const strides = (o: Operand) => o.loc.strides ?? { c: o.h * o.w, y: o.w, x: 1 };
  const [sa, sb] = [strides(A), strides(B)];
  // In the channels layout the row loads are workgroup-uniform: the subgroup variant
  // (KernelSpec.subgroupWgsl) has each lane load one row and shares them by broadcasts.
  const L: string[] = [], G: string[] = [];
  const e = (line: string) => (L.push(`  ${line}`), G.push(`  ${line}`));
  const Rs = [...Array(t.rows).keys()], Ps = [...Array(t.cols).keys()];
  e('let wid = wg.x + wg.y * u.wgx;');
  e(`if (wid >= ${D(groups, 'groups')}) { return; }`);
  e(`let cg = ${U.mod('wid', D(CG, 'CG'))};`);
  e(`let tap = ${U.mod(U.div('wid', D(CG, 'CG')), taps)};`);
  e(`let rt = ${U.div(U.div('wid', D(CG, 'CG')), taps)};`);
  e(`let ty = i32(tap) / ${kw};`);
  e(`let tx = i32(tap) % ${kw};`);
  const { shift: sh } = k;
  e(`let dy = ty * ${S(sh.rowY, 'rowY')} + tx * ${S(sh.colY, 'colY')} + ${S(sh.offY, 'offY')};`);
  e(`let dx = ty * ${S(sh.rowX, 'rowX')} + tx * ${S(sh.colX, 'colX')} + ${S(sh.offX, 'offX')};`);
  e(`let s = ${stride};`);
  // (y, x) over A's map with s·y + dy inside B's: y ≥ ⌈−dy / s⌉, y < ⌊(Hb − 1 − dy) / s⌋ + 1.
  e('let y0 = select(0, (s - 1 - dy) / s, dy < 0);');
  e('let x0 = select(0, (s - 1 - dx) / s, dx < 0);');
  const masked = `ty > ${I(k.maskRow, 'maskRow')} || (ty == ${I(k.maskRow, 'maskRow')} && tx >= ${I(k.maskCol, 'maskCol')})`;
  e(`let y1 = select(min(${I(A.h, 'A.h')}, (${I(B.h, 'B.h')} + s - 1 - dy) / s), 0, ${masked});`);
  e(`let x1 = max(x0, min(${I(A.w, 'A.w')}, (${I(B.w, 'B.w')} + s - 1 - dx) / s));`);
  const rowOf = (r: number | string) => U.add(U.mul('rt', t.rows), r);
  const colOf = (p: number) => U.add(U.mul('cg', perGroup), pos ? p : U.add('lid.x', p * t.wg));
  const rowAt = (row: string) => U.add(D(R.loc.offset, 'R.loc.offset'), U.mul(`min(${row}, ${D(R.ch, 'R.ch')} - 1u)`, D(strides(R).c, 'strides(R).c')));
  const lanes = [...Array(Math.ceil(t.rows / t.wg)).keys()];
  for (const r of Rs) e(`let r${r} = ${rowAt(rowOf(r))};`);
  if (!pos) for (const j of lanes) G.push(`  let rl${j} = ${rowAt(rowOf(j === 0 ? 'sid' : U.add('sid', j * t.wg)))};`);
  for (const p of Ps) e(`let q${p} = ${U.add(D(Q.loc.offset, 'Q.loc.offset'), U.mul(`min(${colOf(p)}, ${D(Q.ch, 'Q.ch')} - 1u)`, D(strides(Q).c, 'strides(Q).c')))};`);
  const cv = columnVectors(t.cols);
  for (const r of Rs) for (const g of cv.groups) e(`var acc${r}_${g} = ${cv.type}();`);
  const [pr, pq] = rowsA ? ['pa', 'pb'] : ['pb', 'pa'];
  const [ay, by] = [U.mul('u32(y)', D(sa.y, 'sa.y')), U.mul('u32(s * y + dy)', D(sb.y, 'sb.y'))];
  const [ab, bb] = [U.mul('b', D(A.loc.batchStride, 'A.loc.batchStride')), U.mul('b', D(B.loc.batchStride, 'B.loc.batchStride'))];
  if (pos) {
    // B's column is clamped into the map and its value selected away outside [x0, x1).
    e('for (var y = y0; y < y1; y++) {');
    e(`  for (var n = lid.x; n < u.batch * ${D(A.w, 'A.w')}; n += ${t.wg}u) {`);
    e(`    let b = n / ${D(A.w, 'A.w')};`);
    e(`    let x = i32(n % ${D(A.w, 'A.w')});`);
    e('    let ok = u32(x - x0) < u32(x1 - x0);');
    e(`    let pa = ${U.add(U.add(ab, ay), U.mul('u32(x)', D(sa.x, 'sa.x')))};`);
    e(`    let pb = ${U.add(U.add(bb, by), U.mul(`u32(clamp(s * x + dx, 0, ${I(B.w, 'B.w')} - 1))`, D(sb.x, 'sb.x')))};`);
  } else {
    e('for (var b = 0u; b < u.batch; b++) {');
    e('  for (var y = y0; y < y1; y++) {');
    e(`    let ay = ${U.add(ab, ay)};`);
    e(`    let by = ${U.add(bb, by)};`);
    e('    for (var x = x0; x < x1; x++) {');
    e(`      let pa = ${U.add('ay', U.mul('u32(x)', D(sa.x, 'sa.x')))};`);
    e(`      let pb = ${U.add('by', U.mul('u32(s * x + dx)', D(sb.x, 'sb.x')))};`);
  }
  const ind = pos ? '    ' : '      ';
  for (const r of Rs) L.push(`  ${ind}let rv${r} = ${bufR}[r${r} + ${pr}];`);
  for (const r of Rs) {
    if (pos) G.push(`  ${ind}let rv${r} = ${bufR}[r${r} + ${pr}];`);
    else {
      if (r % t.wg === 0) G.push(`  ${ind}let rl${r / t.wg}v = ${bufR}[rl${r / t.wg} + ${pr}];`);
      G.push(`  ${ind}let rv${r} = subgroupBroadcast(rl${Math.floor(r / t.wg)}v, ${r % t.wg}u);`);
    }
  }
  for (const g of cv.groups) {
    const qv = cv.of(g, (p) => `${bufQ}[q${p} + ${pq}]`);
    e(`${ind}let qv${g} = ${pos ? `select(${cv.type}(), ${qv}, ok)` : qv};`);
  }
  for (const r of Rs) for (const g of cv.groups) e(`${ind}acc${r}_${g} += rv${r} * qv${g};`);
  if (!pos) e('    }');
  e('  }');
  e('}');
  const store = (row: string, col: string, v: string) => {
    const idx = U.add(U.add(U.add(D(out.offset, 'out.offset'), U.mul(row, D(outR, 'outR'))), U.mul(col, D(outQ, 'outQ'))), U.mul('tap', D(k.outT, 'k.outT')));
    return `if (${row} < ${D(R.ch, 'R.ch')} && ${col} < ${D(Q.ch, 'Q.ch')}) { ${O}[${idx}] = ${v}; }`;
  };
  let decls = '';
  if (pos) {
    const n = t.rows * t.cols;
    decls = `var<workgroup> red: array<f32, ${n * t.wg}>;`;
    for (const r of Rs) for (const p of Ps) e(`red[${(r * t.cols + p) * t.wg}u + lid.x] = ${cv.at(`acc${r}_`, p)};`);
    e('workgroupBarrier();');
    e(`for (var i = lid.x; i < ${n}u; i += ${t.wg}u) {`);
    e('  var sum = 0.0;');
    e(`  for (var l = 0u; l < ${t.wg}u; l++) { sum += red[i * ${t.wg}u + l]; }`);
    e(`  ${store(rowOf(U.div('i', t.cols)), U.add(U.mul('cg', perGroup), U.mod('i', t.cols)), 'sum')}`);
    e('}');
  } else {
    // In a loop over the tile from a private array, so the store code exists once.
    const n = t.rows * t.cols;
    const G = cv.groups.length;
    e(`var accs: array<${cv.type}, ${t.rows * G}>;`);
    for (const r of Rs) for (const g of cv.groups) e(`accs[${r * G + g}] = acc${r}_${g};`);
    e(`for (var i = 0u; i < ${opaque(n)}; i++) {`);
    const acc = cv.element('accs', 'i');
    e(`  ${store(rowOf(U.div('i', t.cols)), U.add(U.mul('cg', perGroup), U.add('lid.x', U.mul(U.mod('i', t.cols), t.wg))), acc)}`);
    e('}');
  }
  const threads = { perExample: 0, fixed: groups * t.wg };
  // With subgroups, lanes over channels with broadcast rows beat lanes over positions on every
  // map size measured (bench/weight-grad.ts --tiles), so a positions kernel's variant is that one.
  const kt = transposed(k);
  const subgroup = rowTapsApply(k)
    ? rowTapsVariant(k, out)
    : rowTapsApply(kt)
    ? rowTapsVariant(kt, out)
    : pos
    ? weightGradKernel(st, name, node, out, nodes, subgroupTile(k)).subgroup
    : subgroupVariant(kb, workgroupMain(t.wg, G, true), threads, decls);
  return {
    name, wgsl: kb.module(workgroupMain(t.wg, L), decls), dims: kb.dims(), entry: 'main', bindings: kb.specBindings(),
    threads, workgroupSize: t.wg, nodes, ...(node.source ? { source: node.source } : {}), subgroup,
  };
}
