// sweep_grad: the SDN sweep's backward as a reverse scan over the lines (semantics in
// compiler/ir/grad-ops.ts). ∂L/∂y of a line is complete once the line after it (in scan order)
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
import { elementKernel, kernelName } from './common.js';
import { lineLayout } from '../layout.js';
import { addBuffer, chw, type Loc, type LowerState } from '../state.js';
import { opaque } from '../../../runtime/webgpu/uniforms.js';
import { KernelBuilder, U } from '../wgsl.js';

const TK = 4, TP = 4, WG = 8;

/** WGSL address of element (b, c, row, col) of a [C, H, W] value stored at loc. */
/**
 * WGSL address of element (b, c, position i, line d) of a [C, H, W] value stored at loc: lines
 * are columns (alongCols) or rows, and their strides uniforms, so one kernel serves every direction.
 */
function at(D: (n: number, key: string) => string, name: string, loc: Loc, shape: number[], alongCols: boolean, b: string, c: string, i: string, d: string): string {
  const [, H, W] = chw(shape);
  const s = loc.strides ?? { c: H * W, y: W, x: 1 };
  const [si, sd] = alongCols ? [s.y, s.x] : [s.x, s.y];
  const f = (n: number, field: string) => D(n, `${name}.${field}`);
  return `${U.add(f(loc.offset, 'offset'), U.mul(b, f(loc.batchStride, 'batchStride')))} + (${c}) * ${f(s.c, 'c')} + (${i}) * ${f(si, 'i')} + (${d}) * ${f(sd, 'd')}`;
}

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
  const xAt = (c: string, i: string, d: string) => `${X}[${at(D, 'x', loc(xn.id), xn.shape, alongCols, 'b', c, i, d)}]`;
  const yAt = (c: string, i: string, d: string) => `${Y}[${at(D, 'y', loc(yn.id), yn.shape, alongCols, 'b', c, i, d)}]`;
  const gAt = (c: string, i: string, d: string) => `${G}[${at(D, 'g', out, n.shape, alongCols, 'b', c, i, d)}]`;
  // Line layout of the running gradient (as lineLayout): image line d, position i, feature f.
  const aAt = (d: string, i: string, f: string) => `${A}[b * ${D(F * L * P, 'F * L * P')} + (${d} * ${D(P, 'P')} + ${i}) * ${D(F, 'F')} + ${f}]`;
  const Ps = [...Array(TP).keys()];
  const S: string[] = [];
  const e = (s: string) => S.push(`  ${s}`);
  e('let wid = wg.x + wg.y * u.wgx;');
  e(`let ncols = u.batch * ${D(P, 'P')};`);
  e(`let ncg = (ncols + ${WG * TP - 1}u) / ${WG * TP}u;`);
  e('let kt = wid / ncg;');
  e(`if (kt >= ${D(Math.ceil(F / TK), 'Math.ceil(F / TK)')}) { return; }`);
  e(`let colbase = (wid % ncg) * ${WG * TP}u + lid.x;`);
  e(`let t = ${D(L, 'L')} - 1u - u.step / 2u;`);
  const rev = `${D(reverse ? 1 : 0, 'reverse')} != 0u`;
  e(`let d = select(t, ${D(L, 'L')} - 1u - t, ${rev});`);
  e(`let dp = select(d - 1u, d + 1u, ${rev});`);
  for (const p of Ps) {
    e(`let col${p} = colbase + ${p * WG}u;`);
    e(`if (col${p} < ncols) {`);
    e(`  let b = col${p} / ${D(P, 'P')};`);
    e(`  let i = col${p} % ${D(P, 'P')};`);
    e('  if (u.step % 2u == 0u) {');
    e(`    for (var k = kt * ${TK}u; k < min(kt * ${TK}u + ${TK}u, ${D(F, 'F')}); k++) {`);
    phaseA(e, { F: D(F, 'F'), P: D(P, 'P'), xAt, yAt, gAt, aAt, Wi, Wh, Bi, Bh, sig, tanh });
    e('    }');
    e('  } else {');
    e(`    for (var f = kt * ${TK}u; f < min(kt * ${TK}u + ${TK}u, ${D(F, 'F')}); f++) {`);
    phaseB(e, { F: D(F, 'F'), P: D(P, 'P'), gAt, aAt, Wi });
    e('    }');
    e('  }');
    e('}');
  }
  const main = `@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
${S.join('\n')}
}`;
  const KT = Math.ceil(F / TK);
  st.kernels.push({
    name: kernelName(st, n, [], 'scan:'), wgsl: kb.module(main), dims: kb.dims(), entry: 'main', bindings: kb.specBindings(),
    threads: { perExample: KT * Math.ceil(P / TP), fixed: KT * WG }, workgroupSize: WG,
    steps: 2 * L - 1, nodes: [n.id], ...(n.source ? { source: n.source } : {}),
  });
}

/** What phase B reads: sizes, the output (∂gi), the running ∂L/∂y and W_ih. */
interface Access {
  /** WGSL of the features and positions per line. */
  F: string;
  P: string;
  gAt: (c: string, i: string, d: string) => string;
  aAt: (d: string, i: string, f: string) => string;
  Wi: string;
}

/** Phase A also recomputes the gates from the forward values. */
interface GateAccess extends Access {
  xAt: (c: string, i: string, d: string) => string;
  yAt: (c: string, i: string, d: string) => string;
  Wh: string;
  Bi: string;
  Bh: string;
  sig: string;
  tanh: string;
}

/** Phase A for feature k at position i of line t (image line d): the line's gate gradients. */
function phaseA(e: (s: string) => void, a: GateAccess): void {
  const { F, P, xAt, yAt } = a;
  const E = (s: string) => e(`      ${s}`);
  E(`let gy = ${a.aAt('d', 'i', 'k')};`);
  E('if (t == 0u) {');
  E(`  for (var c = 0u; c < 6u; c++) { ${a.gAt(`c * ${F} + k`, 'i', 'd')} = 0.0; }`);
  E(`  ${a.gAt(`(6u * ${F}) + k`, 'i', 'd')} = gy;`);
  E('  continue;');
  E('}');
  E('var ar = 0.0; var az = 0.0; var an = 0.0; var hr = 0.0; var hz = 0.0; var hn = 0.0;');
  // The input half over the three neighbours (i−1, i, i+1) on line dp, zero outside the map.
  E(`for (var s = 0u; s < ${opaque(3)}; s++) {`);
  E(`  if (i + s < 1u || i + s > ${P}) { continue; }`);
  E('  let q = i + s - 1u;');
  E(`  for (var f = 0u; f < ${F}; f++) {`);
  E(`    let v = ${yAt('f', 'q', 'dp')};`);
  E(`    let w = s * ${F} + f;`);
  E(`    ar += ${a.Wi}[k * (3u * ${F}) + w] * v;`);
  E(`    az += ${a.Wi}[(${F} + k) * (3u * ${F}) + w] * v;`);
  E(`    an += ${a.Wi}[((2u * ${F}) + k) * (3u * ${F}) + w] * v;`);
  E('  }');
  E('}');
  E(`for (var f = 0u; f < ${F}; f++) {`);
  E(`  let v = ${xAt('f', 'i', 'd')};`);
  E(`  hr += ${a.Wh}[k * ${F} + f] * v;`);
  E(`  hz += ${a.Wh}[(${F} + k) * ${F} + f] * v;`);
  E(`  hn += ${a.Wh}[((2u * ${F}) + k) * ${F} + f] * v;`);
  E('}');
  E(`let r = ${a.sig}(ar + ${a.Bi}[k] + hr + ${a.Bh}[k]);`);
  E(`let z = ${a.sig}(az + ${a.Bi}[${F} + k] + hz + ${a.Bh}[${F} + k]);`);
  E(`let ghn = hn + ${a.Bh}[(2u * ${F}) + k];`);
  E(`let nv = ${a.tanh}(an + ${a.Bi}[(2u * ${F}) + k] + r * ghn);`);
  E(`let h = ${xAt('k', 'i', 'd')};`);
  E('let dan = gy * (1.0 - z) * (1.0 - nv * nv);');
  E('let daz = gy * (h - nv) * z * (1.0 - z);');
  E('let dar = dan * ghn * r * (1.0 - r);');
  const put = (c: string, v: string) => E(`${a.gAt(c, 'i', 'd')} = ${v};`);
  put('k', 'dar');
  put(`${F} + k`, 'daz');
  put(`(2u * ${F}) + k`, 'dan');
  put(`(3u * ${F}) + k`, 'dar');
  put(`(4u * ${F}) + k`, 'daz');
  put(`(5u * ${F}) + k`, 'dan * r');
  put(`(6u * ${F}) + k`, 'gy * z');
}

/** Phase B for feature f at position i of the line before line t (image line dp): ∂y += Σ over the 3 positions of line t that read it of W_ihᵀ·∂gi. */
function phaseB(e: (s: string) => void, a: Access): void {
  const { F, P } = a;
  const E = (s: string) => e(`      ${s}`);
  E('var sum = 0.0;');
  // Position i of line t−1 is neighbour s of position i − s + 1 on line t.
  E(`for (var s = 0u; s < ${opaque(3)}; s++) {`);
  E(`  if (i + 1u < s || i + 1u - s >= ${P}) { continue; }`);
  E('  let q = i + 1u - s;');
  E(`  for (var c = 0u; c < 3u * ${F}; c++) {`);
  E(`    sum += ${a.Wi}[c * (3u * ${F}) + s * ${F} + f] * ${a.gAt('c', 'q', 'd')};`);
  E('  }');
  E('}');
  E(`${a.aAt('dp', 'i', 'f')} += sum;`);
}
