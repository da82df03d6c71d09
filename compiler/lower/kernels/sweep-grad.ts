// sweep_grad: the SDN sweep's backward as a reverse scan over the lines (semantics in
// compiler/ops/grad.ts). ∂L/∂y of a line is complete once the line after it (in scan order)
// has pushed its contribution W_ihᵀ·∂gi back onto its three neighbours, so the scan walks the
// lines backwards, two phases per line t:
//   A  recompute the line's gates from the forward values (x, and y of line t−1), then write
//      ∂gi, ∂gh and z ⊙ ∂y for the line into the [7F, H, W] output;
//   B  add W_ihᵀ·∂gi of line t into the running ∂L/∂y of line t−1 (a scratch in line layout,
//      seeded with the upstream gradient).
// Both phases are one kernel dispatched 2L − 1 times (uniform `step`): phase A of line
// L−1−⌊step/2⌋ on even steps, phase B on odd ones. Each invocation owns TK features × TP
// positions; the feature tile comes from the workgroup id so weight loads are uniform.
import type { IrNode } from '../../../runtime/ir.js';
import { broadcastRow, columnVectors, elementKernel, kernelName, subgroupVariant, workgroupMain } from './common.js';
import { lineLayout } from '../layout.js';
import { addBuffer, chw, type Loc, type LowerState } from '../state.js';
import { opaque } from '../../../runtime/webgpu/uniforms.js';
import { KernelBuilder, U } from '../wgsl.js';

const TK = 8, TP = 4, WG = 8;

/** WGSL address of element (b, c, row, col) of a [C, H, W] value stored at loc. */
export function emitSweepGrad(st: LowerState, n: IrNode): void {
  const [gn, xn, yn, wihn, whhn, bihn, bhhn] = n.inputs.map((i) => st.graph.nodes[i]);
  const [F, H, W] = xn.shape;
  const alongCols = (n.attrs.direction as number) < 2, reverse = n.attrs.direction === 1 || n.attrs.direction === 3;
  const L = alongCols ? W : H, P = alongCols ? H : W;
  const loc = (id: number) => st.locs[id]!;
  const out = loc(n.id);
  const acc = addBuffer(st, { role: 'activation', name: `%${n.id} running ∂L/∂y of a sweep_grad scan`, size: { perExample: F * H * W, fixed: 0 } });
  // The running ∂L/∂y starts as the upstream gradient, in line layout (as the forward scan stores its map).
  const accLoc: Loc = { buffer: acc, offset: 0, batchStride: F * H * W, strides: lineLayout({ ...n, shape: xn.shape }) };
  st.kernels.push(elementKernel(st, {
    name: kernelName(st, n, [], 'seed:'), node: gn, out: accLoc, nodes: [], source: n.source,
    value: (gen, b, j) => gen.value(gn.id, b, j),
  }));

  const kb = new KernelBuilder();
  const D = (v: number, key: string) => kb.dim(v, key);
  const G = kb.buf(out.buffer, 'read_write'), A = kb.buf(acc, 'read_write');
  const X = kb.buf(loc(xn.id).buffer), Y = kb.buf(loc(yn.id).buffer);
  const Wi = kb.buf(loc(wihn.id).buffer), Wh = kb.buf(loc(whhn.id).buffer), Bi = kb.buf(loc(bihn.id).buffer), Bh = kb.buf(loc(bhhn.id).buffer);
  const sig = kb.helper('sigmoid'), tanh = kb.helper('tanh');
  const Fd = D(F, 'F'), Pd = D(P, 'P');
  // Addresses: a line base (example b, image line d) per column, plus feature and position terms.
  const strides = (name: string, l: Loc, shape: number[]) => {
    const [, h, w] = chw(shape);
    const st2 = l.strides ?? { c: h * w, y: w, x: 1 };
    const [si, sd] = alongCols ? [st2.y, st2.x] : [st2.x, st2.y];
    const f = (v: number, field: string) => D(v, `${name}.${field}`);
    return { base: (b: string, d: string) => `${f(l.offset, 'offset')} + ${b} * ${f(l.batchStride, 'batchStride')} + ${d} * ${f(sd, 'd')}`, c: f(st2.c, 'c'), i: f(si, 'i') };
  };
  const xs = strides('x', loc(xn.id), xn.shape), ys = strides('y', loc(yn.id), yn.shape), gs = strides('g', out, n.shape);
  // Line layout of the running gradient (as lineLayout): image line d, position i, feature f.
  const aAt = (b: string, d: string, i: string, f: string) => `${A}[${b} * ${D(F * L * P, 'F * L * P')} + (${d} * ${Pd} + ${i}) * ${Fd} + ${f}]`;
  const Ps = [...Array(TP).keys()], Ks = [...Array(TK).keys()], Gs = [0, 1, 2];
  // Two variants, line by line the same but for the weight loads: plain (workgroup-uniform
  // addresses), and with each lane loading one weight row and the rows shared by subgroup
  // broadcasts (KernelSpec.subgroup), as the conv kernels do.
  const S: string[] = [], SG: string[] = [];
  const e = (line: string) => (S.push(`  ${line}`), SG.push(`  ${line}`));
  const plain = (line: string) => S.push(`  ${line}`), shared = (line: string) => SG.push(`  ${line}`);
  // Weight row j of the tile's 3·TK (gate g = j / TK, feature k = j % TK) for lane sid, 8 rows per load.
  const gateRows = [...Array(Math.ceil((3 * TK) / WG)).keys()];
  const gateRow = (l: number) => `min(${l === 0 ? 'sid' : `sid + ${l * WG}u`}, ${3 * TK - 1}u)`;
  e('let wid = wg.x + wg.y * u.wgx;');
  e(`let ncols = u.batch * ${Pd};`);
  e(`let ncg = (ncols + ${WG * TP - 1}u) / ${WG * TP}u;`);
  e('let kt = wid / ncg;');
  e(`if (kt >= ${D(Math.ceil(F / TK), 'feature tiles')}) { return; }`);
  e(`let colbase = (wid % ncg) * ${WG * TP}u + lid.x;`);
  e(`let t = ${D(L, 'L')} - 1u - u.step / 2u;`);
  const rev = `${D(reverse ? 1 : 0, 'reverse')} != 0u`;
  e(`let d = select(t, ${D(L, 'L')} - 1u - t, ${rev});`);
  e(`let dp = select(d - 1u, d + 1u, ${rev});`);
  for (const p of Ps) {
    e(`let cc${p} = min(colbase + ${p * WG}u, ncols - 1u);`);
    e(`let b${p} = cc${p} / ${Pd};`);
    e(`let i${p} = cc${p} % ${Pd};`);
  }
  for (const k of Ks) e(`let k${k} = min(kt * ${TK}u + ${k}u, ${Fd} - 1u);`);
  for (const l of gateRows) shared(`let gr${l} = (${gateRow(l)} / ${TK}u) * ${Fd} + min(kt * ${TK}u + ${gateRow(l)} % ${TK}u, ${Fd} - 1u);`);
  shared(`let kl = min(kt * ${TK}u + sid % ${TK}u, ${Fd} - 1u);`);
  // The tile's outputs one at a time (column pc, feature kk), so this code exists once.
  const eachOutput = (body: string[]) => {
    e(`for (var o = 0u; o < ${opaque(TK * TP)}; o++) {`);
    e(`  let col = colbase + (o % ${TP}u) * ${WG}u;`);
    e(`  let kk = kt * ${TK}u + o / ${TP}u;`);
    e(`  if (col >= ncols || kk >= ${Fd}) { continue; }`);
    e(`  let b = col / ${Pd};`);
    e(`  let i = col % ${Pd};`);
    for (const l of body) e(`  ${l}`);
    e('}');
  };
  const gAt = (c: string, i: string, d: string) => `${G}[${gs.base('b', d)} + (${c}) * ${gs.c} + ${i} * ${gs.i}]`;
  e('if (u.step % 2u == 0u) {');
  // Phase A. The first line has no previous line: its gate gradients are zero, z ⊙ ∂y = ∂y.
  e('if (t == 0u) {');
  eachOutput([
    `let gy = ${aAt('b', 'd', 'i', 'kk')};`,
    `for (var c = 0u; c < 6u; c++) { ${gAt(`c * ${Fd} + kk`, 'i', 'd')} = 0.0; }`,
    `${gAt(`6u * ${Fd} + kk`, 'i', 'd')} = gy;`,
  ]);
  e('return;');
  e('}');
  // The gates recomputed as register tiles: the input half over the three neighbours on line dp
  // (zero outside the map), the hidden half over the line's own pre-sweep features x.
  // Accumulators over the positions as vectors (columnVectors).
  const cv = columnVectors(TP), C = cv.groups, vecs = (ind: string) => C.forEach((c) => e(`${ind}let vv${c} = ${cv.of(c, (p) => `v${p}`)};`));
  for (const h of ['a', 'h']) for (const g of Gs) for (const k of Ks) for (const c of C) e(`var ${h}${g}_${k}_${c} = ${cv.type}();`);
  for (const p of Ps) e(`let yb${p} = ${ys.base(`b${p}`, 'dp')};`);
  e(`for (var s = 0u; s < ${opaque(3)}; s++) {`);
  for (const p of Ps) {
    e(`  let ok${p} = i${p} + s >= 1u && i${p} + s <= ${Pd};`);
    e(`  let yp${p} = yb${p} + (min(i${p} + s, ${Pd}) - 1u + select(1u, 0u, i${p} + s >= 1u)) * ${ys.i};`);
  }
  e(`  for (var f = 0u; f < ${Fd}; f++) {`);
  for (const p of Ps) e(`    let v${p} = select(0.0, ${Y}[yp${p} + f * ${ys.c}], ok${p});`);
  vecs('    ');
  for (const l of gateRows) shared(`    let wl${l} = ${Wi}[gr${l} * 3u * ${Fd} + s * ${Fd} + f];`);
  for (const g of Gs) {
    for (const k of Ks) {
      plain(`    let w${g}_${k} = ${Wi}[(${U.mul(Fd, g)} + k${k}) * 3u * ${Fd} + s * ${Fd} + f];`);
      shared(`    let w${g}_${k} = ${broadcastRow('wl', g * TK + k, WG)};`);
      for (const c of C) e(`    a${g}_${k}_${c} += w${g}_${k} * vv${c};`);
    }
  }
  e('  }');
  e('}');
  for (const p of Ps) e(`let xb${p} = ${xs.base(`b${p}`, 'd')} + i${p} * ${xs.i};`);
  e(`for (var f = 0u; f < ${Fd}; f++) {`);
  for (const p of Ps) e(`  let v${p} = ${X}[xb${p} + f * ${xs.c}];`);
  vecs('  ');
  for (const l of gateRows) shared(`  let wl${l} = ${Wh}[gr${l} * ${Fd} + f];`);
  for (const g of Gs) {
    for (const k of Ks) {
      plain(`  let w${g}_${k} = ${Wh}[(${U.mul(Fd, g)} + k${k}) * ${Fd} + f];`);
      shared(`  let w${g}_${k} = ${broadcastRow('wl', g * TK + k, WG)};`);
      for (const c of C) e(`  h${g}_${k}_${c} += w${g}_${k} * vv${c};`);
    }
  }
  e('}');
  const n6 = TK * TP;
  e(`var acc: array<${cv.type}, ${(6 * n6) / cv.width}>;`);
  ['a', 'h'].forEach((h, hi) => Gs.forEach((g) => Ks.forEach((k) => C.forEach((c) => e(`acc[${((hi * 3 + g) * TK + k) * C.length + c}] = ${h}${g}_${k}_${c};`)))));
  const A_ = (h: number, g: number) => cv.element('acc', U.add('o', (h * 3 + g) * n6));
  eachOutput([
    `let gy = ${aAt('b', 'd', 'i', 'kk')};`,
    `let r = ${sig}(${A_(0, 0)} + ${Bi}[kk] + ${A_(1, 0)} + ${Bh}[kk]);`,
    `let z = ${sig}(${A_(0, 1)} + ${Bi}[${Fd} + kk] + ${A_(1, 1)} + ${Bh}[${Fd} + kk]);`,
    `let ghn = ${A_(1, 2)} + ${Bh}[2u * ${Fd} + kk];`,
    `let nv = ${tanh}(${A_(0, 2)} + ${Bi}[2u * ${Fd} + kk] + r * ghn);`,
    `let h = ${X}[${xs.base('b', 'd')} + i * ${xs.i} + kk * ${xs.c}];`,
    'let dan = gy * (1.0 - z) * (1.0 - nv * nv);',
    'let daz = gy * (h - nv) * z * (1.0 - z);',
    'let dar = dan * ghn * r * (1.0 - r);',
    ...[['0u', 'dar'], ['1u', 'daz'], ['2u', 'dan'], ['3u', 'dar'], ['4u', 'daz'], ['5u', 'dan * r'], ['6u', 'gy * z']].map(([c, v]) => `${gAt(`${c} * ${Fd} + kk`, 'i', 'd')} = ${v};`),
  ]);
  e('} else {');
  // Phase B: ∂y of line dp at position i += Σ_s W_ih[:, s]ᵀ · ∂gi of line d at position i + 1 − s,
  // a register tile of TK features × TP positions over (s, c).
  for (const k of Ks) for (const c of C) e(`var q${k}_${c} = ${cv.type}();`);
  for (const p of Ps) e(`let gb${p} = ${gs.base(`b${p}`, 'd')};`);
  e(`for (var s = 0u; s < ${opaque(3)}; s++) {`);
  for (const p of Ps) {
    e(`  let ok${p} = i${p} + 1u >= s && i${p} + 1u - s < ${Pd};`);
    e(`  let gp${p} = gb${p} + min(i${p} + 1u - min(s, i${p} + 1u), ${Pd} - 1u) * ${gs.i};`);
  }
  e(`  for (var c = 0u; c < 3u * ${Fd}; c++) {`);
  for (const p of Ps) e(`    let v${p} = select(0.0, ${G}[gp${p} + c * ${gs.c}], ok${p});`);
  vecs('    ');
  shared(`    let wk = ${Wi}[c * 3u * ${Fd} + s * ${Fd} + kl];`);
  for (const k of Ks) {
    plain(`    let w${k} = ${Wi}[c * 3u * ${Fd} + s * ${Fd} + k${k}];`);
    shared(`    let w${k} = subgroupBroadcast(wk, ${k}u);`);
    for (const c of C) e(`    q${k}_${c} += w${k} * vv${c};`);
  }
  e('  }');
  e('}');
  e(`var sums: array<${cv.type}, ${n6 / cv.width}>;`);
  for (const k of Ks) for (const c of C) e(`sums[${k * C.length + c}] = q${k}_${c};`);
  eachOutput([`${aAt('b', 'dp', 'i', 'kk')} += ${cv.element('sums', 'o')};`]);
  e('}');
  const KT = Math.ceil(F / TK);
  const threads = { perExample: KT * Math.ceil(P / TP), fixed: KT * WG };
  st.kernels.push({
    name: kernelName(st, n, [], 'scan:'), wgsl: kb.module(workgroupMain(WG, S)), dims: kb.dims(), entry: 'main', bindings: kb.specBindings(),
    threads, workgroupSize: WG,
    steps: 2 * L - 1, nodes: [n.id], ...(n.source ? { source: n.source } : {}),
    subgroup: subgroupVariant(kb, workgroupMain(WG, SG, true), threads),
  });
}
