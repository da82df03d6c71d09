// The CPU reference interpreter: runs an IR graph node by node with the verified kernels. It is
// the project's oracle for the WebGPU backend, so it favours clarity and checked shapes over speed.
// Values are Float32Array by default; `dtype: Float64Array` runs the whole graph in float64
// (gradient checks).
import { numel, type IrGraph, type IrNode } from '../ir.js';
import type { Arr } from './kernels/index.js';
import { GRAD_FORWARD, SUMS_BATCH } from './grad-ops.js';
import { FORWARD, type ForwardFn, type OpCtx, type Val } from './ops.js';

export type { Val } from './ops.js';

/** Noise for a `noise` node: batch × shape standard-normal values for the named stream. */
const IMPLEMENTATIONS: Record<IrNode['op'], ForwardFn> = { ...FORWARD, ...GRAD_FORWARD };

export type NoiseFn = (stream: string, shape: number[], batch: number) => ArrayLike<number>;

export interface RunEnv<T extends Arr = Float32Array> {
  batch: number;
  /** Parameter values by compiler path (IrParam.path), each of exactly the parameter's shape. */
  params: Map<string, ArrayLike<number>>;
  /** Input values by name, batch × the input's shape. */
  inputs: Record<string, ArrayLike<number>>;
  /** Per-call scalars (`temperature`, `beta`). */
  scalars?: Record<string, number>;
  noise?: NoiseFn;
  /** Element type of every value (default Float32Array). */
  dtype?: new (n: number) => T;
}

export interface RunResult<T extends Arr = Float32Array> {
  /** By output name: batch × the output's shape (just the shape for an unbatched output). */
  outputs: Record<string, T>;
  /** Every node's value by node id, when run with `keepValues`. */
  values?: Val[];
}

export class InterpreterError extends Error {
  constructor(readonly node: IrNode, message: string) {
    super(`${where(node)}: ${message}`);
    this.name = 'InterpreterError';
  }
}

/** `op (node id) at file:line:col` for error messages. */
export function where(node: IrNode): string {
  const s = node.source;
  return `${node.op} (node ${node.id})${s ? ` at ${s.file}:${s.line}:${s.col}` : ''}`;
}

export function runGraph<T extends Arr = Float32Array>(
  graph: IrGraph, env: RunEnv<T>, opts: { keepValues?: boolean } = {},
): RunResult<T> {
  const values = evaluate(graph, env, opts.keepValues ?? false);
  const outputs: Record<string, T> = {};
  for (const o of graph.outputs) outputs[o.name] = values[o.node]!.data as T;
  return opts.keepValues ? { outputs, values: values as Val[] } : { outputs };
}

/** Runs every node; unless keepAll, drops each value after its last use (outputs stay). */
export function evaluate<T extends Arr>(graph: IrGraph, env: RunEnv<T>, keepAll: boolean): (Val | undefined)[] {
  if (!Number.isInteger(env.batch) || env.batch < 1) throw new Error(`runGraph: batch must be a positive integer, got ${env.batch}`);
  const Ctor = (env.dtype ?? Float32Array) as new (n: number) => Arr;
  const lastUse = new Int32Array(graph.nodes.length).fill(-1);
  for (const n of graph.nodes) for (const i of n.inputs) lastUse[i] = Math.max(lastUse[i], n.id);
  for (const o of graph.outputs) lastUse[o.node] = graph.nodes.length;
  const values: (Val | undefined)[] = new Array(graph.nodes.length);
  graph.nodes.forEach((node, k) => {
    if (node.id !== k) throw new Error(`runGraph: node ${k} has id ${node.id} (ids must be positions)`);
    values[k] = { data: runNode(graph, node, values, env, Ctor), rows: node.batched ? env.batch : 1 };
    if (!keepAll) for (const i of new Set(node.inputs)) if (lastUse[i] === k) values[i] = undefined;
  });
  return values;
}

function runNode(graph: IrGraph, node: IrNode, values: (Val | undefined)[], env: RunEnv<Arr>, Ctor: new (n: number) => Arr): Arr {
  const fail = (msg: string): never => {
    throw new InterpreterError(node, msg);
  };
  const impl = IMPLEMENTATIONS[node.op];
  if (!impl) fail(`the CPU interpreter has no implementation of op '${node.op}'`);
  const ins = node.inputs.map((i) => {
    if (!(i >= 0 && i < node.id)) fail(`input node ${i} is not computed before this node`);
    return values[i] ?? fail(`input node ${i} has no value`);
  });
  const rows = node.batched ? env.batch : 1;
  const ctx: OpCtx = {
    node, batch: env.batch, rows,
    inShapes: node.inputs.map((i) => graph.nodes[i].shape),
    alloc: (n) => new Ctor(n),
    adopt: (src) => {
      if (src instanceof Ctor) return src as Arr;
      const a = new Ctor(src.length);
      a.set(src);
      return a;
    },
    readInput: (name) => env.inputs[name],
    readParam: (path) => env.params.get(path),
    drawNoise: (stream, shape) => env.noise?.(stream, shape, env.batch),
    readScalar: (name) => env.scalars?.[name],
    fail,
  };
  for (const [k, v] of ins.entries()) {
    const want = numel(ctx.inShapes[k]);
    if (v.data.length !== v.rows * want) fail(`operand ${k} has ${v.data.length} values, expected ${v.rows} × ${want}`);
    if (v.rows !== 1 && v.rows !== rows && !SUMS_BATCH.includes(node.op)) fail(`operand ${k} is batched but the node is not`);
  }
  let out: Arr;
  try {
    out = impl(ins, ctx);
  } catch (e) {
    if (e instanceof InterpreterError) throw e;
    return fail((e as Error).message);
  }
  const expected = rows * numel(node.shape);
  if (out.length !== expected) fail(`produced ${out.length} values, expected ${rows} × [${node.shape}]`);
  return out;
}
