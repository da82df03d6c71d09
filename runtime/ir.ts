// The IR both executors run: a DAG of tensor ops with static shapes, plus the parameters.
// Activations are batched: `shape` is the per-example shape and the batch is an implicit
// leading dimension, bound when the graph runs. Nodes with `batched: false` (parameters,
// scalar constants) have exactly `shape`.
// This file is shared by the compiler (which builds graphs) and the runtime (which runs them),
// so it imports nothing from either.

export interface SourceRef {
  file: string;
  line: number;
  col: number;
}

export type OpName =
  // sources
  | 'input' | 'param' | 'const' | 'scalar_input' | 'noise'
  // dense layers
  | 'conv2d' | 'conv_transpose2d' | 'linear'
  // the SDN sweep: a scan over the lines of a map in one of four directions
  | 'sdn_sweep' | 'gru_cell'
  // elementwise
  | 'neg' | 'exp' | 'log' | 'tanh' | 'sigmoid' | 'elu' | 'silu' | 'relu' | 'softplus' | 'square'
  | 'add' | 'sub' | 'mul' | 'div' | 'max'
  // layout (views where the backend can make them so)
  | 'slice_channels' | 'concat_channels' | 'pad2d' | 'crop2d' | 'upsample_nearest' | 'downsample_nearest'
  | 'reshape' | 'expand'
  // reductions and likelihoods, per example
  | 'sum_per_example' | 'free_bits' | 'dml_logp' | 'dml_mode' | 'dl_logp' | 'dl_mode' | 'bernoulli_logp'
  | GradOp;

/**
 * Ops only reverse-mode differentiation (compiler/autodiff) emits: adjoints of forward ops. They
 * are not themselves differentiated. Semantics: compiler/ops/grad.ts.
 */
export const GRAD_OPS = [
  'step', 'pad_channels', 'sum_pool', 'dilate', 'batch_sum', 'channel_sum',
  'conv2d_grad_weight', 'conv_transpose2d_grad_weight', 'linear_grad_weight',
  'sweep_grad', 'sweep_grad_wih', 'free_bits_grad', 'dml_logp_grad', 'dl_logp_grad',
] as const;
export type GradOp = (typeof GRAD_OPS)[number];

/** The image likelihoods, by op: what an ELBO's data term is (and so how its data is scaled). */
export const LIKELIHOOD_OPS = { dml_logp: 'DML', dl_logp: 'DL', bernoulli_logp: 'Bernoulli' } as const satisfies Partial<Record<OpName, string>>;

type OpOf = Pick<IrNode, 'op'>;
/** The sources tools and executors single out, so that only this file names them. */
export const isInput = (n: OpOf) => n.op === 'input';
export const isParam = (n: OpOf) => n.op === 'param';
export const isConst = (n: OpOf) => n.op === 'const';
export const isScalarInput = (n: OpOf) => n.op === 'scalar_input';
export const isNoise = (n: OpOf) => n.op === 'noise';
/** Node n made an input named `name` of its shape (a value then fed from outside, such as a chosen latent code). */
export const asInput = (n: IrNode, name: string): IrNode => ({ ...n, op: 'input', inputs: [], attrs: { name, shape: n.shape } });
/** A slice of whole channels (attrs start, size) of its one operand. */
export const isChannelSlice = (n: OpOf) => n.op === 'slice_channels';

/**
 * The mean of a reparameterized Gaussian sample, which the compiler emits as add(mean, mul(ε, std))
 * with ε a noise node of stream `rsample` or `<module>.rsample`: node n's mean operand, or
 * undefined when n is no such sample.
 */
export function reparameterizedMean(nodes: readonly IrNode[], n: IrNode): IrNode | undefined {
  if (n.op !== 'add') return undefined;
  const [mean, scaled] = n.inputs.map((i) => nodes[i]);
  const isEps = (i: number) => isNoise(nodes[i]) && /(^|\.)rsample$/.test(String(nodes[i].attrs.stream));
  return scaled.op === 'mul' && scaled.inputs.some(isEps) ? mean : undefined;
}

export type Attr = number | string | boolean | number[];

export interface IrNode {
  id: number;
  op: OpName;
  inputs: number[];
  attrs: Record<string, Attr>;
  shape: number[];
  batched: boolean;
  /** The module (row of `layers`) this node was created in, -1 for model-level glue. */
  layer: number;
  source?: SourceRef;
}

export type Init =
  | { kind: 'orthogonal' }
  | { kind: 'normal'; std: number }
  | { kind: 'uniform'; bound: number }
  | { kind: 'zeros' };

export interface IrParam {
  /** The compiler's own path, e.g. `ladder_layers.3.down_a.sdn.sweep.0.w_ih`. */
  path: string;
  /** The authors' PyTorch state_dict name for the same tensor. */
  torch: string;
  shape: number[];
  init: Init;
  layer: number;
}

export interface IrLayer {
  path: string;
  kind: string;
  depth: number;
  attrs: Record<string, Attr>;
  outShape?: number[];
  outBatched?: boolean;
  source?: SourceRef;
}

export interface IrGraph {
  mode: 'elbo' | 'sample';
  nodes: IrNode[];
  params: IrParam[];
  layers: IrLayer[];
  inputs: { name: string; node: number; shape: number[] }[];
  outputs: { name: string; node: number }[];
  /** In a differentiated graph: the first node of the backward pass (the forward nodes come before it). */
  backwardFrom?: number;
}

/** The input a differentiated graph takes ∂L/∂output from, and the output it gives ∂L/∂(param or input) in. */
export const seedInput = (output: string) => `seed:${output}`;
export const gradOutput = (of: string) => `grad:${of}`;

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
