// The GradientEngine of a differentiated graph (CompiledModel.graphs.train): one run of it gives
// the batch's loss, ELBO and KL and every parameter's gradient, on whichever backend runs it —
// fused WGSL kernels on WebGPU, or node by node on the CPU reference interpreter. It is the only
// training engine: tests hold its gradients equal to a hand-written tape (test/support/tape.ts,
// itself checked against finite differences). The loss is seeded with 1/B per image, so the
// gradients are those of mean(loss).
import { gradOutput, numel, seedInput } from '../ir.js';
import type { GraphProgram } from '../program.js';
import type { Backend, GraphRunner } from '../session.js';
import type { GradientEngine, GradientOptions, LossAndGrads } from './engine.js';

export class GraphGradientEngine implements GradientEngine {
  private readonly image: GraphProgram['inputs'][number];
  private runner?: { batch: number; runner: GraphRunner };

  constructor(private readonly backend: Backend, private readonly program: GraphProgram) {
    const missing = ['loss', 'elbo', 'kl'].filter((o) => !program.outputs.some((p) => p.name === o));
    if (missing.length) throw new Error(`training needs a graph with outputs loss, elbo and kl; this one lacks ${missing.join(', ')}`);
    const images = program.inputs.filter((i) => i.name !== seedInput('loss'));
    if (images.length !== 1 || images.length === program.inputs.length) {
      throw new Error(`training expects a differentiated graph with one image input and the seed ${seedInput('loss')}; inputs: ${program.inputs.map((i) => i.name).join(', ')}`);
    }
    this.image = images[0];
  }

  describe(): string {
    // The interpreter runs the IR's nodes; the other backends run the lowered kernels.
    const size = this.backend.name === 'cpu' ? `${this.program.ir.nodes.length} nodes` : `${this.program.kernels.length} kernels`;
    return `${this.backend.describe()}, differentiated graph (${size})`;
  }

  async lossAndGrads(params: Map<string, Float32Array>, x: Float32Array, opts: GradientOptions): Promise<LossAndGrads> {
    const batch = x.length / numel(this.image.shape);
    if (!Number.isInteger(batch) || batch < 1) throw new Error(`lossAndGrads: ${x.length} values are not a whole batch of [${this.image.shape}] images`);
    if (this.runner?.batch !== batch) {
      this.runner?.runner.destroy();
      this.runner = { batch, runner: await this.backend.prepare(this.program, batch) };
    }
    const { runner } = this.runner;
    runner.setParams(params);
    const out = await runner.run({
      inputs: { [this.image.name]: x, [seedInput('loss')]: new Float32Array(batch).fill(1 / batch) },
      scalars: { beta: opts.beta ?? 1 },
      seed: opts.seed,
    });
    const grads = new Map<string, Float32Array>();
    for (const p of this.program.ir.params) grads.set(p.path, out[gradOutput(p.path)] ?? new Float32Array(numel(p.shape)));
    return { loss: out.loss, elbo: out.elbo, kl: out.kl, grads };
  }

  destroy(): void {
    this.runner?.runner.destroy();
    this.runner = undefined;
  }
}
