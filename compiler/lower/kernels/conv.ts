// conv2d, conv_transpose2d and linear as an implicit GEMM: rows are output channels, columns
// are (example, output position) pairs, K runs over (input channel, kernel tap). Each invocation
// accumulates TR rows × TP columns in registers (per chunk, see fuse-epilogue) and reads input
// and weights straight from storage (no workgroup memory: on llvmpipe it only adds copies). The
// row tile comes from the workgroup id, so weight addresses are uniform across a workgroup; lanes
// take consecutive columns. The epilogue adds the bias (when there is one) and evaluates the
// fused expression. Autodiff's input gradients add bias-less ops, masked transposed convs and
// `linear` with attr `transpose` (y = Wᵀx: output row r reads column r of W).
import type { IrNode } from '../../../runtime/ir.js';
import type { KernelSpec } from '../../../runtime/program.js';
import { ExprGen } from '../expr.js';
import { chw, type Loc, type LowerState, type TileProfile } from '../state.js';
import { Body, KernelBuilder, U } from '../wgsl.js';
import { opaque } from '../../../runtime/webgpu/uniforms.js';

export interface ConvTile {
  rows: number;
  cols: number;
  wg: number;
}

/**
 * Register tiles. 'large': up to 16 accumulator rows (over all chunks) × 8 columns; 'small': 8 × 4;
 * both less for small maps. Lavapipe compiles a kernel at its first dispatch and that time grows
 * faster than the unrolled tile: a fused 3×3 conv 32→64 on 32×32 took 48 s to compile at 16×8,
 * 17 s at 8×8 and 7 s at 8×4 (bench/compile-time.ts). On an idle machine the large tiles run a
 * batch-32 training step of fmnist-sdn in 15.7 s instead of 24.7 s (docs/performance.md), which
 * repays the compilation within a few steps of a real run but not in the test suite's many small
 * graphs.
 */
export function convTileFor(rows: number, chunks: number, positions: number, epilogueLines: number, profile: TileProfile): ConvTile {
  const large = profile === 'large';
  const perChunk = Math.max(1, Math.floor((large ? 16 : 8) / chunks));
  const cols = large && positions >= 64 ? 8 : positions >= 16 ? 4 : 2;
  const t = { rows: Math.min(perChunk, Math.ceil(rows / 4) * 4), cols, wg: 8 };
  // The epilogue is unrolled once per accumulator: a long one (backward chains reading several
  // values per element) made kernels of ~200 KB that lavapipe took minutes to compile. Keep the
  // unrolled epilogue code under a budget by narrowing the tile, columns first.
  while (t.rows * t.cols * epilogueLines > EPILOGUE_BUDGET && t.cols > 1) t.cols /= 2;
  while (t.rows * t.cols * epilogueLines > EPILOGUE_BUDGET && t.rows > 4) t.rows /= 2;
  return t;
}

/** Statements of unrolled epilogue code per kernel (a ResSDN gate: ~12 per accumulator). */
const EPILOGUE_BUDGET = 800;

/** Statements one accumulator's epilogue takes (generated once, into a throwaway builder). */
function epilogueLines(st: LowerState, k: ConvKernel): number {
  if (!k.epilogue) return 1;
  const body = new Body('e', '');
  const overrides = new Map([...k.chunkNodes.keys()].map((n) => [n, 'acc'] as [number, string]));
  k.epilogue(new ExprGen(st, new KernelBuilder(), body, overrides), 'b', 'j');
  return Math.max(1, body.lines.length);
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
    convTileFor(chw(k.root.shape)[0], k.chunks.length, chw(k.conv.shape)[1] * chw(k.conv.shape)[2], epilogueLines(st, k), st.opts.tiles);
  const { conv } = k;
  const [xn, wn, bn] = conv.inputs.map((i) => st.graph.nodes[i]);
  const xl = st.locs[xn.id]!, wl = st.locs[wn.id]!, bl = bn && st.locs[bn.id]!;
  const [C, H, W] = chw(xn.shape);
  const [O, Ho, Wo] = chw(conv.shape);
  const HWo = Ho * Wo;
  const Cr = chw(k.root.shape)[0];
  const lin = conv.op === 'linear', tr = conv.op === 'conv_transpose2d';
  const [kh, kw] = lin ? [1, 1] : [wn.shape[2], wn.shape[3]];
  const T = kh * kw;
  const s = lin ? 1 : (conv.attrs.stride as number), pad = lin ? 0 : (conv.attrs.padding as number);
  const [oStride, cStride] = lin ? (conv.attrs.transpose ? [1, O] : [C, 1]) : tr ? [T, O * T] : [C * T, T];
  const xs = xl.strides ?? { c: H * W, y: W, x: 1 };
  const mask = conv.attrs.mask as 'A' | 'B' | undefined;
  const RT = Math.ceil(Cr / t.rows), perGroup = t.wg * t.cols;
  const kb = new KernelBuilder();
  const X = kb.buf(xl.buffer), Wt = kb.buf(wl.buffer), B = bl && kb.buf(bl.buffer);
  const out = kb.buf(k.out.buffer, 'read_write');
  const L: string[] = [];
  const e = (line: string) => L.push(`  ${line}`);
  const R = [...Array(t.rows).keys()], P = [...Array(t.cols).keys()], K = k.chunks.map((_, i) => i);
  // A strided transposed conv runs as s² phases (oy mod s, ox mod s), one per workgroup, each a
  // plain conv over the taps that reach it: no lanes spend work on taps that miss their pixel.
  const phased = tr && s > 1;
  const Hq = phased ? Math.ceil(Ho / s) : Ho, Wq = phased ? Math.ceil(Wo / s) : Wo, per = Hq * Wq, S2 = phased ? s * s : 1;
  e('let wid = wg.x + wg.y * u.wgx;');
  e(`let ncols = ${conv.batched ? `u.batch * ${per}u` : `${per}u`};`);
  e(`let ncg = (ncols + ${perGroup - 1}u) / ${perGroup}u;`);
  e(`let rt = wid / (ncg * ${S2}u);`);
  e(`if (rt >= ${RT}u) { return; }`);
  e(`let ph = (wid / ncg) % ${S2}u;`);
  e(`let colbase = (wid % ncg) * ${perGroup}u + lid.x;`);
  if (phased) {
    e(`let py = i32(ph / ${s}u);`);
    e(`let px = i32(ph % ${s}u);`);
  }
  for (const p of P) {
    e(`let col${p} = colbase + ${p * t.wg}u;`);
    e(`let cc${p} = min(col${p}, ncols - 1u);`);
    e(`let b${p} = cc${p} / ${per}u;`);
    e(`let q${p} = cc${p} % ${per}u;`);
    e(`let qy${p} = i32(q${p} / ${Wq}u);`);
    e(`let qx${p} = i32(q${p} % ${Wq}u);`);
    e(`let oy${p} = ${phased ? `py + ${s} * qy${p}` : `qy${p}`};`);
    e(`let ox${p} = ${phased ? `px + ${s} * qx${p}` : `qx${p}`};`);
    e(`let live${p} = col${p} < ncols${phased ? ` && oy${p} < ${Ho} && ox${p} < ${Wo}` : ''};`);
    e(`let p${p} = u32(min(oy${p}, ${Ho - 1})) * ${Wo}u + u32(min(ox${p}, ${Wo - 1}));`);
    e(`let xb${p} = ${U.add(U.lit(xl.offset), U.mul(`b${p}`, xl.batchStride))};`);
  }
  for (const c of K) for (const r of R) e(`let w${c}_${r} = ${U.mul(U.add(`min(rt * ${t.rows}u + ${r}u, ${Cr - 1}u)`, k.chunks[c]), oStride)};`);
  for (const c of K) for (const r of R) for (const p of P) e(`var acc${c}_${r}_${p} = 0.0;`);
  // Taps in a loop (unrolling them multiplied compile time ~9× for no measured gain), the
  // input channels in an inner loop: one product per accumulator update, tap addresses hoisted.
  const guarded = tr || pad > 0 || (Ho - 1) * s + kh > H || (Wo - 1) * s + kw > W;
  const cy = Math.floor(kh / 2), cx = Math.floor(kw / 2) + (mask === 'B' ? 1 : 0);
  if (phased) {
    // Taps of phase (py, px): ky ≡ py + pad (mod s), reading input row qy + (py + pad − ky0)/s − m.
    e(`let ky0 = (py + ${pad}) % ${s};`);
    e(`let kx0 = (px + ${pad}) % ${s};`);
    e(`for (var my = 0; ky0 + ${s} * my < ${kh}; my++) {`);
    e(`for (var mx = 0; kx0 + ${s} * mx < ${kw}; mx++) {`);
    e(`  let tap = u32((ky0 + ${s} * my) * ${kw} + kx0 + ${s} * mx);`);
    if (mask) {
      e(`  let ky = ky0 + ${s} * my;`);
      e(`  let kx = kx0 + ${s} * mx;`);
    }
  } else {
    e(`for (var tap = 0u; tap < ${opaque(T)}; tap++) {`);
    e(`  let ky = i32(tap / ${kw}u);`);
    e(`  let kx = i32(tap % ${kw}u);`);
  }
  if (mask) e(`  if (ky > ${cy} || (ky == ${cy} && kx >= ${cx})) { continue; }`);
  for (const p of P) {
    if (lin) {
      e(`  let a${p} = xb${p};`);
      continue;
    }
    if (phased) {
      e(`  let iy${p} = qy${p} + (py + ${pad} - ky0) / ${s} - my;`);
      e(`  let ix${p} = qx${p} + (px + ${pad} - kx0) / ${s} - mx;`);
      e(`  let ok${p} = iy${p} >= 0 && iy${p} < ${H} && ix${p} >= 0 && ix${p} < ${W};`);
    } else if (tr) {
      e(`  let ty${p} = oy${p} + ${pad} - ky;`);
      e(`  let tx${p} = ox${p} + ${pad} - kx;`);
      e(`  let iy${p} = ty${p};`);
      e(`  let ix${p} = tx${p};`);
      e(`  let ok${p} = ty${p} >= 0 && tx${p} >= 0 && iy${p} < ${H} && ix${p} < ${W};`);
    } else {
      e(`  let iy${p} = oy${p} * ${s} + ky - ${pad};`);
      e(`  let ix${p} = ox${p} * ${s} + kx - ${pad};`);
      if (guarded) e(`  let ok${p} = iy${p} >= 0 && iy${p} < ${H} && ix${p} >= 0 && ix${p} < ${W};`);
    }
    e(`  let a${p} = xb${p} + u32(clamp(iy${p}, 0, ${H - 1})) * ${xs.y}u + u32(clamp(ix${p}, 0, ${W - 1})) * ${xs.x}u;`);
  }
  e(`  for (var c = 0u; c < ${opaque(C)}; c++) {`);
  for (const p of P) {
    const load = `${X}[a${p} + c * ${xs.c}u]`;
    e(`    let x${p} = ${guarded ? `select(0.0, ${load}, ok${p})` : load};`);
  }
  for (const c of K) {
    for (const r of R) {
      e(`    let wv${c}_${r} = ${Wt}[w${c}_${r} + c * ${cStride}u + tap];`);
      for (const p of P) e(`    acc${c}_${r}_${p} += wv${c}_${r} * x${p};`);
    }
  }
  e('  }');
  e('}');
  if (phased) e('}');
  // Epilogue: bias, the fused expression, the store (skipped past the last row or column).
  for (const r of R) {
    for (const p of P) {
      const body = new Body(`e${r}_${p}_`, '    ');
      const overrides = new Map<number, string>();
      const row = body.let(`rt * ${t.rows}u + ${r}u`);
      K.forEach((c) => {
        const a = body.let(B ? `acc${c}_${r}_${p} + ${B}[${U.add(row, k.chunks[c])}]` : `acc${c}_${r}_${p}`);
        for (const [n, off] of k.chunkNodes) if (off === k.chunks[c]) overrides.set(n, a);
      });
      const gen = new ExprGen(st, kb, body, overrides);
      const j = body.let(U.add(U.mul(row, HWo), `p${p}`));
      const v = k.epilogue ? k.epilogue(gen, `b${p}`, j) : overrides.get(conv.id)!;
      body.stmt(`${out}[${gen.address(k.out, k.root, `b${p}`, j)}] = ${v};`);
      e(`if (live${p} && rt * ${t.rows}u + ${r}u < ${Cr}u) {`);
      L.push(body.text());
      e('}');
    }
  }
  const wgsl = `@compute @workgroup_size(${t.wg})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
${L.join('\n')}
}`;
  // Threads: RT row tiles × ⌈columns / (wg·cols)⌉ workgroups; the bound below covers the ceiling.
  const colsPer = S2 * Math.ceil(per / t.cols);
  return {
    name: k.name, wgsl: kb.module(wgsl), entry: 'main', bindings: kb.specBindings(),
    threads: conv.batched ? { perExample: RT * colsPer, fixed: RT * S2 * t.wg } : { perExample: 0, fixed: RT * (colsPer + S2 * t.wg) },
    workgroupSize: t.wg, nodes: k.nodes, ...(k.root.source ? { source: k.root.source } : {}),
  };
}
