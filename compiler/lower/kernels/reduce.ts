// Per-example reductions: sum_per_example, and the likelihoods that sum a per-element (or
// per-pixel) log-probability: dl_logp, bernoulli_logp, dml_logp. One workgroup per example;
// each invocation sums a strided share of the items (the operand expressions, inlined, are
// evaluated in the loop), then a tree reduction in workgroup memory.
import type { IrNode } from '../../../runtime/ir.js';
import type { KernelSpec } from '../../../runtime/program.js';
import { ExprGen } from '../expr.js';
import type { Loc, LowerState } from '../state.js';
import { Body, f32, KernelBuilder, U } from '../wgsl.js';

const WG = 64;

export interface ReduceKernel {
  name: string;
  node: IrNode;
  out: Loc;
  /** Items summed per example. */
  count: number;
  /** The f32 term of item i of example b. */
  term(gen: ExprGen, kb: KernelBuilder, b: string, i: string): string;
  nodes: number[];
}

export function reduceKernel(st: LowerState, k: ReduceKernel): KernelSpec {
  const kb = new KernelBuilder();
  const body = new Body('t', '    ');
  const gen = new ExprGen(st, kb, body);
  const v = k.term(gen, kb, 'b', 'i');
  const out = kb.buf(k.out.buffer, 'read_write');
  const main = `var<workgroup> red: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let b = wg.x + wg.y * u.wgx;
  if (b >= ${k.node.batched ? 'u.batch' : '1u'}) { return; }
  var acc = 0.0;
  for (var i = lid.x; i < ${kb.dim(k.count, 'k.count')}; i += ${WG}u) {
${body.text()}
    acc += ${v};
  }
  red[lid.x] = acc;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid.x < s) { red[lid.x] += red[lid.x + s]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { ${out}[${U.add(kb.dim(k.out.offset, 'k.out.offset'), U.mul('b', kb.dim(k.out.batchStride, 'k.out.batchStride')))}] = red[0]; }
}`;
  return {
    name: k.name, wgsl: kb.module(main), dims: kb.dims(), entry: 'main', bindings: kb.specBindings(),
    threads: k.node.batched ? { perExample: WG, fixed: 0 } : { perExample: 0, fixed: WG },
    workgroupSize: WG, nodes: k.nodes, ...(k.node.source ? { source: k.node.source } : {}),
  };
}

/** free_bits: kl + (max(mean_batch(kl), λ) − mean)/n, so the batch mean is at least λ. One workgroup. */
export function freeBitsKernel(st: LowerState, name: string, node: IrNode, out: Loc, nodes: number[]): KernelSpec {
  const kb = new KernelBuilder();
  const sum = new Body('s', '    '), fin = new Body('f', '    ');
  const kl = (body: Body) => new ExprGen(st, kb, body).value(node.inputs[0], 'b', '0u');
  const a = kl(sum), c = kl(fin);
  const o = kb.buf(out.buffer, 'read_write');
  const lambda = node.attrs.lambda as number;
  const main = `var<workgroup> red: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid: vec3u) {
  var acc = 0.0;
  for (var b = lid.x; b < u.batch; b += ${WG}u) {
${sum.text()}
    acc += ${a};
  }
  red[lid.x] = acc;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid.x < s) { red[lid.x] += red[lid.x + s]; }
    workgroupBarrier();
  }
  let n = f32(u.batch);
  let mean = red[0] / n;
  let extra = (max(mean, ${f32(lambda)}) - mean) / n;
  for (var b = lid.x; b < u.batch; b += ${WG}u) {
${fin.text()}
    ${o}[${U.add(kb.dim(out.offset, 'out.offset'), U.mul('b', kb.dim(out.batchStride, 'out.batchStride')))}] = ${c} + extra;
  }
}`;
  return {
    name, wgsl: kb.module(main), dims: kb.dims(), entry: 'main', bindings: kb.specBindings(),
    threads: { perExample: 0, fixed: WG }, workgroupSize: WG, nodes, ...(node.source ? { source: node.source } : {}),
  };
}
