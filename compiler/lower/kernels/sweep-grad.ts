// sweep_grad: the SDN sweep's backward as a reverse scan over the lines (semantics in
// compiler/ops/grad.ts). ∂L/∂y of a line is complete once the line after it (in scan order)
// has pushed its contribution W_ihᵀ·∂gi back onto its three neighbours, so the scan walks the
// lines backwards, two phases per line t:
//   A  the line's gates from the forward's pre-activations (W_hh·x + b_hh, W_ih·n(y) + b_ih), then write
//      ∂gi, ∂gh and z ⊙ ∂y for the line into the [7F, H, W] output;
//   B  add W_ihᵀ·∂gi of line t into the running ∂L/∂y of line t−1 (a scratch in line layout,
//      seeded with the upstream gradient).
// Both phases are one kernel dispatched 2L − 1 times (uniform `step`): phase A of line
// L−1−⌊step/2⌋ on even steps, phase B on odd ones. Each invocation owns TK features × TP
// positions; the feature tile comes from the workgroup id so weight loads are uniform. Phase A
// reads the gates' pre-activations the forward scan kept (sweep.ts, LowerState.sweepGates):
// recomputing them was 57 % of this kernel's multiply-adds.
import type { IrNode } from '../../../runtime/ir.js';
import { columnVectors, elementKernel, kernelName, subgroupVariant, workgroupMain } from './common.js';
import { lineLayout } from '../layout.js';
import { eachLineOutput, lineLanes, lineWindow } from './sweep.js';
import { addBuffer, chw, type Loc, type LowerState } from '../state.js';
import { KernelBuilder } from '../wgsl.js';

const TK = 16, TP = 8, WG = 8;

/** WGSL address of element (b, c, row, col) of a [C, H, W] value stored at loc. */
export function emitSweepGrad(st: LowerState, n: IrNode): void {
  const [gn, xn, yn, wihn] = n.inputs.map((i) => st.graph.nodes[i]);
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
    value: (gen, b, j) => gen.strided(gn.id, b, j),
  }));

  const kb = new KernelBuilder();
  const D = (v: number, key: string) => kb.dim(v, key);
  const G = kb.buf(out.buffer, 'read_write'), A = kb.buf(acc, 'read_write');
  const gates = st.sweepGates.get(yn.id);
  if (gates === undefined) throw new Error(`sweep_grad %${n.id}: its sweep %${yn.id} kept no gate pre-activations`);
  const X = kb.buf(loc(xn.id).buffer), Wi = kb.buf(loc(wihn.id).buffer), Gt = kb.buf(gates);
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
  const xs = strides('x', loc(xn.id), xn.shape), gs = strides('g', out, n.shape);
  // Line layout of the running gradient (as lineLayout): image line d, position i, feature f.
  const aAt = (b: string, d: string, i: string, f: string) => `${A}[${b} * ${D(F * L * P, 'F * L * P')} + (${d} * ${Pd} + ${i}) * ${Fd} + ${f}]`;
  const Ks = [...Array(TK).keys()], Ss = [0, 1, 2];
  // Two variants, line by line the same but for the weight loads: plain (workgroup-uniform
  // addresses), and with each lane loading one weight row and the rows shared by subgroup
  // broadcasts (KernelSpec.subgroup), as the conv kernels do.
  const S: string[] = [], SG: string[] = [];
  const e = (line: string) => (S.push(`  ${line}`), SG.push(`  ${line}`));
  const plain = (line: string) => S.push(`  ${line}`), shared = (line: string) => SG.push(`  ${line}`);
  const tile = { F, TK, TP, WG };
  lineLanes(e, D, tile, P);
  e(`let t = ${D(L, 'L')} - 1u - u.step / 2u;`);
  const rev = `${D(reverse ? 1 : 0, 'reverse')} != 0u`;
  e(`let d = select(t, ${D(L, 'L')} - 1u - t, ${rev});`);
  e(`let dp = select(d - 1u, d + 1u, ${rev});`);
  const eachOutput = (body: string[]) => eachLineOutput(e, D, tile, P, body);
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
  const pre = (j: number) => `${Gt}[gp${j === 0 ? '' : ` + ${D(j * F, `${j} * F`)}`}]`;
  eachOutput([
    `let gy = ${aAt('b', 'd', 'i', 'kk')};`,
    `let gp = b * ${D(6 * F * L * P, '6 * F * L * P')} + (d * ${Pd} + i) * ${D(6 * F, '6 * F')} + kk;`,
    `let r = ${sig}(${pre(3)} + ${pre(0)});`,
    `let z = ${sig}(${pre(4)} + ${pre(1)});`,
    `let ghn = ${pre(2)};`,
    `let nv = ${tanh}(${pre(5)} + r * ghn);`,
    `let h = ${X}[${xs.base('b', 'd')} + i * ${xs.i} + kk * ${xs.c}];`,
    'let dan = gy * (1.0 - z) * (1.0 - nv * nv);',
    'let daz = gy * (h - nv) * z * (1.0 - z);',
    'let dar = dan * ghn * r * (1.0 - r);',
    ...[['0u', 'dar'], ['1u', 'daz'], ['2u', 'dan'], ['3u', 'dar'], ['4u', 'daz'], ['5u', 'dan * r'], ['6u', 'gy * z']].map(([c, v]) => `${gAt(`${c} * ${Fd} + kk`, 'i', 'd')} = ${v};`),
  ]);
  e('} else {');
  // Phase B: ∂y of line dp at position i += Σ_s W_ih[:, s·F + k]ᵀ · ∂gi of line d at position
  // i + 1 − s: a 3-tap correlation along the line. A register tile of TK features × TP
  // consecutive positions over c; the three taps share one window of TP + 2 ∂gi values (slot q
  // holds position i0 − 1 + q; output p, tap s reads slot p + 2 − s), held as vectors over p.
  const cv = columnVectors(TP), C = cv.groups;
  for (const k of Ks) for (const c of C) e(`var q${k}_${c} = ${cv.type}();`);
  e(`let gb = ${gs.base('b', 'd')};`);
  const Qs = lineWindow(e, D, tile, P, 'ga', 'gb', gs.i);
  const lanes = [...Array(Math.ceil(TK / WG)).keys()];
  for (const l of lanes) shared(`let kl${l} = min(kt * ${TK}u + sid${l === 0 ? '' : ` + ${l * WG}u`}, ${Fd} - 1u);`);
  for (const k of Ks) plain(`let k${k} = min(kt * ${TK}u + ${k}u, ${Fd} - 1u);`);
  e(`for (var c = 0u; c < 3u * ${Fd}; c++) {`);
  for (const q of Qs) e(`  let v${q} = select(0.0, ${G}[ga${q} + c * ${gs.c}], ok${q});`);
  for (const s of Ss) {
    for (const c of C) e(`  let vv${s}_${c} = ${cv.of(c, (p) => `v${p + 2 - s}`)};`);
    const w = (k: string) => `${Wi}[c * 3u * ${Fd} + ${s === 0 ? '' : `${s === 1 ? Fd : `2u * ${Fd}`} + `}${k}]`;
    for (const l of lanes) shared(`  let wk${s}_${l} = ${w(`kl${l}`)};`);
    for (const k of Ks) {
      plain(`  let w${s}_${k} = ${w(`k${k}`)};`);
      shared(`  let w${s}_${k} = subgroupBroadcast(wk${s}_${Math.floor(k / WG)}, ${k % WG}u);`);
      for (const c of C) e(`  q${k}_${c} += w${s}_${k} * vv${s}_${c};`);
    }
  }
  e('}');
  e(`var sums: array<${cv.type}, ${(TK * TP) / cv.width}>;`);
  for (const k of Ks) for (const c of C) e(`sums[${k * C.length + c}] = q${k}_${c};`);
  eachOutput([`${aAt('b', 'dp', 'i', 'kk')} += ${cv.element('sums', 'at')};`]);
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
