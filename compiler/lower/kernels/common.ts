// Pieces shared by the kernel emitters: naming, the one-thread-per-element kernel shape, the
// workgroup-indexed entry point and subgroup variants.
import type { IrNode } from '../../../runtime/ir.js';
import type { Extent, KernelSpec, KernelVariant } from '../../../runtime/program.js';
import { ExprGen } from '../expr.js';
import { describe, numelOf, type Loc, type LowerState } from '../state.js';
import { Body, KernelBuilder, threadIndex, U } from '../wgsl.js';

/** `<ops>@<module>#<k>`: the root op, the ops fused into it, the module it came from. */
export function kernelName(st: LowerState, root: IrNode, fused: number[], prefix = ''): string {
  const ops = [...new Set(fused.filter((n) => n !== root.id).map((n) => st.graph.nodes[n].op))];
  const [op, module] = describe(st, root).split('@');
  return `${prefix}${op}${ops.length ? `+${ops.join('+')}` : ''}@${module}#${st.kernels.length}`;
}

/** Nodes computed in root r's kernel: r and every node inlined into it. */
export function groupNodes(st: LowerState, r: number): number[] {
  const out: number[] = [];
  for (let n = 0; n <= r; n++) if (n === r || (st.role[n] === 'inline' && st.group[n] === r)) out.push(n);
  return out;
}

export interface ElementKernel {
  name: string;
  /** The node whose shape and batching the output has. */
  node: IrNode;
  out: Loc;
  nodes: number[];
  source?: IrNode['source'];
  value(gen: ExprGen, b: string, j: string): string;
  workgroupSize?: number;
}

/**
 * One invocation per element j of an example, looping over the examples b when the output is
 * batched: a thread index split into (b, j) would divide by a uniform per element, which
 * lavapipe does lane by lane (docs/kernels.md), and the loop shares the invocation's setup.
 */
export function elementKernel(st: LowerState, k: ElementKernel): KernelSpec {
  const wg = k.workgroupSize ?? st.opts.workgroupSize;
  const kb = new KernelBuilder();
  const batched = k.node.batched;
  const body = new Body('v', batched ? '    ' : '  ');
  const gen = new ExprGen(st, kb, body);
  const out = kb.buf(k.out.buffer, 'read_write');
  const b = batched ? 'b' : '0u';
  const v = k.value(gen, b, 'tid');
  body.stmt(`${out}[${gen.address(k.out, k.node, b, 'tid', true)}] = ${v};`);
  const main = batched ? `  for (var b = 0u; b < u.batch; b++) {\n${body.text()}\n  }` : body.text();
  return {
    name: k.name, wgsl: kb.module(threadMain(wg, main)), dims: kb.dims(), entry: 'main', bindings: kb.specBindings(),
    threads: { perExample: 0, fixed: numelOf(k.node) },
    workgroupSize: wg, nodes: k.nodes, ...(k.source ? { source: k.source } : {}),
  };
}

/** `main` of a kernel with one invocation per item: `tid`, the bound check, then the body's text. */
export const threadMain = (wg: number, body: string): string => `@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let tid = ${threadIndex(wg)};
  if (tid >= u.threads) { return; }
${body}
}`;

/** `main` of a kernel indexed by workgroup (`wg`) and lane (`lid`); a subgroup variant's also has the lane's subgroup id `sid`. */
export const workgroupMain = (wg: number, lines: string[], subgroup = false): string => `@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u${subgroup ? ', @builtin(subgroup_invocation_id) sid: u32' : ''}) {
${lines.join('\n')}
}`;

/** A kernel's subgroup variant (KernelSpec.subgroup): `main` as a module of this builder's uniforms and bindings. */
export const subgroupVariant = (kb: KernelBuilder, main: string, threads: Extent, decls = ''): KernelVariant =>
  ({ wgsl: `enable subgroups;\n${kb.module(main, decls)}`, dims: kb.dims(), threads, bindings: kb.specBindings() });

/** Row j of a tile whose rows were loaded `lanes` to a load, into `${name}0`, `${name}1`, …, broadcast to every lane. */
export const broadcastRow = (name: string, j: number, lanes: number): string => `subgroupBroadcast(${name}${Math.floor(j / lanes)}, ${j % lanes}u)`;

/**
 * A register tile's `cols` consecutive columns as vectors of `width` (4, else 2, else scalars):
 * lavapipe scalarizes a vector into the same code as `width` scalars, from a quarter of the text.
 * `of(g, x)` is group g's vector of the values x(p) of its columns p; `at(v, p)` column p of v.
 */
export function columnVectors(cols: number) {
  const width = cols % 4 === 0 ? 4 : cols % 2 === 0 ? 2 : 1;
  const type = width === 1 ? 'f32' : `vec${width}f`;
  const groups = [...Array(cols / width).keys()];
  return {
    width, type, groups,
    of: (g: number, x: (p: number) => string) => {
      const xs = [...Array(width).keys()].map((i) => x(g * width + i));
      return width === 1 ? xs[0] : `${type}(${xs.join(', ')})`;
    },
    /** Column p of a tile row held as vectors `${name}0`, `${name}1`, …. */
    at: (name: string, p: number) => (width === 1 ? `${name}${p}` : `${name}${Math.floor(p / width)}[${p % width}]`),
    /** Element f (a u32 expression) of an array of these vectors, counted in columns. */
    element: (array: string, f: string) => (width === 1 ? `${array}[${f}]` : `${array}[${U.div(f, width)}][${U.mod(f, width)}]`),
  };
}
