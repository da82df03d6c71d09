// The SDN sweep as a scan over lines. The map is stored in its line layout ([L, P, F] per
// example, features innermost; see layout.ts) and updated in place:
//   1. gh = W_hh·h + b_hh for every position of every example: one GEMM from the matmul
//      generator, run before the scan (the hidden state is each position's own pre-sweep features);
//   2. `steps` = L − 1 dispatches of one kernel, uniform `step` = 0..L−2, each updating one line:
//      gi = W_ih·[y(i−1), y(i), y(i+1)] + b_ih over the previous (already corrected) line, whose
//      3F inputs are contiguous in this layout, then the GRU update with gh. gh and gi are kept
//      side by side (`gates`, 6F per position), so that the backward (sweep-grad.ts) reads the
//      gates instead of recomputing both products. Each invocation owns TK features × 3 gates
//      × TP consecutive positions of a line, whose three neighbours on the previous line are one
//      window of TP + 2 loads per feature; the feature tile comes from the workgroup id so the
//      W_ih loads are uniform.
import type { IrNode } from '../../../runtime/ir.js';
import type { KernelSpec } from '../../../runtime/program.js';
import { broadcastRow, columnVectors, elementKernel, kernelName, subgroupVariant, workgroupMain } from './common.js';
import { matmulKernel, type MatmulTile } from './matmul.js';
import { opaque, uniformStruct } from '../../../runtime/webgpu/uniforms.js';
import type { Loc, LowerState } from '../state.js';
import { KernelBuilder, U } from '../wgsl.js';

export interface SweepTile {
  /** Scan: features (× 3 gates) and positions per invocation, workgroup size. */
  features: number;
  cols: number;
  wg: number;
  /** Tile of the hidden-state GEMM (matmul generator). */
  gemm?: MatmulTile;
}

/** 4 features × 3 gates × 8 positions per invocation. */
const SWEEP_TILE: SweepTile = { features: 4, cols: 8, wg: 8 };

interface SweepArgs {
  name: string;
  node: IrNode;
  /** The map, in line layout, updated in place. */
  y: Loc;
  /** [gh | gi] per position: gates[b, line, pos, 6F] (LowerState.sweepGates). */
  gates: number;
  nodes: number[];
}

function dims(node: IrNode) {
  const [F, H, W] = node.shape;
  const alongCols = (node.attrs.direction as number) < 2;
  return { F, L: alongCols ? W : H, P: alongCols ? H : W, reverse: node.attrs.direction === 1 || node.attrs.direction === 3 };
}

/** gates[b, line, pos, 0..3F) = Y[b, line, pos, :]·W_hhᵀ + b_hh, one GEMM batched over the examples. */
export function hiddenGemm(st: LowerState, a: SweepArgs): KernelSpec {
  const { F, L, P } = dims(a.node);
  const [whh, bhh] = [a.node.inputs[2], a.node.inputs[4]].map((i) => st.locs[i]!.buffer);
  const M = L * P;
  const kb = new KernelBuilder();
  const mm = matmulKernel({
    M, N: 3 * F, K: F, batch: 1, transB: true, lda: F, ldb: F, ldc: 6 * F,
    strideA: a.y.batchStride, offsetA: a.y.offset, strideB: 0, strideC: 6 * F * M, bias: true,
    runtimeBatch: { batch: 'u.batch', workgroupId: 'wg.x + wg.y * u.wgx' },
    dim: (n, key) => kb.dim(n, key),
    label: a.name,
    ...(st.opts.sweepTile?.gemm ? { tile: st.opts.sweepTile.gemm } : {}),
  });
  const bufs = { a: a.y.buffer, b: whh, c: a.gates, bias: bhh };
  const uniforms = `${uniformStruct(kb.dims().length)}\n@group(0) @binding(4) var<uniform> u: Uniforms;`;
  return {
    name: a.name, wgsl: `${uniforms}\n${mm.wgsl}`, dims: kb.dims(), entry: mm.entryPoint,
    bindings: mm.bindings.map((k) => ({ buffer: bufs[k], access: k === 'c' ? 'read_write' as const : 'read' as const })),
    threads: { perExample: mm.groupsPerItem * mm.workgroupSize, fixed: 0 }, workgroupSize: mm.workgroupSize, nodes: a.nodes,
    ...(a.node.source ? { source: a.node.source } : {}),
  };
}

export function scanKernel(st: LowerState, a: SweepArgs, tile: SweepTile = st.opts.sweepTile ?? SWEEP_TILE): KernelSpec {
  const { F, L, P, reverse } = dims(a.node);
  const TK = Math.min(tile.features, F), TP = tile.cols, WG = tile.wg, KT = Math.ceil(F / TK);
  const [wih, bih] = [a.node.inputs[1], a.node.inputs[3]].map((i) => st.locs[i]!.buffer);
  const kb = new KernelBuilder();
  const D = (n: number, key: string) => kb.dim(n, key);
  const Y = kb.buf(a.y.buffer, 'read_write'), Wi = kb.buf(wih), Bi = kb.buf(bih), G = kb.buf(a.gates, 'read_write');
  // Two variants, line by line the same but for the W_ih loads: plain (workgroup-uniform
  // addresses) and with each lane loading one of the tile's 3·TK weight rows, shared by subgroup
  // broadcasts (KernelSpec.subgroup), as the conv kernels do.
  const S: string[] = [], SG: string[] = [];
  const e = (s: string) => (S.push(`  ${s}`), SG.push(`  ${s}`));
  const plain = (s: string) => S.push(`  ${s}`), shared = (s: string) => SG.push(`  ${s}`);
  const Ks = [...Array(TK).keys()], Gs = [0, 1, 2];
  const rowLoads = [...Array(Math.ceil((3 * TK) / WG)).keys()];
  // Lane columns are (example, block of TP consecutive positions of the line).
  const blocks = D(Math.ceil(P / TP), 'position blocks');
  e('let wid = wg.x + wg.y * u.wgx;');
  e(`let ncols = u.batch * ${blocks};`);
  e(`let ncg = (ncols + ${WG - 1}u) / ${WG}u;`);
  e('let kt = wid / ncg;');
  e(`if (kt >= ${D(KT, 'KT')}) { return; }`);
  e(`let col = (wid % ncg) * ${WG}u + lid.x;`);
  e('let cc = min(col, ncols - 1u);');
  e(`let b = cc / ${blocks};`);
  e(`let i0 = cc % ${blocks} * ${TP}u;`);
  // The direction is a uniform too: one kernel serves a sweep and its reverse.
  const rev = `${D(reverse ? 1 : 0, 'reverse')} != 0u`;
  e(`let d = select(u.step + 1u, ${D(L, 'L')} - 2u - u.step, ${rev});`);
  e(`let dp = select(d - 1u, d + 1u, ${rev});`);
  // The previous line's features at positions i0 − 1 … i0 + TP (window slot q: i0 − 1 + q),
  // zero outside the map: output p's neighbour s (i − 1 + s) is slot p + s, so the three
  // neighbours share TP + 2 loads per feature.
  const Qs = [...Array(TP + 2).keys()];
  e(`let nb = ${U.add(D(a.y.offset, 'a.y.offset'), U.mul('b', D(a.y.batchStride, 'a.y.batchStride')))} + dp * ${D(P * F, 'P * F')};`);
  for (const q of Qs) {
    e(`let pos${q} = i32(i0) + ${q - 1};`);
    e(`let ok${q} = pos${q} >= 0 && pos${q} < i32(${D(P, 'P')});`);
    e(`let n${q} = nb + u32(clamp(pos${q}, 0, i32(${D(P, 'P')}) - 1)) * ${D(F, 'F')};`);
  }
  for (const g of Gs) for (const k of Ks) plain(`let w${g}_${k} = (${U.mul(D(F, 'F'), g)} + min(kt * ${TK}u + ${k}u, ${D(F, 'F')} - 1u)) * ${D(3 * F, '3 * F')};`);
  for (const l of rowLoads) {
    const j = `min(${l === 0 ? 'sid' : `sid + ${l * WG}u`}, ${3 * TK - 1}u)`;
    shared(`let wl${l} = (${j} / ${TK}u * ${D(F, 'F')} + min(kt * ${TK}u + ${j} % ${TK}u, ${D(F, 'F')} - 1u)) * ${D(3 * F, '3 * F')};`);
  }
  // Accumulators over the positions as vectors (columnVectors).
  const cv = columnVectors(TP), vec = (f: number) => cv.element('accs', U.add('t', f));
  for (const g of Gs) for (const k of Ks) for (const c of cv.groups) e(`var acc${g}_${k}_${c} = ${cv.type}();`);
  // One product per accumulator update (llvmpipe masks each loop-carried update; wider sums
  // per update measured slower).
  e(`for (var f = 0u; f < ${D(F, 'F')}; f++) {`);
  for (const q of Qs) e(`  let x${q} = select(0.0, ${Y}[n${q} + f], ok${q});`);
  for (const seg of [0, 1, 2]) {
    for (const c of cv.groups) e(`  let xv${seg}_${c} = ${cv.of(c, (p) => `x${p + seg}`)};`);
    for (const l of rowLoads) shared(`  let wr${seg}_${l} = ${Wi}[wl${l} + ${U.mul(D(F, 'F'), seg)} + f];`);
    for (const g of Gs) {
      for (const k of Ks) {
        const j = g * TK + k;
        plain(`  let wv${seg}_${g}_${k} = ${Wi}[w${g}_${k} + ${U.mul(D(F, 'F'), seg)} + f];`);
        shared(`  let wv${seg}_${g}_${k} = ${broadcastRow(`wr${seg}_`, j, WG)};`);
        for (const c of cv.groups) e(`  acc${g}_${k}_${c} += wv${seg}_${g}_${k} * xv${seg}_${c};`);
      }
    }
  }
  e('}');
  // The GRU update, in a loop over the tile so its code exists once; the accumulators go
  // through a private array read back at a dynamic index.
  const sig = kb.helper('sigmoid'), tanh = kb.helper('tanh');
  const n = TK * TP;
  e(`var accs: array<${cv.type}, ${(3 * n) / cv.width}>;`);
  for (const g of Gs) for (const k of Ks) for (const c of cv.groups) e(`accs[${(g * TK + k) * cv.groups.length + c}] = acc${g}_${k}_${c};`);
  e(`for (var t = 0u; t < ${opaque(n)}; t++) {`);
  e(`  let i = i0 + t % ${TP}u;`);
  e(`  let kk = kt * ${TK}u + t / ${TP}u;`);
  e(`  if (col >= ncols || i >= ${D(P, 'P')} || kk >= ${D(F, 'F')}) { continue; }`);
  e(`  let at = ${U.add(D(a.y.offset, 'a.y.offset'), U.mul('b', D(a.y.batchStride, 'a.y.batchStride')))} + d * ${D(P * F, 'P * F')} + i * ${D(F, 'F')} + kk;`);
  e(`  let gh = b * ${D(6 * F * L * P, '6 * F * L * P')} + (d * ${D(P, 'P')} + i) * ${D(6 * F, '6 * F')} + kk;`);
  Gs.forEach((g) => {
    e(`  let gi${g} = ${vec(g * n)} + ${Bi}[${g === 0 ? 'kk' : `${D(g * F, g === 1 ? 'F' : '2 * F')} + kk`}];`);
    e(`  ${G}[gh + ${D((3 + g) * F, `${3 + g} * F`)}] = gi${g};`);
  });
  e(`  let r = ${sig}(gi0 + ${G}[gh]);`);
  e(`  let z = ${sig}(gi1 + ${G}[gh + ${D(F, 'F')}]);`);
  e(`  let nv = ${tanh}(gi2 + r * ${G}[gh + ${D(2 * F, '2 * F')}]);`);
  e(`  ${Y}[at] = (1.0 - z) * nv + z * ${Y}[at];`);
  e('}');
  const threads = { perExample: KT * Math.ceil(P / TP), fixed: KT * WG };
  return {
    name: a.name, wgsl: kb.module(workgroupMain(WG, S)), dims: kb.dims(), entry: 'main', bindings: kb.specBindings(), threads, workgroupSize: WG,
    steps: L - 1, nodes: a.nodes, ...(a.node.source ? { source: a.node.source } : {}),
    subgroup: subgroupVariant(kb, workgroupMain(WG, SG, true), threads),
  };
}

/** A sweep's kernels: a copy of its input unless it updates it in place, the hidden-state GEMM, the scan. */
export function sweepKernels(st: LowerState, n: IrNode): void {
  const y = st.locs[n.id]!;
  const nodes = [n.id];
  if (!st.inPlace.has(n.id)) {
    // The input is read elsewhere or stored otherwise: copy it into this sweep's buffer first.
    const x = st.graph.nodes[n.inputs[0]];
    st.kernels.push(elementKernel(st, {
      name: kernelName(st, n, [], 'copy:'), node: n, out: y, nodes: [], source: n.source,
      value: (gen, b, j) => gen.value(x.id, b, j),
    }));
  }
  const args = { node: n, y, gates: st.sweepGates.get(n.id) ?? st.sweepScratch!, nodes };
  st.kernels.push(hiddenGemm(st, { ...args, name: kernelName(st, n, [], 'gemm_hh:') }));
  st.kernels.push(scanKernel(st, { ...args, name: kernelName(st, n, [], 'scan:') }));
}
