// Expression generation for fused elementwise code: the value of node n at (example b,
// per-example index j) as WGSL, recursing through inline nodes and index-remapping reads (pad,
// crop, nearest resampling and their adjoints, concat, expand, slices, reshape) down to loads
// of materialized values, literals and scalar inputs. Every intermediate is a memoized `let`.
import type { IrNode } from '../../runtime/ir.js';
import { dlGradValue } from './kernels/likelihoods.js';
import { chw, numelOf, type Loc, type LowerState } from './state.js';
import { Body, f32, KernelBuilder, U } from './wgsl.js';

export class ExprGen {
  constructor(
    private readonly st: LowerState,
    readonly kb: KernelBuilder,
    readonly body: Body,
    /** Nodes whose value at the current output element is already a WGSL name (conv epilogues). */
    private readonly overrides: Map<number, string> = new Map(),
  ) {}

  /** Value of node n at (b, j): inline nodes are computed, materialized ones loaded. */
  value(n: number, b: string, j: string): string {
    const o = this.overrides.get(n);
    if (o !== undefined) return o;
    const node = this.st.graph.nodes[n];
    const role = this.st.role[n];
    if (role === 'const') return f32(node.attrs.value as number);
    if (role === 'inline') return this.compute(n, b, j);
    const loc = this.st.locs[n];
    if (!loc) throw new Error(`lower: node ${n} (${node.op}) is read before it has a buffer`);
    return this.load(loc, node, b, j);
  }

  /** Element (b, j) of a value stored at loc. */
  load(loc: Loc, node: IrNode, b: string, j: string): string {
    const name = this.kb.buf(loc.buffer);
    return this.body.let(`${name}[${this.address(loc, node, b, j)}]`);
  }

  address(loc: Loc, node: IrNode, b: string, j: string): string {
    const D = (n: number, key: string) => this.kb.dim(n, `${node.id}:${key}`);
    let idx = U.add(D(loc.offset, 'loc.offset'), loc.batchStride === 0 ? '0u' : U.mul(b, D(loc.batchStride, 'loc.batchStride')));
    if (!loc.strides) return this.body.let(U.add(idx, j));
    const [, h, w] = chw(node.shape);
    const { c, y, x } = this.cyx(node.id, j, h, w);
    idx = U.add(idx, U.add(U.add(U.mul(c, D(loc.strides.c, 'loc.strides.c')), U.mul(y, D(loc.strides.y, 'loc.strides.y'))), U.mul(x, D(loc.strides.x, 'loc.strides.x'))));
    return this.body.let(idx);
  }

  /** Channel, row and column of per-example index j of node n, a [C, h, w] value. */
  cyx(n: number, j: string, h: number, w: number): { c: string; y: string; x: string } {
    const L = (e: string) => this.body.let(e);
    const D = (v: number, key: string) => this.kb.dim(v, `${n}:${key}`);
    return { c: L(U.div(j, D(h * w, 'cyx.hw'))), y: L(U.mod(L(U.div(j, D(w, 'cyx.w'))), D(h, 'cyx.h'))), x: L(U.mod(j, D(w, 'cyx.w'))) };
  }

  /** The node's own computation at (b, j), reading its operands through value(). */
  compute(n: number, b: string, j: string): string {
    const node = this.st.graph.nodes[n];
    const L = (e: string) => this.body.let(e);
    const D = (v: number, key: string) => this.kb.dim(v, `${n}:${key}`);
    const ins = node.inputs;
    const arg = (k: number) => {
      const i = this.st.graph.nodes[ins[k]];
      return this.value(ins[k], b, i.shape.length === 0 ? '0u' : j);
    };
    switch (node.op) {
      case 'neg': return L(`-(${arg(0)})`);
      case 'exp': return L(`exp(${arg(0)})`);
      case 'log': return L(`log(${arg(0)})`);
      case 'square': { const a = arg(0); return L(`${a} * ${a}`); }
      case 'relu': return L(`max(${arg(0)}, 0.0)`);
      case 'tanh': return L(`${this.kb.helper('tanh')}(${arg(0)})`);
      case 'sigmoid': return L(`${this.kb.helper('sigmoid')}(${arg(0)})`);
      case 'softplus': return L(`${this.kb.helper('softplus')}(${arg(0)})`);
      case 'elu': return L(`${this.kb.helper('elu')}(${arg(0)})`);
      case 'step': return L(`select(0.0, 1.0, ${arg(0)} > 0.0)`);
      case 'dl_mode': return L(`clamp(${arg(0)}, ${f32(-0.5 + 1 / 512)}, ${f32(0.5 - 1 / 512)})`);
      case 'add': return L(`${arg(0)} + ${arg(1)}`);
      case 'sub': return L(`${arg(0)} - ${arg(1)}`);
      case 'mul': return L(`${arg(0)} * ${arg(1)}`);
      case 'div': return L(`${arg(0)} / ${arg(1)}`);
      case 'max': return L(`max(${arg(0)}, ${arg(1)})`);
      case 'reshape': return this.value(ins[0], b, j);
      case 'slice_channels': {
        const inner = numelOf(node) / node.shape[0];
        return this.value(ins[0], b, L(U.add(j, D((node.attrs.start as number) * inner, 'start * inner'))));
      }
      case 'expand': {
        if (this.st.graph.nodes[ins[0]].shape.length === 0) return this.value(ins[0], b, '0u');
        const inner = numelOf(node) / node.shape[0];
        return this.value(ins[0], b, L(U.div(j, D(inner, 'inner'))));
      }
      case 'pad_channels': {
        // A clamped in-range read and a select, so every load stays in bounds.
        const inner = numelOf(node) / node.shape[0];
        const lo = (node.attrs.before as number) * inner, hi = lo + numelOf(this.st.graph.nodes[ins[0]]);
        const v = this.value(ins[0], b, L(`min(max(${j}, ${D(lo, 'lo')}), ${D(hi, 'hi')} - 1u) - ${D(lo, 'lo')}`));
        return L(`select(0.0, ${v}, ${j} >= ${D(lo, 'lo')} && ${j} < ${D(hi, 'hi')})`);
      }
      case 'dl_logp_grad': return dlGradValue(this, node, b, j);
      case 'concat_channels': return this.concat(node, b, j);
      case 'pad2d': case 'crop2d': case 'upsample_nearest': case 'downsample_nearest': return this.resample(node, b, j);
      case 'sum_pool': return this.sumPool(node, b, j);
      case 'dilate': return this.dilate(node, b, j);
      default: throw new Error(`lower: ${node.op} (node ${n}) cannot be computed inline`);
    }
  }

  private concat(node: IrNode, b: string, j: string): string {
    const L = (e: string) => this.body.let(e);
    const D = (v: number, key: string) => this.kb.dim(v, `${node.id}:${key}`);
    const inner = numelOf(node) / node.shape[0];
    const c = L(U.div(j, D(inner, 'inner')));
    const rest = L(U.mod(j, D(inner, 'inner')));
    let acc = '';
    let c0 = 0;
    node.inputs.forEach((i, k) => {
      const ck = this.st.graph.nodes[i].shape[0];
      const local = k === 0 ? `min(${c}, ${D(ck, 'ck')} - 1u)` : `min(${c} - min(${c}, ${D(c0, 'c0')}), ${D(ck, 'ck')} - 1u)`;
      const v = this.value(i, b, L(U.add(L(U.mul(L(local), D(inner, 'inner'))), rest)));
      acc = k === 0 ? v : L(`select(${acc}, ${v}, ${c} >= ${D(c0, 'c0')})`);
      c0 += ck;
    });
    return acc;
  }

  /** pad2d, crop2d, upsample_nearest, downsample_nearest: out(c, y, x) = in(c, f(y), f(x)). */
  private resample(node: IrNode, b: string, j: string): string {
    const L = (e: string) => this.body.let(e);
    const D = (v: number, key: string) => this.kb.dim(v, `${node.id}:${key}`), I = (v: number, key: string) => this.kb.idim(v, `${node.id}:${key}`);
    const src = this.st.graph.nodes[node.inputs[0]];
    const [, H, W] = node.shape;
    const [, h, w] = src.shape;
    const { c, y, x } = this.cyx(node.id, j, H, W);
    const base = L(U.mul(c, D(h * w, 'h * w')));
    if (node.op === 'upsample_nearest' || node.op === 'downsample_nearest') {
      const f = node.attrs.factor as number;
      const map = (v: string) => (node.op === 'upsample_nearest' ? U.div(v, f) : U.mul(v, f));
      return this.value(src.id, b, L(U.add(U.add(base, U.mul(L(map(y)), D(w, 'w'))), L(map(x)))));
    }
    if (node.op === 'crop2d') {
      const n = node.attrs.crop as number;
      return this.value(src.id, b, L(U.add(U.add(base, U.mul(L(U.add(y, n)), D(w, 'w'))), L(U.add(x, n)))));
    }
    // pad2d: read a clamped in-range element and select 0 outside, so every load stays in bounds.
    const p = node.attrs.pad as number;
    const iy = L(`i32(${y}) - ${p}`), ix = L(`i32(${x}) - ${p}`);
    const inside = L(`${iy} >= 0 && ${iy} < ${I(h, 'h')} && ${ix} >= 0 && ${ix} < ${I(w, 'w')}`);
    const cy = L(`u32(clamp(${iy}, 0, ${I(h, 'h')} - 1))`), cx = L(`u32(clamp(${ix}, 0, ${I(w, 'w')} - 1))`);
    const v = this.value(src.id, b, L(U.add(U.add(base, U.mul(cy, D(w, 'w'))), cx)));
    return L(`select(0.0, ${v}, ${inside})`);
  }

  /** sum_pool: out(c, y, x) = Σ of the f×f block in(c, f·y + dy, f·x + dx). */
  private sumPool(node: IrNode, b: string, j: string): string {
    const L = (e: string) => this.body.let(e);
    const src = this.st.graph.nodes[node.inputs[0]];
    const [, h, w] = node.shape;
    const [, H, W] = src.shape;
    const f = node.attrs.factor as number;
    const D = (v: number, key: string) => this.kb.dim(v, `${node.id}:${key}`);
    const { c, y, x } = this.cyx(node.id, j, h, w);
    const corner = L(U.add(U.add(U.mul(c, D(H * W, 'H * W')), U.mul(L(U.mul(y, f)), D(W, 'W'))), U.mul(x, f)));
    const taps: string[] = [];
    for (let dy = 0; dy < f; dy++) {
      for (let dx = 0; dx < f; dx++) taps.push(this.value(src.id, b, L(U.add(U.add(corner, U.mul(D(W, 'W'), dy)), dx))));
    }
    return L(taps.join(' + '));
  }

  /** dilate: out(c, f·y, f·x) = in(c, y, x), zeros elsewhere (also past f·h, f·w); reads stay in bounds. */
  private dilate(node: IrNode, b: string, j: string): string {
    const L = (e: string) => this.body.let(e);
    const src = this.st.graph.nodes[node.inputs[0]];
    const [, H, W] = node.shape;
    const [, h, w] = src.shape;
    const f = node.attrs.factor as number;
    const D = (v: number, key: string) => this.kb.dim(v, `${node.id}:${key}`);
    const { c, y, x } = this.cyx(node.id, j, H, W);
    const sy = L(U.div(y, f)), sx = L(U.div(x, f));
    const hit = L(`${U.mod(y, f)} == 0u && ${U.mod(x, f)} == 0u && ${sy} < ${D(h, 'h')} && ${sx} < ${D(w, 'w')}`);
    const idx = L(U.add(U.add(U.mul(c, D(h * w, 'h * w')), U.mul(L(`min(${sy}, ${D(h, 'h')} - 1u)`), D(w, 'w'))), L(`min(${sx}, ${D(w, 'w')} - 1u)`)));
    return L(`select(0.0, ${this.value(src.id, b, idx)}, ${hit})`);
  }
}
