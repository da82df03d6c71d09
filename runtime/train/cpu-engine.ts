// The CPU reference GradientEngine: the interpreter's forward pass and the IR's reverse-mode rules.
// It walks the graph as runtime/cpu/backward.ts's gradients() does, but keeps the forward
// outputs it already computed: gradients() alone would need a second forward for loss/ELBO/KL,
// which costs ~60% of a training step. A test checks the gradients equal gradients()'s bit for bit.
import { numel, type IrGraph } from '../ir.js';
import { BACKWARD, type BackCtx } from '../cpu/backward.js';
import { evaluate, InterpreterError, where, type RunEnv, type Val } from '../cpu/interpreter.js';
import type { Arr } from '../cpu/kernels/index.js';
import { noiseFor } from '../session.js';
import type { GradientEngine, GradientOptions, LossAndGrads } from './engine.js';

export class CpuGradientEngine implements GradientEngine {
  private readonly input: IrGraph['inputs'][number];

  constructor(readonly graph: IrGraph) {
    for (const name of ['loss', 'elbo', 'kl']) {
      if (!graph.outputs.some((o) => o.name === name)) {
        throw new Error(`training needs an ELBO graph with outputs loss, elbo and kl; this one has ${graph.outputs.map((o) => o.name).join(', ')}`);
      }
    }
    if (graph.inputs.length !== 1) throw new Error(`training expects one image input, the graph has ${graph.inputs.length}`);
    this.input = graph.inputs[0];
  }

  describe(): string {
    return 'CPU reference engine (interpreter forward + IR reverse mode)';
  }

  async lossAndGrads(params: Map<string, Float32Array>, x: Float32Array, opts: GradientOptions): Promise<LossAndGrads> {
    const per = numel(this.input.shape);
    const batch = x.length / per;
    if (!Number.isInteger(batch) || batch < 1) throw new Error(`lossAndGrads: ${x.length} values are not a whole batch of [${this.input.shape}] images`);
    const env: RunEnv = {
      batch, params, inputs: { [this.input.name]: x }, scalars: { beta: opts.beta ?? 1 }, noise: noiseFor(opts.seed),
    };
    const seed = new Float32Array(batch).fill(1 / batch);
    return backward(this.graph, env, seed);
  }
}

function backward(graph: IrGraph, env: RunEnv, lossSeed: Float32Array): LossAndGrads {
  const values = evaluate(graph, env, true) as Val[];
  const out = (name: string) => values[graph.outputs.find((o) => o.name === name)!.node].data as Float32Array;
  const grads: (Arr | undefined)[] = new Array(graph.nodes.length);
  const accumulate = (id: number, d: Arr) => {
    const acc = grads[id];
    if (!acc) grads[id] = Float32Array.from(d);
    else for (let i = 0; i < acc.length; i++) acc[i] += d[i];
  };
  accumulate(graph.outputs.find((o) => o.name === 'loss')!.node, lossSeed);
  for (let k = graph.nodes.length - 1; k >= 0; k--) {
    const g = grads[k];
    if (!g) continue;
    const node = graph.nodes[k];
    const ins = node.inputs.map((i) => values[i]);
    const ctx: BackCtx = {
      node, rows: values[k].rows, inShapes: node.inputs.map((i) => graph.nodes[i].shape), out: values[k].data,
      alloc: (n) => new Float32Array(n),
    };
    let dins: (Arr | null)[];
    try {
      dins = BACKWARD[node.op](g, ins, ctx);
    } catch (e) {
      throw new InterpreterError(node, `backward: ${(e as Error).message}`);
    }
    dins.forEach((d, i) => {
      if (d) accumulate(node.inputs[i], sumRows(d, ins[i].data.length, where(node)));
    });
    // Activations are not needed once their gradient has been propagated.
    if (node.op !== 'param') grads[k] = undefined;
  }
  const paramNode = new Map(graph.nodes.filter((n) => n.op === 'param').map((n) => [n.attrs.path as string, n.id]));
  const params = new Map<string, Float32Array>();
  for (const p of graph.params) {
    const id = paramNode.get(p.path);
    params.set(p.path, (id !== undefined ? grads[id] as Float32Array | undefined : undefined) ?? new Float32Array(numel(p.shape)));
  }
  return { loss: out('loss'), elbo: out('elbo'), kl: out('kl'), grads: params };
}

/** d at n values: as is, or summed over the rows an unbatched operand was repeated into. */
function sumRows(d: Arr, n: number, at: string): Arr {
  if (d.length === n) return d;
  if (n === 0 || d.length % n !== 0) throw new Error(`${at}: backward produced ${d.length} values for an operand of ${n}`);
  const out = new Float32Array(n);
  for (let i = 0; i < d.length; i++) out[i % n] += d[i];
  return out;
}
