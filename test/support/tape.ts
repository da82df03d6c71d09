// The tests' oracle for compiler/autodiff: a hand-written reverse-mode tape over the IR on the CPU,
// independent of the differentiated graph the product trains with. It runs the graph keeping every
// value, then walks the nodes backwards with one vector-Jacobian rule per op (the kernels'
// backward functions where there is one). Gradients of unbatched operands of batched ops are
// summed over the batch. test/runtime/cpu/backward.test.ts checks it against finite differences.
import { GRAD_OPS, numel, type IrGraph, type IrNode, type OpName } from '../../runtime/ir.js';
import { type Arr, type Shape4, convMask, dmlLogProbBackward, linearBackward, sigmoidScalar, type SweepDirection } from '../../runtime/cpu/kernels/index.js';
import { evaluate, InterpreterError, where, type RunEnv } from '../../runtime/cpu/interpreter.js';
import { attrNum, bIndex, gruOf, layoutIndex, shape4, tile, type Val } from '../../runtime/cpu/ops.js';
import { bernoulliLogProbBackward, conv2dBackward, convTranspose2dBackward, dlLogProbBackward, eluBackward, gruCellBackward, sdnSweepBackward, sigmoidBackward, softplusBackward, tanhBackward } from './backward-kernels.js';

export interface BackCtx {
  node: IrNode;
  rows: number;
  inShapes: number[][];
  /** The node's forward value. */
  out: Arr;
  alloc(n: number): Arr;
}

/**
 * Gradients w.r.t. each input given the upstream gradient g (rows × the node's shape): at the
 * input's size, or at `rows` copies of an unbatched input (the caller sums them); null for none.
 */
export type BackwardFn = (g: Arr, ins: Val[], ctx: BackCtx) => (Arr | null)[];

export interface Gradients<T extends Arr = Float32Array> {
  /** By compiler path; zeros for parameters the seeded outputs don't depend on. */
  params: Map<string, T>;
  /** By input name (batch × the input's shape). */
  inputs: Record<string, T>;
}

const none: BackwardFn = (_g, ins) => ins.map(() => null);
const notDifferentiable: BackwardFn = (_g, _i, ctx) => {
  throw new Error(`'${ctx.node.op}' is a gradient op; differentiate the forward graph instead`);
};

function pointwise(f: (g: number, x: number, y: number) => number): BackwardFn {
  return (g, [x], ctx) => {
    const d = ctx.alloc(g.length);
    for (let i = 0; i < g.length; i++) d[i] = f(g[i], x.data[i], ctx.out[i]);
    return [d];
  };
}

/** f(g, a, b) → [∂/∂a, ∂/∂b] of one element, accumulated through the same broadcasting as the forward. */
function binary(f: (g: number, a: number, b: number) => [number, number]): BackwardFn {
  return (g, [a, b], ctx) => {
    const per = numel(ctx.node.shape), pa = numel(ctx.inShapes[0]), pb = numel(ctx.inShapes[1]);
    const da = ctx.alloc(a.data.length), db = ctx.alloc(b.data.length);
    for (let r = 0; r < ctx.rows; r++) {
      for (let j = 0; j < per; j++) {
        const ia = bIndex(a, pa, r, j), ib = bIndex(b, pb, r, j);
        const [ga, gb] = f(g[r * per + j], a.data[ia], b.data[ib]);
        da[ia] += ga;
        db[ib] += gb;
      }
    }
    return [da, db];
  };
}

const layout: BackwardFn = (g, [x], ctx) => {
  const idx = layoutIndex(ctx.node, ctx.inShapes[0]), inPer = numel(ctx.inShapes[0]);
  const d = ctx.alloc(x.rows * inPer);
  for (let r = 0; r < x.rows; r++) {
    for (let k = 0; k < idx.length; k++) if (idx[k] >= 0) d[r * inPer + idx[k]] += g[r * idx.length + k];
  }
  return [d];
};

const conv2dRule: BackwardFn = (g, [x, w], ctx) => {
  const ws = ctx.inShapes[1] as Shape4;
  const mask = ctx.node.attrs.mask ? convMask(ctx.node.attrs.mask as 'A' | 'B', ...ws) : null;
  const r = conv2dBackward(g, tile(x, ctx.rows), shape4(ctx.rows, ctx.inShapes[0]), w.data, ws,
    attrNum(ctx.node, 'stride'), attrNum(ctx.node, 'padding'), mask);
  return [r.dx, r.dw, r.dbias];
};

export const BACKWARD: Record<OpName, BackwardFn> = {
  input: none, param: none, const: none, scalar_input: none, noise: none,
  conv2d: conv2dRule,
  conv_transpose2d: (g, [x, w], ctx) => {
    const r = convTranspose2dBackward(g, tile(x, ctx.rows), shape4(ctx.rows, ctx.inShapes[0]), w.data, ctx.inShapes[1] as Shape4,
      attrNum(ctx.node, 'stride'), attrNum(ctx.node, 'padding'));
    return [r.dx, r.dw, r.dbias];
  },
  linear: (g, [x, w], ctx) => {
    const r = linearBackward(g, tile(x, ctx.rows), ctx.rows, ctx.inShapes[0][0], w.data, ctx.node.shape[0]);
    return [r.dx, r.dw, r.dbias];
  },
  sdn_sweep: (g, ins, ctx) => {
    const r = sdnSweepBackward(g, tile(ins[0], ctx.rows), shape4(ctx.rows, ctx.inShapes[0]), gruOf(ins, 1),
      attrNum(ctx.node, 'direction') as SweepDirection);
    return [r.dx, r.dwIh, r.dwHh, r.dbIh, r.dbHh];
  },
  gru_cell: (g, ins, ctx) => {
    const r = gruCellBackward(g, tile(ins[0], ctx.rows), tile(ins[1], ctx.rows), ctx.rows, gruOf(ins, 2));
    return [r.dx, r.dh, r.dwIh, r.dwHh, r.dbIh, r.dbHh];
  },
  neg: pointwise((g) => -g),
  exp: pointwise((g, _x, y) => g * y),
  log: pointwise((g, x) => g / x),
  tanh: (g, _i, ctx) => [tanhBackward(g, ctx.out)],
  sigmoid: (g, _i, ctx) => [sigmoidBackward(g, ctx.out)],
  elu: (g, [x]) => [eluBackward(g, x.data)],
  silu: pointwise((g, x) => g * sigmoidScalar(x) * (1 + x * (1 - sigmoidScalar(x)))),
  relu: pointwise((g, x) => (x > 0 ? g : 0)),
  softplus: (g, [x]) => [softplusBackward(g, x.data)],
  square: pointwise((g, x) => 2 * x * g),
  add: binary((g) => [g, g]),
  sub: binary((g) => [g, -g]),
  mul: binary((g, a, b) => [g * b, g * a]),
  div: binary((g, a, b) => [g / b, (-g * a) / (b * b)]),
  // As torch.maximum: a tie splits the gradient evenly.
  max: binary((g, a, b) => (a > b ? [g, 0] : a < b ? [0, g] : [g / 2, g / 2])),
  slice_channels: (g, [x], ctx) => {
    const [c] = ctx.inShapes[0], inner = numel(ctx.inShapes[0]) / c;
    const start = attrNum(ctx.node, 'start'), size = attrNum(ctx.node, 'size');
    const d = ctx.alloc(x.rows * c * inner);
    for (let r = 0; r < x.rows; r++) d.set(g.subarray(r * size * inner, (r + 1) * size * inner), (r * c + start) * inner);
    return [d];
  },
  concat_channels: (g, ins, ctx) => {
    const per = numel(ctx.node.shape);
    let off = 0;
    return ins.map((_v, k) => {
      const n = numel(ctx.inShapes[k]);
      const d = ctx.alloc(ctx.rows * n);
      for (let r = 0; r < ctx.rows; r++) d.set(g.subarray(r * per + off, r * per + off + n), r * n);
      off += n;
      return d;
    });
  },
  pad2d: layout, crop2d: layout, upsample_nearest: layout, downsample_nearest: layout,
  reshape: (g) => [g],
  expand: (g, _i, ctx) => {
    const C = ctx.inShapes[0][0] ?? 1, inner = numel(ctx.node.shape) / C;
    const d = ctx.alloc(ctx.rows * C);
    for (let k = 0; k < ctx.rows * C; k++) {
      let s = 0;
      for (let j = 0; j < inner; j++) s += g[k * inner + j];
      d[k] = s;
    }
    return [d];
  },
  sum_per_example: (g, [x], ctx) => {
    const per = numel(ctx.inShapes[0]);
    const d = ctx.alloc(x.rows * per);
    for (let r = 0; r < x.rows; r++) d.fill(g[r], r * per, (r + 1) * per);
    return [d];
  },
  // out = kl + (max(mean(kl), λ) − mean(kl)) / n with Python's max: while mean(kl) ≥ λ the two means
  // cancel; once λ wins, only −mean(kl)/n carries gradient, −1/n² to every example.
  free_bits: (g, [kl], ctx) => {
    const n = kl.rows;
    let mean = 0, gsum = 0;
    for (let r = 0; r < n; r++) {
      mean += kl.data[r] / n;
      gsum += g[r];
    }
    const shift = attrNum(ctx.node, 'lambda') > mean ? -gsum / (n * n) : 0;
    const d = ctx.alloc(n);
    for (let r = 0; r < n; r++) d[r] = g[r] + shift;
    return [d];
  },
  dml_logp: (g, [p, x], ctx) =>
    [dmlLogProbBackward(g, tile(p, ctx.rows), tile(x, ctx.rows), shape4(ctx.rows, ctx.inShapes[1]), attrNum(ctx.node, 'mixtures'), attrNum(ctx.node, 'bits')), null],
  dml_mode: none,
  dl_logp: (g, [m, ls, x], ctx) => {
    const r = dlLogProbBackward(g, tile(m, ctx.rows), ls.data[0], tile(x, ctx.rows), [ctx.rows, ...ctx.inShapes[2]], attrNum(ctx.node, 'bits'));
    const dls = ctx.alloc(1);
    dls[0] = r.dLogscale;
    return [r.dMean, dls, null];
  },
  dl_mode: none,
  bernoulli_logp: (g, [l, x], ctx) => [bernoulliLogProbBackward(g, tile(l, ctx.rows), tile(x, ctx.rows), [ctx.rows, ...ctx.inShapes[1]]), null],
  ...(Object.fromEntries(GRAD_OPS.map((op) => [op, notDifferentiable])) as Record<(typeof GRAD_OPS)[number], BackwardFn>),
};

/**
 * Gradients of Σ_outputs ⟨output, seeds[output]⟩ w.r.t. every parameter and input. Outputs without
 * a seed contribute nothing; a seed for an unknown output is an error.
 */
export function gradients<T extends Arr = Float32Array>(
  graph: IrGraph, env: RunEnv<T>, seeds: Record<string, ArrayLike<number>>,
): Gradients<T> {
  const Ctor = (env.dtype ?? Float32Array) as new (n: number) => T;
  const values = evaluate(graph, env, true) as Val[];
  const grads: (Arr | undefined)[] = new Array(graph.nodes.length);
  const accumulate = (id: number, d: ArrayLike<number>) => {
    const acc = grads[id];
    if (!acc) {
      const copy = new Ctor(d.length);
      copy.set(d);
      grads[id] = copy;
    } else {
      for (let i = 0; i < acc.length; i++) acc[i] += d[i];
    }
  };
  for (const [name, seed] of Object.entries(seeds)) {
    const out = graph.outputs.find((o) => o.name === name);
    if (!out) throw new Error(`gradients: no output '${name}' (outputs: ${graph.outputs.map((o) => o.name).join(', ')})`);
    const n = values[out.node].data.length;
    if (seed.length !== n) throw new Error(`gradients: the seed for '${name}' has ${seed.length} values, the output has ${n}`);
    accumulate(out.node, seed);
  }
  for (let k = graph.nodes.length - 1; k >= 0; k--) {
    const g = grads[k];
    if (!g) continue;
    const node = graph.nodes[k];
    const rule = BACKWARD[node.op];
    if (!rule) throw new InterpreterError(node, `no gradient rule for op '${node.op}'`);
    const ins = node.inputs.map((i) => values[i]);
    const ctx: BackCtx = {
      node, rows: values[k].rows, inShapes: node.inputs.map((i) => graph.nodes[i].shape), out: values[k].data,
      alloc: (n) => new Ctor(n),
    };
    let dins: (Arr | null)[];
    try {
      dins = rule(g, ins, ctx);
    } catch (e) {
      throw new InterpreterError(node, `backward: ${(e as Error).message}`);
    }
    dins.forEach((d, i) => {
      if (d) accumulate(node.inputs[i], sumRows(d, ins[i].data.length, node));
    });
  }
  const zeros = (id: number | undefined, n: number) => (id !== undefined && grads[id] ? (grads[id] as T) : new Ctor(n));
  const paramNode = new Map(graph.nodes.filter((n) => n.op === 'param').map((n) => [n.attrs.path as string, n.id]));
  const params = new Map(graph.params.map((p) => [p.path, zeros(paramNode.get(p.path), numel(p.shape))]));
  const inputs: Record<string, T> = {};
  for (const i of graph.inputs) inputs[i.name] = zeros(i.node, env.batch * numel(i.shape));
  return { params, inputs };
}

/** d at n values: as is, or summed over the rows an unbatched operand was repeated into. */
function sumRows(d: Arr, n: number, node: IrNode): Arr {
  if (d.length === n) return d;
  if (n === 0 || d.length % n !== 0) throw new Error(`${where(node)}: backward produced ${d.length} values for an operand of ${n}`);
  const out = new (d.constructor as new (k: number) => Arr)(n);
  for (let i = 0; i < d.length; i++) out[i % n] += d[i];
  return out;
}
