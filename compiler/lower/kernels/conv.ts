// conv2d, conv_transpose2d and linear as an implicit GEMM: rows are output channels, columns
// are (example, output position) pairs, K runs over (input channel, kernel tap). Each invocation
// accumulates TR rows × TP columns in registers (per chunk, see fuse-epilogue) and reads input
// and weights straight from storage (no workgroup memory: on llvmpipe it only adds copies). The
// row tile comes from the workgroup id, so weight addresses are uniform across a workgroup; lanes
// take consecutive columns. The epilogue adds the bias and evaluates the fused expression.
// Autodiff's input gradients add bias-less ops (they read zeros as their bias, so they share the
// pipeline of a biased conv), masked transposed convs and `linear` with attr `transpose`
// (y = Wᵀx: output row r reads column r of W).
import type { IrNode } from '../../../runtime/ir.js';
import type { KernelSpec } from '../../../runtime/program.js';
import { ExprGen } from '../expr.js';
import { chw, denseKind, type Loc, type LowerState } from '../state.js';
import { Body, KernelBuilder, U } from '../wgsl.js';
import { activate, isActivation } from '../../ops/elementwise.js';
import { opaque } from '../../../runtime/webgpu/uniforms.js';
import { columnVectors, subgroupVariant, workgroupMain } from './common.js';

export interface ConvTile {
  rows: number;
  cols: number;
  wg: number;
}

/**
 * Register tiles: up to 16 accumulator rows (over all chunks) × 8 columns, fewer for few output
 * channels or small maps (steps of powers of two, so that few shapes get a kernel of their own).
 * The fused epilogue runs in a loop over the tile, so the unrolled code is the tile's
 * multiply-adds alone; docs/performance.md has the compile and run times of each size.
 */
export function convTileFor(rows: number, chunks: number, positions: number): ConvTile {
  const perChunk = Math.max(1, Math.floor(16 / chunks));
  const cols = positions >= 64 ? 8 : positions >= 16 ? 4 : 2;
  return { rows: Math.min(perChunk, rows <= 4 ? 4 : rows <= 8 ? 8 : 16), cols, wg: 8 };
}

export interface ConvKernel {
  name: string;
  conv: IrNode;
  /** The value written: the conv itself or the epilogue root. */
  root: IrNode;
  out: Loc;
  /** Channel offsets of the conv output the epilogue reads; rows per chunk = root channels. */
  chunks: number[];
  /** Nodes whose value is the accumulator of a chunk (by offset). */
  chunkNodes: Map<number, number>;
  epilogue?: (gen: ExprGen, b: string, j: string) => string;
  nodes: number[];
  tile?: ConvTile;
}

export function convKernel(st: LowerState, k: ConvKernel): KernelSpec {
  const t = k.tile ?? st.opts.convTile ??
    convTileFor(chw(k.root.shape)[0], k.chunks.length, chw(k.conv.shape)[1] * chw(k.conv.shape)[2]);
  const { conv } = k;
  const [xn, wn, bn] = conv.inputs.map((i) => st.graph.nodes[i]);
  const xl = st.locs[xn.id]!, wl = st.locs[wn.id]!, bl = bn && st.locs[bn.id]!;
  const [C, H, W] = chw(xn.shape);
  const [O, Ho, Wo] = chw(conv.shape);
  const Cr = chw(k.root.shape)[0];
  const kind = denseKind(conv.op);
  const lin = kind === 'linear', tr = kind === 'transposed';
  const [kh, kw] = lin ? [1, 1] : [wn.shape[2], wn.shape[3]];
  const T = kh * kw;
  const s = lin ? 1 : (conv.attrs.stride as number), pad = lin ? 0 : (conv.attrs.padding as number);
  const [oStride, cStride] = lin ? (conv.attrs.transpose ? [1, O] : [C, 1]) : tr ? [T, O * T] : [C * T, T];
  const xs = xl.strides ?? { c: H * W, y: W, x: 1 };
  const mask = conv.attrs.mask as 'A' | 'B' | undefined;
  const RT = Math.ceil(Cr / t.rows), perGroup = t.wg * t.cols;
  const kb = new KernelBuilder();
  const D = (n: number, key: string) => kb.dim(n, key), I = (n: number, key: string) => kb.idim(n, key);
  const X = kb.buf(xl.buffer), Wt = kb.buf(wl.buffer), B = kb.buf(bl ? bl.buffer : st.zeros!);
  const out = kb.buf(k.out.buffer, 'read_write');
  // Two variants, line by line the same but for the weight loads: plain, and with each lane
  // loading one row and the rows shared by subgroup broadcasts (KernelSpec.subgroup). A conv of
  // at most 3 taps per stride phase whose output rows hold whole column tiles has a third,
  // windowed (V): below.
  const L: string[] = [], G: string[] = [], V: string[] = [];
  const both = { push: (...lines: string[]) => (L.push(...lines), G.push(...lines)) };
  const all = { push: (...lines: string[]) => (L.push(...lines), G.push(...lines), V.push(...lines)) };
  const e = (line: string) => both.push(`  ${line}`), ea = (line: string) => all.push(`  ${line}`);
  const R = [...Array(t.rows).keys()], P = [...Array(t.cols).keys()], K = k.chunks.map((_, i) => i);
  // An accumulator holds GW consecutive columns of a row (columnVectors).
  const cv = columnVectors(t.cols), GW = cv.width, Gs = cv.groups, vt = cv.type, columns = cv.of;
  // A strided transposed conv runs as s² phases (oy mod s, ox mod s), one per workgroup, each a
  // plain conv over the taps that reach it: no lanes spend work on taps that miss their pixel.
  const phased = tr && s > 1;
  // A stride-1 transposed conv is the conv of its kernel flipped (weight tap T − 1 − t), padded
  // k − 1 − p: it runs the conv's code, and the two share pipelines.
  const flip = tr && !phased, flipped = () => `${D(flip ? 1 : 0, 'flip')} != 0u`;
  // Uniforms on first use, so that the phased kernel, which pads by `pad`, has none of them.
  const padY = () => kb.sdim(flip ? kh - 1 - pad : pad, 'padY'), padX = () => kb.sdim(flip ? kw - 1 - pad : pad, 'padX');
  const weightTap = (t: string) => `select(${t}, ${D(T, 'T')} - 1u - (${t}), ${flipped()})`;
  // A masked conv's taps from the centre on (type A) or after it (type B) add nothing: those whose
  // weight tap is maskTap or later (T for an unmasked conv).
  const maskTap = D(mask ? Math.floor(kh / 2) * kw + Math.floor(kw / 2) + (mask === 'B' ? 1 : 0) : T, 'maskTap');
  const Hq = phased ? Math.ceil(Ho / s) : Ho, Wq = phased ? Math.ceil(Wo / s) : Wo, per = Hq * Wq, S2 = phased ? s * s : 1;
  ea('let wid = wg.x + wg.y * u.wgx;');
  ea(`let ncols = ${conv.batched ? `u.batch * ${D(per, 'per')}` : D(per, 'per')};`);
  ea(`let ncg = (ncols + ${perGroup - 1}u) / ${perGroup}u;`);
  ea(`let rt = wid / (ncg * ${S2}u);`);
  ea(`if (rt >= ${D(RT, 'RT')}) { return; }`);
  e(`let ph = (wid / ncg) % ${S2}u;`);
  e(`let colbase = (wid % ncg) * ${perGroup}u + lid.x;`);
  if (phased) {
    e(`let py = i32(ph / ${D(s, 's')});`);
    e(`let px = i32(ph % ${D(s, 's')});`);
  }
  // Column p of the tile: example b, output pixel (oy, ox), and for the epilogue (`stored`) its
  // index p, live unless past the end.
  const column = (p: string, col: string, ind: string, stored = false) => [
    `let col${p} = ${col};`,
    `let cc${p} = min(col${p}, ncols - 1u);`,
    `let b${p} = cc${p} / ${D(per, 'per')};`,
    `let q${p} = cc${p} % ${D(per, 'per')};`,
    `let qy${p} = i32(q${p} / ${D(Wq, 'Wq')});`,
    `let qx${p} = i32(q${p} % ${D(Wq, 'Wq')});`,
    `let oy${p} = ${phased ? `py + ${I(s, 's')} * qy${p}` : `qy${p}`};`,
    `let ox${p} = ${phased ? `px + ${I(s, 's')} * qx${p}` : `qx${p}`};`,
    ...(stored ? [
      `let live${p} = col${p} < ncols${phased ? ` && oy${p} < ${I(Ho, 'Ho')} && ox${p} < ${I(Wo, 'Wo')}` : ''};`,
      `let p${p} = u32(min(oy${p}, ${I(Ho, 'Ho')} - 1)) * ${D(Wo, 'Wo')} + u32(min(ox${p}, ${I(Wo, 'Wo')} - 1));`,
    ] : []),
  ].map((l) => `${ind}${l}`);
  for (const p of P) {
    both.push(...column(`${p}`, `colbase + ${p * t.wg}u`, '  '));
    e(`let xb${p} = ${U.add(D(xl.offset, 'xl.offset'), U.mul(`b${p}`, D(xl.batchStride, 'xl.batchStride')))};`);
  }
  const rowStart = (c: number, r: number | string) => U.mul(U.add(`min(rt * ${t.rows}u + ${r}, ${D(Cr, 'Cr')} - 1u)`, D(k.chunks[c], 'k.chunks[c]')), D(oStride, 'oStride'));
  const lanes = Math.ceil(t.rows / t.wg), L8 = [...Array(lanes).keys()];
  for (const c of K) for (const r of R) L.push(`  let w${c}_${r} = ${rowStart(c, `${r}u`)};`);
  for (const c of K) for (const j of L8) G.push(`  let wl${c}_${j} = ${rowStart(c, j === 0 ? 'sid' : `${j * t.wg}u + sid`)};`);
  for (const c of K) for (const r of R) for (const g of Gs) e(`var acc${c}_${r}_${g} = ${vt}();`);
  // Taps in a loop (unrolling them multiplied compile time ~9× for no measured gain), the
  // input channels in an inner loop: one product per accumulator update, tap addresses hoisted.
  // Every conv's input read is bounds-checked, also where no tap leaves the map (a 1×1 conv): the
  // test is per tap, outside the channel loop, and costs a select per load, where a conv without
  // it would be a pipeline of its own.
  // The windowed variant (convs and stride-1 transposed convs): lane l owns columns
  // l·cols … l·cols + cols − 1, one output row's consecutive pixels (the row width is a multiple
  // of cols). A kernel row's taps kx = r + s·m split into s phases r; in phase r, output pixel p
  // and tap m read input column (ox + p + m)·s + r − pad, so a phase's taps read one window of
  // cols + TAPS − 1 loads per input channel, where the other kernels load cols per tap. The kernel
  // width and stride are uniforms (a phase's missing taps get zero weights), so a 3×3 conv and a
  // 4×4 stride-2 conv with the same epilogue share a pipeline.
  const TAPS = 3;
  const windowed = !lin && !phased && kw >= 2 && Math.ceil(kw / s) <= TAPS && Wo % t.cols === 0;
  const windowLoop = () => {
    const Q = [...Array(t.cols + TAPS - 1).keys()], M = [...Array(TAPS).keys()];
    const v: string[] = [];
    const w = (line: string) => v.push(`  ${line}`);
    w(`let cb = (wid % ncg) * ${perGroup}u + lid.x * ${t.cols}u;`);
    v.push(...column('0', 'cb', '  '));
    w(`let xb = ${U.add(D(xl.offset, 'xl.offset'), U.mul('b0', D(xl.batchStride, 'xl.batchStride')))};`);
    for (const c of K) for (const j of L8) w(`let wl${c}_${j} = ${rowStart(c, j === 0 ? 'sid' : `${j * t.wg}u + sid`)};`);
    for (const c of K) for (const r of R) for (const g of Gs) w(`var acc${c}_${r}_${g} = ${vt}();`);
    const [si, kwi] = [I(s, 's'), I(kw, 'kw')];
    // One loop over (kernel row, phase): a nested phase loop ran the 3×3 conv 1.4× slower.
    w(`for (var kr = 0; kr < ${I(kh, 'kh')} * ${si}; kr++) {`);
    w(`  let ky = kr / ${si};`);
    w(`  let r = kr % ${si};`);
    // The row's first weight tap: a flipped kernel's row ky is row kh − 1 − ky.
    w(`  if (u32(select(ky, ${I(kh, 'kh')} - 1 - ky, ${flipped()})) * ${D(kw, 'kw')} >= ${maskTap}) { continue; }`);
    w(`  let iy = oy0 * ${si} + ky - ${padY()};`);
    w(`  let ay = xb + u32(clamp(iy, 0, ${I(H, 'H')} - 1)) * ${D(xs.y, 'xs.y')};`);
    for (const q of Q) {
      w(`  let ix${q} = (ox0 + ${q}) * ${si} + r - ${padX()};`);
      w(`  let ok${q} = iy >= 0 && iy < ${I(H, 'H')} && ix${q} >= 0 && ix${q} < ${I(W, 'W')};`);
      w(`  let a${q} = ay + u32(clamp(ix${q}, 0, ${I(W, 'W')} - 1)) * ${D(xs.x, 'xs.x')};`);
    }
    for (const m of M) {
      w(`  let kx${m} = r + ${si} * ${m};`);
      // A missing tap (kx ≥ kw, only where s > 1) is tap T, past every mask: its weight is zero.
      // Its load, unused, reads tap 0 of the next channel, and one past the buffer's end at the
      // last (WGSL defines that read: a value of the buffer or zero). Any other test of a missing
      // tap, or a clamped address, ran the 3×3 conv 0.7–0.9× as fast.
      w(`  let wt${m} = select(${weightTap(`u32(ky * ${kwi} + kx${m})`)}, ${D(T, 'T')}, kx${m} >= ${kwi});`);
    }
    w(`  for (var c = 0u; c < ${D(C, 'C')}; c++) {`);
    for (const q of Q) w(`    let x${q} = select(0.0, ${X}[a${q} + c * ${D(xs.c, 'xs.c')}], ok${q});`);
    for (const m of M) {
      for (const g of Gs) w(`    let xw${m}_${g} = ${columns(g, (p) => `x${p + m}`)};`);
      for (const c of K) {
        for (const j of L8) w(`    let wl${c}_${j}v${m} = select(${Wt}[wl${c}_${j} + c * ${D(cStride, 'cStride')} + wt${m}], 0.0, wt${m} >= ${maskTap});`);
        for (const r of R) {
          w(`    let wv${c}_${r}_${m} = subgroupBroadcast(wl${c}_${Math.floor(r / t.wg)}v${m}, ${r % t.wg}u);`);
          for (const g of Gs) w(`    acc${c}_${r}_${g} += wv${c}_${r}_${m} * xw${m}_${g};`);
        }
      }
    }
    w('  }');
    w('}');
    return v;
  };
  // The geometry is uniforms: one kernel serves every kernel size, stride and padding.
  const [si, padi, khi, kwi] = [I(s, 's'), I(pad, 'pad'), I(kh, 'kh'), I(kw, 'kw')];
  if (phased) {
    // Taps of phase (py, px): ky ≡ py + pad (mod s), reading input row qy + (py + pad − ky0)/s − m.
    e(`let ky0 = (py + ${padi}) % ${si};`);
    e(`let kx0 = (px + ${padi}) % ${si};`);
    e(`for (var my = 0; ky0 + ${si} * my < ${khi}; my++) {`);
    e(`for (var mx = 0; kx0 + ${si} * mx < ${kwi}; mx++) {`);
    e(`  let wtap = u32((ky0 + ${si} * my) * ${kwi} + kx0 + ${si} * mx);`);
    e(`  let ky = ky0 + ${si} * my;`);
    e(`  let kx = kx0 + ${si} * mx;`);
  } else {
    e(`for (var tap = 0u; tap < ${D(T, 'T')}; tap++) {`);
    e(`  let ky = i32(tap / ${D(kw, 'kw')});`);
    e(`  let kx = i32(tap % ${D(kw, 'kw')});`);
    e(`  let wtap = ${weightTap('tap')};`);
  }
  e(`  if (wtap >= ${maskTap}) { continue; }`);
  const inside = (p: number) => `iy${p} >= 0 && iy${p} < ${I(H, 'H')} && ix${p} >= 0 && ix${p} < ${I(W, 'W')}`;
  for (const p of P) {
    if (lin) {
      e(`  let a${p} = xb${p};`);
      continue;
    }
    if (phased) {
      e(`  let iy${p} = qy${p} + (py + ${padi} - ky0) / ${si} - my;`);
      e(`  let ix${p} = qx${p} + (px + ${padi} - kx0) / ${si} - mx;`);
    } else {
      e(`  let iy${p} = oy${p} * ${si} + ky - ${padY()};`);
      e(`  let ix${p} = ox${p} * ${si} + kx - ${padX()};`);
    }
    e(`  let ok${p} = ${inside(p)};`);
    e(`  let a${p} = xb${p} + u32(clamp(iy${p}, 0, ${I(H, 'H')} - 1)) * ${D(xs.y, 'xs.y')} + u32(clamp(ix${p}, 0, ${I(W, 'W')} - 1)) * ${D(xs.x, 'xs.x')};`);
  }
  e(`  for (var c = 0u; c < ${D(C, 'C')}; c++) {`);
  for (const p of P) {
    const load = `${X}[a${p} + c * ${D(xs.c, 'xs.c')}]`;
    e(`    let x${p} = ${lin ? load : `select(0.0, ${load}, ok${p})`};`);
  }
  for (const g of Gs) e(`    let xv${g} = ${columns(g, (p) => `x${p}`)};`);
  for (const c of K) {
    for (const r of R) {
      L.push(`      let wv${c}_${r} = ${Wt}[w${c}_${r} + c * ${D(cStride, 'cStride')} + wtap];`);
      if (r % t.wg === 0) G.push(`      let wl${c}_${r / t.wg}v = ${Wt}[wl${c}_${r / t.wg} + c * ${D(cStride, 'cStride')} + wtap];`);
      G.push(`      let wv${c}_${r} = subgroupBroadcast(wl${c}_${Math.floor(r / t.wg)}v, ${r % t.wg}u);`);
      for (const g of Gs) e(`    acc${c}_${r}_${g} += wv${c}_${r} * xv${g};`);
    }
  }
  e('  }');
  e('}');
  if (phased) e('}');
  if (windowed) V.push(...windowLoop());
  // Epilogue, in a loop over the tile's outputs so its code exists once: bias, the fused
  // expression, the store (skipped past the last row or column). The accumulators go through a
  // private array, read back at a dynamic index.
  const n = t.rows * t.cols;
  ea(`var accs: array<${vt}, ${(K.length * n) / GW}>;`);
  for (const c of K) for (const r of R) for (const g of Gs) ea(`accs[${(c * R.length + r) * Gs.length + g}] = acc${c}_${r}_${g};`);
  ea(`for (var i = 0u; i < ${opaque(n)}; i++) {`);
  ea(`  let r = i / ${t.cols}u;`);
  ea(`  let pc = i % ${t.cols}u;`);
  both.push(...column('E', `colbase + pc * ${t.wg}u`, '    ', true));
  // A lane's columns are consecutive pixels of one output row: column pc is column 0 moved pc
  // along x, with no division (a division by a uniform costs as much as ~9 multiply-adds a lane).
  V.push(...[
    'let colE = cb + pc;', 'let bE = b0;', 'let oyE = oy0;', 'let oxE = ox0 + i32(pc);', 'let liveE = colE < ncols;',
    `let pE = u32(min(oyE, ${I(Ho, 'Ho')} - 1)) * ${D(Wo, 'Wo')} + u32(min(oxE, ${I(Wo, 'Wo')} - 1));`,
  ].map((l) => `    ${l}`));
  const body = new Body('e', '    ');
  const row = body.let(`rt * ${t.rows}u + r`);
  const overrides = new Map<number, string>();
  K.forEach((c) => {
    const acc = cv.element('accs', U.add('i', c * n));
    const a = body.let(`${acc} + ${B}[${U.add(row, D(k.chunks[c], 'k.chunks[c]'))}]`);
    for (const [node, off] of k.chunkNodes) if (off === k.chunks[c]) overrides.set(node, a);
  });
  const gen = new ExprGen(st, kb, body, overrides);
  const j = body.let(U.add(U.mul(row, D(Ho * Wo, 'Ho * Wo')), 'pE'));
  gen.coords = { j, h: Ho, w: Wo, c: row, y: `u32(min(oyE, ${I(Ho, 'Ho')} - 1))`, x: `u32(min(oxE, ${I(Wo, 'Wo')} - 1))` };
  const value = k.epilogue ? k.epilogue(gen, 'bE', j) : overrides.get(conv.id)!;
  // The value stored goes through the activation function, the identity unless the root is an
  // activation: a conv shares its pipeline with the same conv followed by one.
  const v = isActivation(k.root.op) ? value : body.let(activate(kb, value, 'stored'));
  body.stmt(`${out}[${gen.address(k.out, k.root, 'bE', j, true)}] = ${v};`);
  ea(`  if (liveE && rt * ${t.rows}u + r < ${D(Cr, 'Cr')}) {`);
  all.push(body.text());
  ea('  }');
  ea('}');
  // Threads: RT row tiles × ⌈columns / (wg·cols)⌉ workgroups; the bound below covers the ceiling.
  const colsPer = S2 * Math.ceil(per / t.cols);
  const threads = conv.batched ? { perExample: RT * colsPer, fixed: RT * S2 * t.wg } : { perExample: 0, fixed: RT * (colsPer + S2 * t.wg) };
  return {
    name: k.name, wgsl: kb.module(workgroupMain(t.wg, L)), dims: kb.dims(), entry: 'main', bindings: kb.specBindings(), threads,
    workgroupSize: t.wg, nodes: k.nodes, ...(k.root.source ? { source: k.root.source } : {}),
    subgroup: subgroupVariant(kb, workgroupMain(t.wg, windowed ? V : G, true), threads),
  };
}
