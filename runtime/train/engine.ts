// The trainer's view of a backward pass: the per-image training loss, ELBO and KL of a batch and
// the gradients of mean(loss) w.r.t. every parameter (by compiler path, the materialized weights
// w, not weight-norm g/v). GraphGradientEngine (graph-engine.ts) implements it on any backend;
// tests plug in wrappers (a poisoned gradient) behind the same interface.

export interface LossAndGrads {
  /** Per image (nats): the training objective, free bits / β included. */
  loss: Float32Array;
  elbo: Float32Array;
  kl: Float32Array;
  /** ∂ mean(loss) / ∂ parameter, by compiler path. */
  grads: Map<string, Float32Array>;
}

export interface GradientOptions {
  /** Philox seed of the posterior noise (session.ts's noiseFor convention). */
  seed: number;
  /** The runtime scalar `beta` of β-VAE models (ignored by models without it). */
  beta?: number;
}

export interface GradientEngine {
  describe(): string;
  lossAndGrads(params: Map<string, Float32Array>, x: Float32Array, opts: GradientOptions): Promise<LossAndGrads>;
}
