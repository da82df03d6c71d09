// Per-example reductions and the likelihoods of the data: sums over the example (one kernel per
// example, the summed terms computed inline), free bits, and the discretized mixture of logistics
// (DML), discretized logistic (DL) and Bernoulli log-probabilities with their modes.
import { DL_MEAN_HI, DL_MEAN_LO } from '../../runtime/likelihood-constants.js';
import { numel, type IrNode, type OpName } from '../../runtime/ir.js';
import { attrNum, pyFloat } from '../export/ops-py.js';
import { bernoulliTerm, dlTerm, dmlModeValue, dmlTerm } from '../lower/kernels/likelihoods.js';
import { freeBitsKernel, reduceKernel, type ReduceKernel } from '../lower/kernels/reduce.js';
import { f32 } from '../lower/wgsl.js';
import { noGrad, perElement, unaryGrad } from './shared.js';
import type { Lowering, OpEntry } from './types.js';

/** One workgroup per example summing `term` over the items of operand `x` (`count` of them). */
function perExampleSum(x: number, count: (x: IrNode) => number, term: (n: IrNode, xNode: IrNode) => ReduceKernel['term']): Lowering {
  return {
    kernel: (st, n, k) => {
      const xNode = st.graph.nodes[n.inputs[x]];
      k.push(reduceKernel(st, { name: k.name, node: n, out: k.out, count: count(xNode), nodes: k.nodes, term: term(n, xNode) }));
    },
  };
}

const reduces = { batch: 'operands', fusion: 'reads-inline' } as const;

export const LIKELIHOODS = {
  sum_per_example: {
    ...reduces,
    shape: () => [],
    flops: (ins) => numel(ins[0].shape),
    grad: unaryGrad((b, _n, g, x) => (b.node(x).shape.length === 0 ? g : b.op.expand([g], { shape: b.node(x).shape }))),
    lower: perExampleSum(0, (x) => numel(x.shape), (n) => (gen, _kb, b, i) => gen.value(n.inputs[0], b, i)),
    torch: (c) => (c.ins[0].shape.length === 0 ? c.ins[0].expr : `${c.data(0)}.flatten(1).sum(1)`),
  },
  free_bits: {
    ...reduces,
    shape: (ins) => (ins[0].shape.length === 0 ? [] : 'free bits apply to a per-example KL'),
    flops: () => 4,
    grad: unaryGrad((b, n, g, kl) => b.op.free_bits_grad([g, kl], { lambda: n.attrs.lambda as number })),
    lower: { kernel: (st, n, k) => k.push(freeBitsKernel(st, k.name, n, k.out, k.nodes)) },
    torch: (c) => `free_bits(${c.ins[0].expr}, ${pyFloat(attrNum(c.node, 'lambda'))})`,
  },
  dml_logp: {
    ...reduces,
    shape: (ins, a) => {
      const [p, x] = ins;
      const m = a.mixtures as number;
      const c = x.shape[0];
      if (p.shape[0] !== m * (1 + 3 * c)) return `a ${m}-component DML over ${c} channels needs ${m * (1 + 3 * c)} parameter channels, got ${p.shape[0]}`;
      if (p.shape.slice(1).join() !== x.shape.slice(1).join()) return `parameters [${p.shape}] don't match the data [${x.shape}]`;
      return [];
    },
    flops: (ins, _o, a) => numel(ins[1].shape) * (a.mixtures as number) * 40,
    grad: (b, n, g) => [b.op.dml_logp_grad([g, ...n.inputs], { mixtures: n.attrs.mixtures, bits: n.attrs.bits }), null],
    lower: perExampleSum(1, (x) => x.shape[1] * x.shape[2], (n, x) => (gen, kb, b, i) => dmlTerm(gen, kb, n, x, b, i)),
    torch: (c) => `dml_logp(${c.data(0)}, ${c.data(1)}, mixtures=${attrNum(c.node, 'mixtures')}, bits=${attrNum(c.node, 'bits')})`,
  },
  dml_mode: {
    ...reduces,
    shape: (ins, a) => {
      const m = a.mixtures as number, [pc, h, w] = ins[0].shape;
      const c = (pc / m - 1) / 3;
      return Number.isInteger(c) && c >= 1 ? [c, h, w] : `${pc} channels are not the parameters of a ${m}-component DML`;
    },
    flops: (ins) => numel(ins[0].shape),
    grad: noGrad,
    lower: perElement((_st, gen, n, b, j) => dmlModeValue(gen, gen.kb, n, b, j)),
    torch: (c) => `dml_mode(${c.data(0)}, mixtures=${attrNum(c.node, 'mixtures')})`,
  },
  dl_logp: {
    ...reduces,
    shape: (ins) => (ins[0].shape.join() === ins[2].shape.join() ? [] : `means [${ins[0].shape}] don't match the data [${ins[2].shape}]`),
    flops: (ins) => 20 * numel(ins[0].shape),
    grad: (b, n, g) => {
      const at = (wrt: string) => b.op.dl_logp_grad([g, ...n.inputs], { bits: n.attrs.bits, wrt });
      return [at('mean'), at('logscale'), null];
    },
    lower: perExampleSum(2, (x) => numel(x.shape), (n) => (gen, kb, b, i) => dlTerm(gen, kb, n, b, i)),
    torch: (c) => `dl_logp(${c.data(0)}, ${c.ins[1].expr}, ${c.data(2)}, bits=${attrNum(c.node, 'bits')})`,
  },
  dl_mode: {
    batch: 'operands',
    fusion: 'map',
    shape: (ins) => ins[0].shape,
    flops: (ins) => numel(ins[0].shape),
    grad: noGrad,
    lower: { inline: (c) => c.let(`clamp(${c.arg(0)}, ${f32(DL_MEAN_LO)}, ${f32(DL_MEAN_HI)})`) },
    torch: (c) => `torch.clamp(${c.data(0)}, DL_LO, DL_HI)`,
  },
  bernoulli_logp: {
    ...reduces,
    shape: (ins) => (ins[0].shape.join() === ins[1].shape.join() ? [] : `logits [${ins[0].shape}] don't match the data [${ins[1].shape}]`),
    flops: (ins) => 8 * numel(ins[0].shape),
    grad: (b, n, g) => {
      const [l, x] = n.inputs;
      const ge = b.op.expand([g], { shape: b.node(l).shape });
      return [b.op.mul([ge, b.op.sub([x, b.op.sigmoid([l])])]), null];
    },
    lower: perExampleSum(1, (x) => numel(x.shape), (n) => (gen, kb, b, i) => bernoulliTerm(gen, kb, n, b, i)),
    torch: (c) => `bernoulli_logp(${c.data(0)}, ${c.data(1)})`,
  },
} satisfies Partial<Record<OpName, OpEntry>>;
