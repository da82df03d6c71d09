// The training loop: seeded mini-batches, one Adamax step per batch on mean(loss) through the
// weight-norm reparameterization, EMA, the NaN guard, periodic evaluation of the EMA weights and
// sample grids. Everything a step depends on (data position, noise seed, optimizer and EMA state,
// β) is in TrainState, so a run restored from a checkpoint continues exactly as it would have.
// Browser-safe: files and signals are the caller's (hooks).
import { batchIterator, scaleBatch, toPixels, type Batch, type Dataset } from '../data/batches.js';
import { imageGrid, type ImageGrid } from '../image/grid.js';
import { initParams } from '../init.js';
import { likelihoodOf, type LikelihoodKind } from '../likelihood.js';
import { isScalarInput, type IrGraph } from '../ir.js';
import type { CompiledModel } from '../program.js';
import { ModelSession, type Backend } from '../session.js';
import { Adamax, type AdamaxState } from './adamax.js';
import { Ema } from './ema.js';
import type { GradientEngine } from './engine.js';
import { evaluateLikelihood, type EvalResult } from './evaluate.js';
import { clipGradNorm, globalNorm } from './grad-norm.js';
import { NanGuard } from './guard.js';
import { exponentialLr, nextBeta, noiseSeed } from './schedule.js';
import { weightNormFor, type WeightNorm } from './weight-norm.js';

export interface Recipe {
  steps: number;
  batch: number;
  lr: number;
  /** ExponentialLR γ, applied once per epoch. */
  lrDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** EMA decay (0: evaluate the raw weights). */
  ema: number;
  weightNorm: boolean;
  /** Evaluate, sample and checkpoint every this many steps (0: only at the end). */
  evalEvery: number;
  evalImages: number;
  evalBatch: number;
  /** Also evaluate the raw (non-EMA) weights at each evaluation. */
  evalRaw: boolean;
  /** Seeds the init, the data order and every noise draw. */
  seed: number;
  /** Global gradient-norm clipping (0: off, as the authors). */
  clipGrad: number;
  /** β-VAE models: final β and the per-step annealing rate (1: no annealing). */
  betaFinal: number;
  betaRate: number;
  /** Sample grid size at each evaluation (0: none) and the prior temperature. */
  samples: number;
  temperature: number;
  maxBadSteps: number;
}

export const DEFAULT_RECIPE: Recipe = {
  steps: 1000, batch: 32, lr: 0.002, lrDecay: 0.999, beta1: 0.9, beta2: 0.999, eps: 1e-8, ema: 0.999, weightNorm: true,
  evalEvery: 100, evalImages: 500, evalBatch: 32, evalRaw: false, seed: 0, clipGrad: 0, betaFinal: 1, betaRate: 1,
  samples: 16, temperature: 1, maxBadSteps: 5,
};

/**
 * The authors' two recipes. Density VAEs (their main experiments) train with weight norm, an EMA
 * of the weights and exponential lr decay; their DisentanglementVAE (the β-VAEs) with plain
 * Adamax: no weight norm, no EMA, no lr decay. Everything else is DEFAULT_RECIPE in both.
 */
export const RECIPE_PRESETS = {
  'density-vae': { weightNorm: true, ema: 0.999, lrDecay: 0.999 },
  'beta-vae': { weightNorm: false, ema: 0, lrDecay: 1 },
} as const satisfies Record<string, Pick<Recipe, 'weightNorm' | 'ema' | 'lrDecay'>>;
export type RecipePreset = keyof typeof RECIPE_PRESETS;

/** A model's default preset: beta-vae when its loss takes a `beta` runtime scalar, else density-vae. */
export function presetFor(model: CompiledModel): RecipePreset {
  return presetForGraph(model.graphs.elbo.ir);
}

/** presetFor from the model's ELBO graph alone. */
export function presetForGraph(elbo: IrGraph): RecipePreset {
  return elbo.nodes.some((n) => isScalarInput(n) && n.attrs.name === 'beta') ? 'beta-vae' : 'density-vae';
}

export function recipeDefaults(model: CompiledModel, preset: RecipePreset = presetFor(model)): Recipe {
  return recipeForGraph(model.graphs.elbo.ir, preset);
}

/** recipeDefaults from the model's ELBO graph alone. */
export function recipeForGraph(elbo: IrGraph, preset: RecipePreset = presetForGraph(elbo)): Recipe {
  return { ...DEFAULT_RECIPE, ...RECIPE_PRESETS[preset] };
}

/** "weight norm, EMA 0.999, lr ×0.999/epoch" or "no weight norm, no EMA, constant lr", for run logs. */
export function describeRecipe(r: Pick<Recipe, 'weightNorm' | 'ema' | 'lrDecay'>): string {
  return [r.weightNorm ? 'weight norm' : 'no weight norm', r.ema > 0 ? `EMA ${r.ema}` : 'no EMA', r.lrDecay !== 1 ? `lr ×${r.lrDecay}/epoch` : 'constant lr'].join(', ');
}

export interface TrainState {
  /** Training iterations done (skipped ones included). */
  step: number;
  /** Position of the next batch: epoch and batch index within it. */
  epoch: number;
  batchIndex: number;
  /** β of the last step (0 before the first). */
  beta: number;
  /** Trainable tensors (weight norm's g and v, or the weights themselves). */
  params: Map<string, Float32Array>;
  adamax: AdamaxState;
  ema: Map<string, Float32Array>;
  badStreak: number;
  skipped: number;
}

export interface StepRecord {
  kind: 'train';
  step: number;
  epoch: number;
  /** mean(loss) over the batch, nats, and in bits/dim. */
  loss: number;
  bpd: number;
  /** −mean ELBO and mean KL, bits/dim. */
  elboBpd: number;
  klBpd: number;
  gradNorm: number;
  lr: number;
  beta?: number;
  skipped?: string;
  seconds: number;
}

export interface EvalRecord extends EvalResult {
  kind: 'eval';
  step: number;
  weights: 'ema' | 'raw';
  seconds: number;
}

export interface TrainerOptions {
  model: CompiledModel;
  engine: GradientEngine;
  /** Runs the forward passes of evaluation and sampling. */
  evalBackend: Backend;
  train: Dataset;
  test: Dataset;
  recipe: Recipe;
  /** A restored state; a fresh one (seeded init) when absent. */
  state?: TrainState;
}

export class Trainer {
  readonly recipe: Recipe;
  readonly wn: WeightNorm;
  readonly likelihood: { kind: LikelihoodKind; nbits: number };
  readonly dims: number;
  readonly usesBeta: boolean;
  readonly state: TrainState;
  private readonly adamax: Adamax;
  private readonly ema: Ema;
  private readonly guard: NanGuard;
  private readonly session: ModelSession;
  private batches?: Generator<Batch>;

  constructor(private readonly opts: TrainerOptions) {
    const { model, recipe } = opts;
    this.recipe = recipe;
    const elbo = model.graphs.elbo.ir;
    this.wn = weightNormFor(model, recipe.weightNorm);
    this.likelihood = likelihoodOf(elbo);
    const [c, h, w] = elbo.inputs[0].shape;
    this.dims = c * h * w;
    if (opts.train.count < 1) throw new Error(`${opts.train.name}: no training images`);
    for (const [name, d] of [['train', opts.train], ['test', opts.test]] as const) {
      if (d.channels !== c || d.height !== h || d.width !== w) {
        throw new Error(`${d.name} (${name}) images are ${d.channels}×${d.height}×${d.width}, the model expects ${c}×${h}×${w}`);
      }
    }
    this.usesBeta = elbo.nodes.some((n) => isScalarInput(n) && n.attrs.name === 'beta');
    this.state = opts.state ?? Trainer.freshState(model, recipe);
    this.adamax = new Adamax(this.state.params, recipe);
    this.adamax.state = this.state.adamax;
    this.ema = new Ema(this.state.params, recipe.ema, this.state.ema);
    this.guard = new NanGuard(recipe.maxBadSteps);
    this.guard.consecutive = this.state.badStreak;
    this.guard.skipped = this.state.skipped;
    this.session = new ModelSession(model, opts.evalBackend);
  }

  /** Seeded init as the authors, then weight norm (g = ‖w‖, v = w), zero optimizer state, EMA = init. */
  static freshState(model: CompiledModel, recipe: Recipe): TrainState {
    const wn = weightNormFor(model, recipe.weightNorm);
    const params = wn.fromWeights(initParams(model.params, recipe.seed));
    const adamax = new Adamax(params, recipe).state;
    return { step: 0, epoch: 0, batchIndex: 0, beta: 0, params, adamax, ema: new Ema(params, recipe.ema).shadow, badStreak: 0, skipped: 0 };
  }

  get stepsPerEpoch(): number {
    return Math.ceil(this.opts.train.count / this.recipe.batch);
  }

  private nextBatch(): Batch {
    const s = this.state;
    for (;;) {
      if (!this.batches) {
        this.batches = batchIterator(this.opts.train, this.recipe.batch, this.recipe.seed, s.epoch);
        for (let i = 0; i < s.batchIndex; i++) this.batches.next();
      }
      const r = this.batches.next();
      if (!r.done) {
        s.batchIndex++;
        return r.value;
      }
      s.epoch++;
      s.batchIndex = 0;
      this.batches = undefined;
    }
  }

  /** One training iteration: a batch, the loss and gradients, and (unless non-finite) an update. */
  async trainStep(): Promise<StepRecord> {
    const t0 = performance.now();
    const s = this.state, r = this.recipe;
    const batch = this.nextBatch();
    const epoch = s.epoch;
    const x = scaleBatch(batch.images, this.likelihood.kind, this.likelihood.nbits);
    if (this.usesBeta) s.beta = nextBeta(s.beta, r.betaRate, r.betaFinal);
    const seed = noiseSeed(r.seed, 'train', s.step);
    const out = await this.opts.engine.lossAndGrads(this.wn.weights(s.params), x, { seed, beta: this.usesBeta ? s.beta : 1 });
    s.step++;
    const lr = exponentialLr(r.lr, r.lrDecay, epoch);
    const mean = (a: Float32Array) => a.reduce((acc, v) => acc + v, 0) / a.length;
    const loss = mean(out.loss);
    const bpd = (nats: number) => nats / (this.dims * Math.LN2);
    const record: StepRecord = {
      kind: 'train', step: s.step, epoch, loss, bpd: bpd(loss), elboBpd: -bpd(mean(out.elbo)), klBpd: bpd(mean(out.kl)),
      gradNorm: NaN, lr, ...(this.usesBeta ? { beta: s.beta } : {}), seconds: 0,
    };
    try {
      const problem = this.guard.check(s.step, out.loss, out.grads);
      if (problem) {
        record.skipped = problem;
      } else {
        const grads = this.wn.backward(s.params, out.grads);
        record.gradNorm = r.clipGrad > 0 ? clipGradNorm(grads, r.clipGrad) : globalNorm(grads);
        this.adamax.update(s.params, grads, lr);
        this.ema.update(s.params);
      }
    } finally {
      s.badStreak = this.guard.consecutive;
      s.skipped = this.guard.skipped;
    }
    record.seconds = (performance.now() - t0) / 1000;
    return record;
  }

  /** The model's weights w from the EMA shadow or the current parameters. */
  weights(which: 'ema' | 'raw'): Map<string, Float32Array> {
    return this.wn.weights(which === 'ema' ? this.state.ema : this.state.params);
  }

  /** −ELBO (bits/dim) of the first `evalImages` test images; undefined when `shouldStop` cut it short. */
  async evaluate(which: 'ema' | 'raw', hooks: { shouldStop?: () => boolean; onProgress?: (done: number, total: number) => void } = {}): Promise<EvalRecord | undefined> {
    const t0 = performance.now();
    this.session.setParams(this.weights(which));
    const test = this.opts.test;
    const images = Math.min(this.recipe.evalImages, test.count);
    const sub: Dataset = { ...test, count: images, images: test.images.subarray(0, images * this.dims) };
    const res = await evaluateLikelihood((x, seed) => this.session.elbo(x, { seed }), sub, {
      likelihood: this.likelihood.kind, nbits: this.likelihood.nbits, batch: this.recipe.evalBatch, seed: this.recipe.seed, ...hooks,
    });
    if (!res) return undefined;
    return { kind: 'eval', step: this.state.step, weights: which, ...res, seconds: (performance.now() - t0) / 1000 };
  }

  /** A grid of `n` samples from the EMA weights (fixed seed, so grids over training are comparable). */
  async sampleGrid(n: number): Promise<ImageGrid> {
    this.session.setParams(this.weights('ema'));
    const out = await this.session.sample({ n, temperature: this.recipe.temperature, seed: noiseSeed(this.recipe.seed, 'sample', 0) });
    const [c, h, w] = this.opts.model.graphs.elbo.inputs[0].shape;
    return imageGrid(toPixels(out, this.likelihood.kind), n, c, h, w, Math.ceil(Math.sqrt(n)));
  }

  destroy(): void {
    this.session.destroy();
  }
}
