// The reductions of the backward pass, their operands read (and fused chains inlined) through
// ExprGen: batch_sum (one invocation per element, summing over the batch in a register; of a
// channel_sum, one per channel summing both), channel_sum (one invocation per (example,
// channel), summing its map in a register) and
// free_bits_grad (one workgroup, as free_bits in reduce.ts). channel_sum once took a workgroup of
// 64 per (example, channel) and a tree in workgroup memory: on lavapipe its barriers made it
// 3.8× slower (540 against 142 ms of a batch-32 fmnist-sdn step, bench/profile.ts).
import type { IrNode } from '../../../runtime/ir.js';
import type { KernelSpec } from '../../../runtime/program.js';
import { ExprGen } from '../expr.js';
import { isElementwise, numelOf, type Loc, type LowerState } from '../state.js';
import { Body, f32, KernelBuilder, threadIndex } from '../wgsl.js';

/** One of the three reductions below, for node `node` writing `out`. */
export type GradReduction = (st: LowerState, node: IrNode, out: Loc) => Kernel;

export function gradReduceKernel(st: LowerState, name: string, node: IrNode, out: Loc, nodes: number[], reduction: GradReduction): KernelSpec {
  const k = reduction(st, node, out);
  return { name, ...k, entry: 'main', nodes, ...(node.source ? { source: node.source } : {}) };
}

type Kernel = Pick<KernelSpec, 'wgsl' | 'dims' | 'bindings' | 'threads' | 'workgroupSize'>;

/** Tree reduction of `red` (size wg, a power of two) into red[0]. */
const tree = (wg: number) => `  workgroupBarrier();
  for (var s = ${wg >> 1}u; s > 0u; s = s >> 1u) {
    if (lid.x < s) { red[lid.x] += red[lid.x + s]; }
    workgroupBarrier();
  }`;

export function batchSum(st: LowerState, node: IrNode, out: Loc): Kernel {
  const src = st.graph.nodes[node.inputs[0]];
  // An inline operand that is not elementwise is the channel sum the op table lets it absorb.
  if (st.role[src.id] === 'inline' && !isElementwise(src.op)) return biasSum(st, node, src, out);
  const kb = new KernelBuilder();
  const loop = new Body('t', '    '), outer = new Body();
  const v = new ExprGen(st, kb, loop).value(src.id, 'b', 'j');
  const o = kb.buf(out.buffer, 'read_write');
  const addr = new ExprGen(st, kb, outer).address(out, node, '0u', 'j', true);
  const wg = st.opts.workgroupSize, n = numelOf(node);
  const main = `@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let j = ${threadIndex(wg)};
  if (j >= u.threads) { return; }
  var acc = 0.0;
  for (var b = 0u; b < ${src.batched ? 'u.batch' : '1u'}; b++) {
${loop.text()}
    acc += ${v};
  }
${outer.text()}
  ${o}[${addr}] = acc;
}`;
  return { wgsl: kb.module(main), dims: kb.dims(), bindings: kb.specBindings(), threads: { perExample: 0, fixed: n }, workgroupSize: wg };
}

/**
 * batch_sum(channel_sum(x)) in one kernel (fuse-elementwise absorbs the channel_sum): one
 * invocation per channel sums each example's map, then the examples, in the order of the two
 * kernels it replaces. Workgroups of 8 spread a few channels over the cores.
 */
function biasSum(st: LowerState, node: IrNode, cs: IrNode, out: Loc): Kernel {
  const kb = new KernelBuilder(), outer = new Body();
  const x = st.graph.nodes[cs.inputs[0]];
  const wg = 8;
  const sum = channelMapSum(st, kb, x, node.shape[0], 'part', '    ');
  const o = kb.buf(out.buffer, 'read_write');
  const addr = new ExprGen(st, kb, outer).address(out, node, '0u', 'c', true);
  const main = `@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let c = ${threadIndex(wg)};
  if (c >= u.threads) { return; }
  var acc = 0.0;
  for (var b = 0u; b < ${x.batched ? 'u.batch' : '1u'}; b++) {
${sum}
    acc += part;
  }
${outer.text()}
  ${o}[${addr}] = acc;
}`;
  return { wgsl: kb.module(main), dims: kb.dims(), bindings: kb.specBindings(), threads: { perExample: 0, fixed: node.shape[0] }, workgroupSize: wg };
}

/** `var <name>` summing channel c of example b's map of src (C channels) in a loop, at indent `ind`. */
function channelMapSum(st: LowerState, kb: KernelBuilder, src: IrNode, C: number, name: string, ind: string): string {
  // A channel-permuted operand (the reverse scan along columns, layout.ts) is summed in its storage
  // order, unless the sum also reads a plain one, whose elements would then not line up.
  const trial = new ExprGen(st, new KernelBuilder(), new Body(), new Map(), true);
  trial.value(src.id, 'b', 'j');
  const anyOrder = !(trial.readLayouts.has('plain') && trial.readLayouts.has('permuted'));
  const loop = new Body('t', `${ind}  `);
  const inner = kb.dim(numelOf(src) / C, 'inner');
  const v = new ExprGen(st, kb, loop, new Map(), anyOrder).value(src.id, 'b', loop.let(`c * ${inner} + i`));
  return `${ind}var ${name} = 0.0;\n${ind}for (var i = 0u; i < ${inner}; i++) {\n${loop.text()}\n${ind}  ${name} += ${v};\n${ind}}`;
}

export function channelSum(st: LowerState, node: IrNode, out: Loc): Kernel {
  const kb = new KernelBuilder(), outer = new Body();
  const src = st.graph.nodes[node.inputs[0]];
  const C = node.shape[0], wg = st.opts.workgroupSize;
  const sum = channelMapSum(st, kb, src, C, 'acc', '  ');
  const o = kb.buf(out.buffer, 'read_write');
  const addr = new ExprGen(st, kb, outer).address(out, node, 'b', 'c', true);
  const main = `@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let row = ${threadIndex(wg)};
  if (row >= u.threads) { return; }
  let b = row / ${kb.dim(C, 'C')};
  let c = row % ${kb.dim(C, 'C')};
${sum}
${outer.text()}
  ${o}[${addr}] = acc;
}`;
  return {
    wgsl: kb.module(main), dims: kb.dims(), bindings: kb.specBindings(), workgroupSize: wg,
    threads: node.batched ? { perExample: C, fixed: 0 } : { perExample: 0, fixed: C },
  };
}

/** g + (λ > mean(kl) ? −Σg/n² : 0), n the batch: while free bits hold the KL up, its mean's gradient spreads over the batch. */
export function freeBitsGrad(st: LowerState, node: IrNode, out: Loc): Kernel {
  const kb = new KernelBuilder();
  const sum = new Body('s', '    '), fin = new Body('f', '    ');
  const [g, kl] = node.inputs;
  const sg = new ExprGen(st, kb, sum);
  const pair = `vec2f(${sg.value(kl, 'b', '0u')}, ${sg.value(g, 'b', '0u')})`;
  const fg = new ExprGen(st, kb, fin);
  const gv = fg.value(g, 'b', '0u');
  const o = kb.buf(out.buffer, 'read_write');
  const addr = fg.address(out, node, 'b', '0u', true);
  const wg = 64;
  const main = `var<workgroup> red: array<vec2f, ${wg}>;
@compute @workgroup_size(${wg})
fn main(@builtin(local_invocation_id) lid: vec3u) {
  var acc = vec2f(0.0);
  for (var b = lid.x; b < u.batch; b += ${wg}u) {
${sum.text()}
    acc += ${pair};
  }
  red[lid.x] = acc;
${tree(wg)}
  let n = f32(u.batch);
  let shift = select(0.0, -red[0].y / (n * n), ${f32(node.attrs.lambda as number)} > red[0].x / n);
  for (var b = lid.x; b < u.batch; b += ${wg}u) {
${fin.text()}
    ${o}[${addr}] = ${gv} + shift;
  }
}`;
  return { wgsl: kb.module(main), dims: kb.dims(), bindings: kb.specBindings(), threads: { perExample: 0, fixed: wg }, workgroupSize: wg };
}
