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
import { opaque } from '../../../runtime/webgpu/uniforms.js';
import type { Loc, LowerState } from '../state.js';
import { KernelBuilder, U } from '../wgsl.js';

export interface SweepTile {
  /** Scan: features (× 3 gates) and positions per invocation, workgroup size. */
  features: number;
  cols: number;
  wg: number;
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

/** The shape of a line tile: TK features × TP consecutive positions of a line per invocation, WG lanes. */
export interface LineTile {
  F: number;
  TK: number;
  TP: number;
  WG: number;
}

type Emit = (line: string) => void;
type Dim = (n: number, key: string) => string;

/**
 * `col`, `b`, `i0` and `kt` of a line tile's invocation: lanes take columns (example b, position
 * block i0 … i0 + TP − 1), the feature tile kt comes from the workgroup id, with `per` more
 * workgroups per feature tile (e.g. one per line, as `name`).
 */
export function lineLanes(e: Emit, D: Dim, t: LineTile, P: number, per?: { n: number; key: string; name: string }): void {
  const blocks = D(Math.ceil(P / t.TP), 'position blocks');
  e('let wid = wg.x + wg.y * u.wgx;');
  e(`let ncols = u.batch * ${blocks};`);
  e(`let ncg = (ncols + ${t.WG - 1}u) / ${t.WG}u;`);
  e(`let kt = wid / (${per ? `ncg * ${D(per.n, per.key)}` : 'ncg'});`);
  e(`if (kt >= ${D(Math.ceil(t.F / t.TK), 'feature tiles')}) { return; }`);
  if (per) e(`let ${per.name} = wid / ncg % ${D(per.n, per.key)};`);
  e(`let col = (wid % ncg) * ${t.WG}u + lid.x;`);
  e('let cc = min(col, ncols - 1u);');
  e(`let b = cc / ${blocks};`);
  e(`let i0 = cc % ${blocks} * ${t.TP}u;`);
}

/**
 * A window of TP + 2 positions around the lane's block, i0 − 1 … i0 + TP (slot q: i0 − 1 + q):
 * `ok${q}` whether it lies inside the line, `${name}${q}` its address (clamped), from a line base
 * and the stride between positions.
 */
export function lineWindow(e: Emit, D: Dim, t: LineTile, P: number, name: string, base: string, stride: string): number[] {
  const Qs = [...Array(t.TP + 2).keys()], Pd = D(P, 'P');
  for (const q of Qs) {
    e(`let pos${q} = i32(i0) + ${q - 1};`);
    e(`let ok${q} = pos${q} >= 0 && pos${q} < i32(${Pd});`);
    e(`let ${name}${q} = ${base} + u32(clamp(pos${q}, 0, i32(${Pd}) - 1)) * ${stride};`);
  }
  return Qs;
}

/**
 * `body` once per output of the tile (position i, feature kk), features fastest (the line layout
 * and the gates keep them innermost), in a loop so its code exists once; `at` is the output's
 * index in the register tile (feature-major: k·TP + p).
 */
export function eachLineOutput(e: Emit, D: Dim, t: LineTile, P: number, body: string[]): void {
  e(`for (var o = 0u; o < ${opaque(t.TK * t.TP)}; o++) {`);
  e(`  let i = i0 + o / ${t.TK}u;`);
  e(`  let kk = kt * ${t.TK}u + o % ${t.TK}u;`);
  e(`  if (col >= ncols || i >= ${D(P, 'P')} || kk >= ${D(t.F, 'F')}) { continue; }`);
  e(`  let at = o % ${t.TK}u * ${t.TP}u + o / ${t.TK}u;`);
  for (const l of body) e(`  ${l}`);
  e('}');
}

/**
 * A register tile of TK features × 3 gates × TP consecutive positions of one line per
 * invocation: lanes take columns (example b, position block i0 … i0 + TP − 1), the feature tile
 * kt comes from the workgroup id, so weight rows are uniform. Two variants, line by line the
 * same but for the weight loads: plain (workgroup-uniform addresses) and with each lane loading
 * one of the tile's 3·TK weight rows, shared by subgroup broadcasts (KernelSpec.subgroup).
 */
class GateTile implements LineTile {
  readonly S: string[] = [];
  readonly SG: string[] = [];
  readonly Ks: number[];
  readonly Gs = [0, 1, 2];
  /** Accumulators over the positions as vectors (columnVectors). */
  readonly cv: ReturnType<typeof columnVectors>;
  private readonly rowLoads: number[];

  constructor(readonly kb: KernelBuilder, readonly F: number, readonly TK: number, readonly TP: number, readonly WG: number) {
    this.Ks = [...Array(TK).keys()];
    this.cv = columnVectors(TP);
    this.rowLoads = [...Array(Math.ceil((3 * TK) / WG)).keys()];
  }

  plain(line: string) { this.S.push(`  ${line}`); }
  shared(line: string) { this.SG.push(`  ${line}`); }

  readonly e = (line: string) => { this.S.push(`  ${line}`); this.SG.push(`  ${line}`); };
  readonly D = (n: number, key: string) => this.kb.dim(n, key);

  /** Row addresses `${name}…` of the tile's rows (gate g, feature kt·TK + k) in a matrix of `cols` columns. */
  weightRows(name: string, cols: number, key: string) {
    const { F, TK, WG } = this;
    const Fd = this.D(F, 'F'), C = this.D(cols, key);
    for (const g of this.Gs) for (const k of this.Ks) this.plain(`let ${name}${g}_${k} = (${U.mul(Fd, g)} + min(kt * ${TK}u + ${k}u, ${Fd} - 1u)) * ${C};`);
    for (const l of this.rowLoads) {
      const j = `min(${l === 0 ? 'sid' : `sid + ${l * WG}u`}, ${3 * TK - 1}u)`;
      this.shared(`let ${name}l${l} = (${j} / ${TK}u * ${Fd} + min(kt * ${TK}u + ${j} % ${TK}u, ${Fd} - 1u)) * ${C};`);
    }
  }

  declare(acc: string) {
    for (const g of this.Gs) for (const k of this.Ks) for (const c of this.cv.groups) this.e(`var ${acc}${g}_${k}_${c} = ${this.cv.type}();`);
  }

  /** acc(g, k) += W[row(g, k) + at] · xv(c), inside a loop (one product per update: llvmpipe masks each loop-carried update, and wider sums per update measured slower). */
  accumulate(acc: string, W: string, rows: string, at: string, xv: (c: number) => string, tag: string) {
    for (const l of this.rowLoads) this.shared(`  let wr${tag}_${l} = ${W}[${rows}l${l} + ${at}];`);
    for (const g of this.Gs) {
      for (const k of this.Ks) {
        this.plain(`  let wv${tag}_${g}_${k} = ${W}[${rows}${g}_${k} + ${at}];`);
        this.shared(`  let wv${tag}_${g}_${k} = ${broadcastRow(`wr${tag}_`, g * this.TK + k, this.WG)};`);
        for (const c of this.cv.groups) this.e(`  ${acc}${g}_${k}_${c} += wv${tag}_${g}_${k} * ${xv(c)};`);
      }
    }
  }

  /**
   * The tile's accumulators into a private array, then `body` once per output (position i,
   * feature kk) in a loop, reading gate g's sum as `sum(g)`: the code exists once, not per output.
   */
  eachOutput(acc: string, P: number, body: (sum: (g: number) => string) => string[]) {
    const { cv, TK, TP } = this, n = TK * TP;
    this.e(`var accs: array<${cv.type}, ${(3 * n) / cv.width}>;`);
    for (const g of this.Gs) for (const k of this.Ks) for (const c of cv.groups) this.e(`accs[${(g * TK + k) * cv.groups.length + c}] = ${acc}${g}_${k}_${c};`);
    eachLineOutput(this.e, this.D, this, P, body((g) => cv.element('accs', U.add('at', g * n))));
  }

  kernel(base: Omit<KernelSpec, 'wgsl' | 'dims' | 'entry' | 'bindings' | 'threads' | 'workgroupSize' | 'subgroup'>, threads: KernelSpec['threads']): KernelSpec {
    return {
      ...base, wgsl: this.kb.module(workgroupMain(this.WG, this.S)), dims: this.kb.dims(), entry: 'main', bindings: this.kb.specBindings(),
      threads, workgroupSize: this.WG, subgroup: subgroupVariant(this.kb, workgroupMain(this.WG, this.SG, true), threads),
    };
  }
}

/** Address of gate row 0 of (example b, line d, position i) in the gates buffer. */
const gateRow = (t: GateTile, L: number, P: number) =>
  `b * ${t.D(6 * t.F * L * P, '6 * F * L * P')} + (d * ${t.D(P, 'P')} + i) * ${t.D(6 * t.F, '6 * F')} + kk`;

/** gates[b, d, i, 0..3F) = W_hh·h + b_hh for every line d and position i (h: the line before its update). */
export function hiddenKernel(st: LowerState, a: SweepArgs, tile: SweepTile = st.opts.sweepTile ?? SWEEP_TILE): KernelSpec {
  const { F, L, P } = dims(a.node);
  const t = new GateTile(new KernelBuilder(), F, Math.min(tile.features, F), tile.cols, tile.wg);
  const [whh, bhh] = [a.node.inputs[2], a.node.inputs[4]].map((i) => st.locs[i]!.buffer);
  const Y = t.kb.buf(a.y.buffer), Wh = t.kb.buf(whh), Bh = t.kb.buf(bhh), G = t.kb.buf(a.gates, 'read_write');
  const Fd = t.D(F, 'F'), Ps = [...Array(t.TP).keys()];
  lineLanes(t.e, t.D, t, P, { n: L, key: 'L', name: 'd' });
  const hb = `${U.add(t.D(a.y.offset, 'a.y.offset'), U.mul('b', t.D(a.y.batchStride, 'a.y.batchStride')))} + d * ${t.D(P * F, 'P * F')}`;
  for (const p of Ps) t.e(`let h${p} = ${hb} + min(i0 + ${p}u, ${t.D(P, 'P')} - 1u) * ${Fd};`);
  t.weightRows('w', F, 'F');
  t.declare('acc');
  t.e(`for (var f = 0u; f < ${Fd}; f++) {`);
  for (const p of Ps) t.e(`  let x${p} = ${Y}[h${p} + f];`);
  for (const c of t.cv.groups) t.e(`  let xv${c} = ${t.cv.of(c, (p) => `x${p}`)};`);
  t.accumulate('acc', Wh, 'w', 'f', (c) => `xv${c}`, '');
  t.e('}');
  t.eachOutput('acc', P, (sum) => [
    `let gh = ${gateRow(t, L, P)};`,
    ...t.Gs.map((g) => `${G}[gh${g === 0 ? '' : ` + ${t.D(g * F, g === 1 ? 'F' : '2 * F')}`}] = ${sum(g)} + ${Bh}[${g === 0 ? 'kk' : `${t.D(g * F, g === 1 ? 'F' : '2 * F')} + kk`}];`),
  ]);
  const KT = Math.ceil(F / t.TK);
  return t.kernel({ name: a.name, nodes: a.nodes, ...(a.node.source ? { source: a.node.source } : {}) },
    { perExample: KT * L * Math.ceil(P / t.TP), fixed: KT * L * t.WG });
}

export function scanKernel(st: LowerState, a: SweepArgs, tile: SweepTile = st.opts.sweepTile ?? SWEEP_TILE): KernelSpec {
  const { F, L, P, reverse } = dims(a.node);
  const t = new GateTile(new KernelBuilder(), F, Math.min(tile.features, F), tile.cols, tile.wg);
  const [wih, bih] = [a.node.inputs[1], a.node.inputs[3]].map((i) => st.locs[i]!.buffer);
  const Y = t.kb.buf(a.y.buffer, 'read_write'), Wi = t.kb.buf(wih), Bi = t.kb.buf(bih), G = t.kb.buf(a.gates, 'read_write');
  const Fd = t.D(F, 'F');
  lineLanes(t.e, t.D, t, P);
  // The direction is a uniform too: one kernel serves a sweep and its reverse.
  const rev = `${t.D(reverse ? 1 : 0, 'reverse')} != 0u`;
  t.e(`let d = select(u.step + 1u, ${t.D(L, 'L')} - 2u - u.step, ${rev});`);
  t.e(`let dp = select(d - 1u, d + 1u, ${rev});`);
  // The previous line's features at positions i0 − 1 … i0 + TP (window slot q: i0 − 1 + q),
  // zero outside the map: output p's neighbour s (i − 1 + s) is slot p + s, so the three
  // neighbours share TP + 2 loads per feature.
  const line = (l: string) => `${U.add(t.D(a.y.offset, 'a.y.offset'), U.mul('b', t.D(a.y.batchStride, 'a.y.batchStride')))} + ${l} * ${t.D(P * F, 'P * F')}`;
  t.e(`let nb = ${line('dp')};`);
  const Qs = lineWindow(t.e, t.D, t, P, 'n', 'nb', Fd);
  t.weightRows('w', 3 * F, '3 * F');
  t.declare('acc');
  t.e(`for (var f = 0u; f < ${Fd}; f++) {`);
  for (const q of Qs) t.e(`  let x${q} = select(0.0, ${Y}[n${q} + f], ok${q});`);
  for (const seg of [0, 1, 2]) {
    for (const c of t.cv.groups) t.e(`  let xv${seg}_${c} = ${t.cv.of(c, (p) => `x${p + seg}`)};`);
    t.accumulate('acc', Wi, 'w', `${U.mul(Fd, seg)} + f`, (c) => `xv${seg}_${c}`, `${seg}`);
  }
  t.e('}');
  // The GRU update, keeping gi beside gh for the backward.
  const sig = t.kb.helper('sigmoid'), tanh = t.kb.helper('tanh');
  const off = (g: number) => t.D(g * F, g === 1 ? 'F' : `${g} * F`);
  t.eachOutput('acc', P, (sum) => [
    `let ya = ${line('d')} + i * ${Fd} + kk;`,
    `let gh = ${gateRow(t, L, P)};`,
    ...t.Gs.flatMap((g) => [`let gi${g} = ${sum(g)} + ${Bi}[${g === 0 ? 'kk' : `${off(g)} + kk`}];`, `${G}[gh + ${off(3 + g)}] = gi${g};`]),
    `let r = ${sig}(gi0 + ${G}[gh]);`,
    `let z = ${sig}(gi1 + ${G}[gh + ${off(1)}]);`,
    `let nv = ${tanh}(gi2 + r * ${G}[gh + ${off(2)}]);`,
    `${Y}[ya] = (1.0 - z) * nv + z * ${Y}[ya];`,
  ]);
  const KT = Math.ceil(F / t.TK);
  return t.kernel({ name: a.name, steps: L - 1, nodes: a.nodes, ...(a.node.source ? { source: a.node.source } : {}) },
    { perExample: KT * Math.ceil(P / t.TP), fixed: KT * t.WG });
}

/** A sweep's kernels: a copy of its input unless it updates it in place, the hidden-state gates, the scan. */
export function sweepKernels(st: LowerState, n: IrNode): void {
  const y = st.locs[n.id]!;
  const nodes = [n.id];
  if (!st.inPlace.has(n.id)) {
    // The input is read elsewhere or stored otherwise: copy it into this sweep's buffer first.
    const x = st.graph.nodes[n.inputs[0]];
    st.kernels.push(elementKernel(st, {
      name: kernelName(st, n, [], 'copy:'), node: n, out: y, nodes: [], source: n.source,
      value: (gen, b, j) => gen.strided(x.id, b, j),
    }));
  }
  const args = { node: n, y, gates: st.sweepGates.get(n.id) ?? st.sweepScratch!, nodes };
  st.kernels.push(hiddenKernel(st, { ...args, name: kernelName(st, n, [], 'hidden:') }));
  st.kernels.push(scanKernel(st, { ...args, name: kernelName(st, n, [], 'scan:') }));
}
