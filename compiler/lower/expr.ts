// Expression generation for fused elementwise code: the value of node n at (example b,
// per-example index j) as WGSL, recursing through inline nodes (each op's inline lowering in the
// op table, compiler/ops) down to loads of materialized values, literals and scalar inputs.
// Every intermediate is a memoized `let`.
import type { IrNode } from '../../runtime/ir.js';
import { OPS } from '../ops/index.js';
import { chw, numelOf, type Loc, type LowerState } from './state.js';
import { Body, f32, KernelBuilder, U } from './wgsl.js';

export class ExprGen {
  constructor(
    private readonly st: LowerState,
    readonly kb: KernelBuilder,
    /** Where lets go: the kernel's body, or a branch's block while `branch` computes it. */
    public body: Body,
    /** Nodes whose value at the current output element is already a WGSL name (conv epilogues). */
    private readonly overrides: Map<number, string> = new Map(),
    /**
     * The kernel visits every element of a channel and their order does not matter (a channel
     * sum): a value stored with a permuted map (a channel's elements contiguous, transposed:
     * `channelPermuted`) is read in its storage order, as if it were plain.
     */
    private readonly anyOrderInChannel = false,
  ) {}

  /** The layouts of the stored values this generator has read: plain or channel-permuted. */
  readonly readLayouts = new Set<'plain' | 'permuted'>();

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

  /** Element (b, j) of a value stored at loc (`offsetTag`: see address). */
  load(loc: Loc, node: IrNode, b: string, j: string, offsetTag = ''): string {
    const name = this.kb.buf(loc.buffer);
    return this.body.let(`${name}[${this.address(loc, node, b, j, false, offsetTag)}]`);
  }

  /** Where node n's value is loaded from here; undefined for an epilogue's accumulator, a literal or a value computed inline. */
  storedAt(n: number): Loc | undefined {
    const inBuffer = !this.overrides.has(n) && this.st.role[n] !== 'const' && this.st.role[n] !== 'inline';
    return inBuffer ? this.st.locs[n] : undefined;
  }

  /**
   * Node n's value at (b, j), a stored one read through its strides even when it has none (plain
   * NCHW): the text is then that of a read from a permuted layout, and the two share a pipeline.
   * With `every` (f, the node read at index j of a map f times smaller) it reads every f-th row
   * and column, the same text again: a nearest downsampling of a stored value.
   */
  strided(n: number, b: string, j: string, every?: { f: number; at: IrNode }): string {
    const node = this.st.graph.nodes[n], loc = this.storedAt(n), f = every?.f ?? 1;
    const [, h, w] = chw(node.shape);
    if (!loc) return this.value(n, b, j);
    const s = loc.strides ?? { c: h * w, y: w, x: 1 };
    return this.load({ ...loc, strides: { c: s.c, y: s.y * f, x: s.x * f } }, every?.at ?? node, b, j);
  }

  /**
   * Node n's value at per-example index j + channels·(its elements per channel): a channel
   * slice's operand. A stored operand's shift goes into the load's offset, so a slice reads
   * through the same code as the whole value (and the kernel shares its pipeline with one
   * that reads it whole).
   */
  shifted(n: number, b: string, j: string, channels: number): string {
    const node = this.st.graph.nodes[n], loc = this.storedAt(n), inner = numelOf(node) / node.shape[0];
    if (!loc) return this.value(n, b, this.body.let(U.add(j, this.kb.dim(channels * inner, `${n}:shift`))));
    return this.load({ ...loc, offset: loc.offset + channels * (loc.strides ? loc.strides.c : inner) }, node, b, j, ' shifted');
  }

  /**
   * Where element (b, j) of a value stored at loc is. `stored`: the kernel's output, whose offset
   * and strides are other uniforms than those of the same node read elsewhere (a copy), so the
   * text does not depend on whether the two happen to be equal; `offsetTag` does the same for a
   * shifted read (a slice) of a node also read whole.
   */
  address(loc: Loc, node: IrNode, b: string, j: string, stored = false, offsetTag = ''): string {
    const D = (n: number, key: string) => this.kb.dim(n, `${node.id}${stored ? ' stored' : ''}:${key}`);
    let idx = U.add(D(loc.offset, `loc.offset${offsetTag}`), loc.batchStride === 0 ? '0u' : U.mul(b, D(loc.batchStride, 'loc.batchStride')));
    const permuted = !!loc.strides && channelPermuted(loc.strides, node.shape);
    if (!stored) this.readLayouts.add(permuted ? 'permuted' : 'plain');
    const [, h, w] = chw(node.shape);
    // At a conv epilogue's coordinates every value goes through its strides (plain ones too), so
    // the text does not depend on which operands are stored another way.
    const k = this.coords, atCoords = !!k && k.j === j && k.h === h && k.w === w;
    if ((!loc.strides && !atCoords) || (permuted && this.anyOrderInChannel)) return this.body.let(U.add(idx, j));
    const strides = loc.strides ?? { c: h * w, y: w, x: 1 };
    const { c, y, x } = this.cyx(j, h, w);
    idx = U.add(idx, U.add(U.add(U.mul(c, D(strides.c, 'loc.strides.c')), U.mul(y, D(strides.y, 'loc.strides.y'))), U.mul(x, D(strides.x, 'loc.strides.x'))));
    return this.body.let(idx);
  }

  /**
   * Channel, row and column of the index a conv epilogue computes its outputs at, which it knows
   * without dividing (`coords.j` of an [·, h, w] map): a strided operand or a spatial remap
   * there reads them instead of splitting j.
   */
  coords?: { j: string; h: number; w: number; c: string; y: string; x: string };

  /**
   * Channel, row and column of per-example index j of a [C, h, w] value. Its sizes are
   * keyed by the index, so that two values of one map size read at one index (a copy between
   * layouts: its read and its write) split it once.
   */
  cyx(j: string, h: number, w: number): { c: string; y: string; x: string } {
    const k = this.coords;
    if (k && k.j === j && k.h === h && k.w === w) return { c: k.c, y: k.y, x: k.x };
    const L = (e: string) => this.body.let(e);
    const D = (v: number, key: string) => this.kb.dim(v, `${j}:${key}`);
    return { c: L(U.div(j, D(h * w, 'cyx.hw'))), y: L(U.mod(L(U.div(j, D(w, 'cyx.w'))), D(h, 'cyx.h'))), x: L(U.mod(j, D(w, 'cyx.w'))) };
  }

  /** The node's own computation at (b, j): its op's inline lowering (compiler/ops), reading operands through value(). */
  compute(n: number, b: string, j: string): string {
    const node = this.st.graph.nodes[n];
    const lower = OPS[node.op].lower;
    if (!('inline' in lower)) throw new Error(`lower: ${node.op} (node ${n}) cannot be computed inline`);
    return lower.inline({
      gen: this,
      node,
      b,
      j,
      arg: (k) => this.value(node.inputs[k], b, this.st.graph.nodes[node.inputs[k]].shape.length === 0 ? '0u' : j),
      let: (e) => this.body.let(e),
      dim: (v, key) => this.kb.dim(v, `${n}:${key}`),
    });
  }

  /**
   * `then()` where `cond` holds, else `otherwise()` (0 without it), each computed inside its own
   * branch, so that an element loads only the operands of its branch: a channel slice's
   * gradient (pad_channels) or a concatenation reads one of its inputs, not all of them (with
   * selects, 1.4× slower on lavapipe for a two-way gated gradient).
   */
  branch(cond: string, then: () => string, otherwise?: () => string): string {
    const outer = this.body, v = outer.fresh();
    const arm = (value: () => string) => {
      const inner = outer.nested();
      this.body = inner;
      try {
        inner.stmt(`${v} = ${value()};`);
      } finally {
        this.body = outer;
      }
      outer.lines.push(...inner.lines);
    };
    outer.stmt(`var ${v} = 0.0;`);
    outer.stmt(`if (${cond}) {`);
    arm(then);
    if (otherwise) {
      outer.stmt('} else {');
      arm(otherwise);
    }
    outer.stmt('}');
    return v;
  }

  graphNode(id: number): IrNode {
    return this.st.graph.nodes[id];
  }
}

/** Whether a [C, H, W] value's strides keep each channel's H·W elements contiguous, transposed (y fastest). */
export function channelPermuted(strides: { c: number; y: number; x: number }, shape: number[]): boolean {
  const [, h, w] = chw(shape);
  return strides.c === h * w && strides.y === 1 && strides.x === h;
}
