// Running a compiled model: one facade over the two executors. The CPU backend runs the IR with
// the reference interpreter; the WebGPU backend runs the lowered kernels. Both draw noise from
// the same Philox streams (element i of the batch × shape noise tensor of stream S under seed s
// is normals(s, streamId(S))[i]), so a seed gives the same samples on both.
import type { CompiledModel, GraphProgram } from './program.js';
import { numel } from './ir.js';
import { runGraph } from './cpu/interpreter.js';
import { normals } from './rng/philox.js';
import { streamId } from './rng/streams.js';

export interface RunRequest {
  inputs: Record<string, Float32Array>;
  scalars?: Record<string, number>;
  seed: number;
}

export interface GraphRunner {
  run(req: RunRequest): Promise<Record<string, Float32Array>>;
  setParams(params: Map<string, Float32Array>): void;
  destroy(): void;
}

export interface Backend {
  readonly name: string;
  /** The adapter or machine, for reports. */
  describe(): string;
  prepare(program: GraphProgram, batch: number): Promise<GraphRunner>;
}

export const noiseFor = (seed: number) => (stream: string, shape: number[], batch: number) =>
  normals(seed, streamId(stream), 0, batch * numel(shape));

export const cpuBackend: Backend = {
  name: 'cpu',
  describe: () => 'CPU reference interpreter',
  async prepare(program, batch) {
    let params = new Map<string, Float32Array>();
    return {
      setParams: (p) => {
        params = new Map([...params, ...p]);
      },
      run: async (req) => runGraph(program.ir, { batch, params, inputs: req.inputs, scalars: req.scalars, noise: noiseFor(req.seed) }).outputs,
      destroy: () => undefined,
    };
  },
};

export interface ElboResult {
  logpx: Float32Array;
  kl: Float32Array;
  elbo: Float32Array;
  loss: Float32Array;
}

export class ModelSession {
  private readonly runners = new Map<string, GraphRunner>();
  private params = new Map<string, Float32Array>();

  constructor(readonly compiled: CompiledModel, readonly backend: Backend) {}

  setParams(params: Map<string, Float32Array>): void {
    this.params = params;
    for (const r of this.runners.values()) r.setParams(params);
  }

  private async runner(graph: 'elbo' | 'sample', batch: number): Promise<GraphRunner> {
    const key = `${graph}/${batch}`;
    let r = this.runners.get(key);
    if (!r) {
      r = await this.backend.prepare(this.compiled.graphs[graph], batch);
      r.setParams(this.params);
      this.runners.set(key, r);
    }
    return r;
  }

  /** Per-image log p(x|z), KL, ELBO and training loss (nats) for a batch of scaled images. */
  async elbo(x: Float32Array, opts: { seed: number; beta?: number }): Promise<ElboResult> {
    const input = this.compiled.graphs.elbo.inputs[0];
    const batch = x.length / numel(input.shape);
    if (!Number.isInteger(batch) || batch < 1) throw new Error(`elbo: ${x.length} values are not a whole batch of [${input.shape}] images`);
    const out = await (await this.runner('elbo', batch)).run({ inputs: { [input.name]: x }, scalars: { beta: opts.beta ?? 1 }, seed: opts.seed });
    return out as unknown as ElboResult;
  }

  /** `n` samples (the likelihood's most probable image given z drawn from the prior at `temperature`). */
  async sample(opts: { n: number; temperature: number; seed: number }): Promise<Float32Array> {
    const out = await (await this.runner('sample', opts.n)).run({ inputs: {}, scalars: { temperature: opts.temperature }, seed: opts.seed });
    return out.sample;
  }

  destroy(): void {
    for (const r of this.runners.values()) r.destroy();
    this.runners.clear();
  }
}
