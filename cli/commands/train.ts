// sdn train model.sdn -o DIR; flags and their defaults: cli/commands.ts (`sdn train --help`).
// Trains with the authors' recipe for the model (density VAEs: Adamax, weight norm, EMA, lr decay;
// β-VAEs: plain Adamax; --recipe picks either, and the run log says which) on WebGPU or the CPU
// reference interpreter, writing metrics.jsonl, samples-<step>.png, loss.svg and checkpoint.safetensors
// into the run folder (tensors named by compiler paths, or with --names torch by the authors' PyTorch names).
// Ctrl-C (SIGINT), SIGTERM and SIGHUP finish the current step, checkpoint and exit 128 + the
// signal's number (130, 143, 129); --resume continues exactly. One writer per run folder (train.lock).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildArtifact } from '../../compiler/compile.js';
import { loadDataset } from '../../runtime/data/datasets.js';
import { saveSafetensorsFile } from '../../runtime/safetensors-node.js';
import { loadCheckpoint, saveCheckpoint, sourceHash, type LoadedCheckpoint, type TensorNames } from '../../runtime/train/checkpoint-node.js';
import { GraphGradientEngine } from '../../runtime/train/graph-engine.js';
import { TrainingDiverged } from '../../runtime/train/guard.js';
import { runTraining } from '../../runtime/train/loop.js';
import { Progress } from '../../runtime/train/progress.js';
import { RunDir } from '../../runtime/train/run-dir-node.js';
import { assertUnlocked, lockRunDir } from '../../runtime/train/run-lock-node.js';
import { DEFAULT_RECIPE, describeRecipe, presetFor, RECIPE_PRESETS, recipeDefaults, Trainer, type Recipe, type RecipePreset, type TrainState } from '../../runtime/train/trainer.js';
import { trainableCount, weightNormFor } from '../../runtime/train/weight-norm.js';
import { namesFlag, UsageError, type ParsedArgs } from '../args.js';
import { checkModelFile, compileOrReport } from '../compile-or-report.js';
import { backendFor } from '../model-io.js';
import { checkOutputDir } from '../output.js';
import { usageLine } from '../commands.js';
import { isTerminal } from '../terminal.js';

/** Flag name → recipe field, and whether changing it on --resume would change the training trajectory. */
const FLAGS: [string, keyof Recipe, 'int' | 'number', boolean][] = [
  ['steps', 'steps', 'int', false], ['batch', 'batch', 'int', true], ['lr', 'lr', 'number', true],
  ['lr-decay', 'lrDecay', 'number', true], ['ema', 'ema', 'number', true], ['eval-every', 'evalEvery', 'int', false],
  ['eval-images', 'evalImages', 'int', false], ['eval-batch', 'evalBatch', 'int', false], ['samples', 'samples', 'int', false],
  ['temperature', 'temperature', 'number', false], ['seed', 'seed', 'int', true], ['clip-grad', 'clipGrad', 'number', true],
  ['beta', 'betaFinal', 'number', true], ['beta-rate', 'betaRate', 'number', true], ['max-bad-steps', 'maxBadSteps', 'int', false],
];

function recipeFromFlags(args: ParsedArgs, base: Recipe): { recipe: Recipe; given: (keyof Recipe)[] } {
  const recipe: Recipe = { ...base };
  const given: (keyof Recipe)[] = [];
  for (const [flag, key, kind] of FLAGS) {
    const v = args.flags.get(flag);
    if (v === undefined) continue;
    const n = Number(v);
    if (v === true || !Number.isFinite(n) || (kind === 'int' && !Number.isInteger(n))) throw new UsageError(`--${flag} must be ${kind === 'int' ? 'an integer' : 'a number'}, got '${v}'`);
    (recipe[key] as number) = n;
    given.push(key);
  }
  if (args.flags.has('no-weight-norm') && recipe.weightNorm) {
    recipe.weightNorm = false;
    given.push('weightNorm');
  }
  if (args.flags.has('eval-raw')) recipe.evalRaw = true;
  if (!given.includes('evalBatch') && given.includes('batch')) recipe.evalBatch = recipe.batch;
  const bad = (msg: string) => {
    throw new UsageError(msg);
  };
  if (recipe.steps < 0) bad(`--steps must be ≥ 0, got ${recipe.steps}`);
  if (recipe.batch < 1 || recipe.evalBatch < 1) bad('--batch and --eval-batch must be positive');
  if (!(recipe.lr > 0)) bad(`--lr must be positive, got ${recipe.lr}`);
  if (!(recipe.ema >= 0 && recipe.ema < 1)) bad(`--ema must be in [0, 1), got ${recipe.ema}`);
  if (recipe.seed < 0 || recipe.seed > 0xffffffff) bad(`--seed must be in [0, 2^32), got ${recipe.seed}`);
  if (recipe.evalEvery < 0 || recipe.evalImages < 0 || recipe.samples < 0) bad('--eval-every, --eval-images and --samples must be ≥ 0');
  if (recipe.maxBadSteps < 1) bad('--max-bad-steps must be ≥ 1');
  return { recipe, given };
}

function recipeFlag(args: ParsedArgs): RecipePreset | undefined {
  const v = args.flags.get('recipe');
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !Object.hasOwn(RECIPE_PRESETS, v)) throw new UsageError(`--recipe must be ${Object.keys(RECIPE_PRESETS).join(' or ')}, got '${String(v)}'`);
  return v as RecipePreset;
}

export async function trainCommand(args: ParsedArgs): Promise<number> {
  const [file] = args.positionals;
  const out = args.flags.get('o');
  if (!file || typeof out !== 'string') throw new UsageError(usageLine('train'));
  // Everything that can be checked before the run folder is made.
  checkModelFile(file);
  checkOutputDir('-o', out);
  recipeFromFlags(args, DEFAULT_RECIPE);
  const executor = args.flags.get('executor');
  if (executor !== undefined && executor !== 'webgpu' && executor !== 'cpu') throw new UsageError(`--executor must be webgpu or cpu, got '${executor}'`);
  namesFlag(args.flags.get('names'));
  recipeFlag(args);
  // Another process training into the folder is the answer, whatever the folder holds yet.
  assertUnlocked(out);
  if (args.flags.has('resume') && !existsSync(join(out, 'checkpoint.safetensors'))) throw new UsageError(`--resume: no checkpoint at ${join(out, 'checkpoint.safetensors')}`);
  const run = new RunDir(out);
  const unlock = lockRunDir(out);
  try {
    return await trainLocked(file, out, args, run);
  } finally {
    unlock();
  }
}

const SIGNALS = { SIGINT: 2, SIGHUP: 1, SIGTERM: 15 } as const;

async function trainLocked(file: string, out: string, args: ParsedArgs, run: RunDir): Promise<number> {
  const resume = args.flags.has('resume');
  if (!resume && run.hasCheckpoint()) {
    throw new UsageError(`${out} already holds a checkpoint; pass --resume to continue that run, or choose another -o`);
  }
  let sets = args.sets;
  let dataSpec = typeof args.flags.get('data') === 'string' ? String(args.flags.get('data')) : undefined;
  let saved: LoadedCheckpoint | undefined;
  if (resume) {
    saved = await loadCheckpoint(run.checkpointPath);
    const savedSets = (saved.extra.sets ?? {}) as Record<string, string>;
    if (Object.keys(sets).length > 0 && JSON.stringify(sortKeys(sets)) !== JSON.stringify(sortKeys(savedSets))) {
      throw new UsageError(`--resume: the run was trained with --set ${fmtSets(savedSets) || '(none)'}, not ${fmtSets(sets)}`);
    }
    sets = savedSets;
    const savedData = saved.extra.data as string | undefined;
    if (dataSpec !== undefined && savedData !== undefined && dataSpec !== savedData) throw new UsageError(`--resume: the run was trained on --data ${savedData}, not ${dataSpec}`);
    dataSpec = savedData ?? dataSpec;
  }
  // A resumed run keeps its executor unless told otherwise: float32 results differ between them,
  // and reproducing the uninterrupted run's losses exactly needs the same one.
  const executor = String(args.flags.get('executor') ?? saved?.extra.executor ?? 'webgpu');
  const savedNames = saved?.extra.names as TensorNames | undefined;
  const names = namesFlag(args.flags.get('names') ?? savedNames);
  if (savedNames && names !== savedNames) throw new UsageError(`--resume: the run names its tensors --names ${savedNames}, not ${names}`);
  const compiled = compileOrReport(file, sets);
  if (!compiled.graphs) return 1;
  const model = buildArtifact(compiled);
  const sha = sourceHash(compiled.sources.values());
  const presetFlag = recipeFlag(args);
  const preset = presetFlag ?? presetFor(model);
  if (saved && presetFlag !== undefined && describeRecipe(RECIPE_PRESETS[preset]) !== describeRecipe(saved.recipe)) {
    throw new UsageError(`--resume: --recipe ${preset} (${describeRecipe(RECIPE_PRESETS[preset])}) differs from the run's ${describeRecipe(saved.recipe)}`);
  }
  const { recipe, given } = recipeFromFlags(args, saved?.recipe ?? recipeDefaults(model, preset));
  if (saved) {
    for (const [flag, key, , fixed] of FLAGS) {
      if (fixed && given.includes(key) && recipe[key] !== saved.recipe[key]) throw new UsageError(`--resume: --${flag} ${recipe[key]} differs from the run's ${saved.recipe[key]}; the recipe of a resumed run cannot change (only --steps and evaluation settings can)`);
    }
    if (given.includes('weightNorm') && recipe.weightNorm !== saved.recipe.weightNorm) throw new UsageError('--resume: --no-weight-norm differs from the run\'s recipe');
  }
  const wn = weightNormFor(model, recipe.weightNorm);
  let state: TrainState | undefined;
  if (saved) {
    state = (await loadCheckpoint(run.checkpointPath, { sourceSha256: sha, specs: () => wn.specs })).state;
    run.truncateMetrics(state.step);
  }
  const [c, h, w] = model.graphs.elbo.inputs[0].shape;
  const data = await loadDataset(dataSpec ?? 'fashion-mnist', { imageSize: h });
  for (const d of [data.train, data.test]) {
    if (d.channels !== c || d.height !== h || d.width !== w) throw new UsageError(`${d.name} images are ${d.channels}×${d.height}×${d.width}, ${model.model} expects ${c}×${h}×${w}`);
  }
  // Both executors run the differentiated graph: as fused kernels on WebGPU, node by node on the CPU interpreter.
  const stop: { signal?: keyof typeof SIGNALS } = {};
  const backend = await backendFor({ ...args, flags: new Map([...args.flags, ['executor', executor]]) }, () => stop.signal !== undefined);
  const engine = new GraphGradientEngine(backend, model.graphs.train);
  const trainer = new Trainer({ model, engine, evalBackend: backend, train: data.train, test: data.test, recipe, state });
  const say = (s: string) => process.stdout.write(`${s}\n`);
  const nParams = model.params.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  say(`${resume ? 'resuming' : 'training'} ${model.model} (${nParams.toLocaleString('en-US')} parameters, ${trainableCount(wn.specs).toLocaleString('en-US')} trainable with ` +
    `${recipe.weightNorm ? `weight norm on ${wn.normalized.length} conv weights` : 'no weight norm'}) on ${data.train.name} (${data.train.count} images, ${trainer.stepsPerEpoch} steps/epoch)`);
  const why = saved ? 'as the run was started' : presetFlag !== undefined ? 'from --recipe' : preset === 'beta-vae'
    ? 'the default for a β-VAE: the authors\' DisentanglementVAE trains with plain Adamax; --recipe density-vae changes it'
    : 'the default for a density VAE; --recipe beta-vae changes it';
  const overridden = (['weightNorm', 'ema', 'lrDecay'] as const).some((k) => recipe[k] !== RECIPE_PRESETS[preset][k]);
  say(`recipe: ${saved ? describeRecipe(recipe) : `${preset}${overridden ? ' with flags' : ''}: ${describeRecipe(recipe)}`} (${why})`);
  say(`engine: ${engine.describe()}; Adamax lr ${recipe.lr} (×${recipe.lrDecay}/epoch), batch ${recipe.batch}, EMA ${recipe.ema}, seed ${recipe.seed}` +
    `${trainer.usesBeta ? `, β → ${recipe.betaFinal} at +${recipe.betaRate * recipe.betaFinal}/step` : ''}; ${resume ? `from step ${trainer.state.step} ` : ''}to step ${recipe.steps}, run folder ${out}`);

  // What schedulers send (SIGTERM from timeout, systemd, Slurm; SIGHUP when a terminal closes)
  // gets the same treatment as Ctrl-C.
  const onSignal = (signal: keyof typeof SIGNALS) => {
    if (stop.signal) process.exit(128 + SIGNALS[signal]);
    stop.signal = signal;
    process.stderr.write(`\nsdn: ${signal}: finishing the current step, then writing a checkpoint (a second signal quits without one)\n`);
  };
  for (const s of Object.keys(SIGNALS) as (keyof typeof SIGNALS)[]) process.on(s, onSignal);
  const progress = new Progress(recipe.steps, trainer.state.step, { write: (s) => process.stdout.write(s), tty: isTerminal(process.stdout) });
  const info = { model: model.model, sourceSha256: sha, recipe, extra: { sets, data: dataSpec ?? 'fashion-mnist', source: file, executor, names } };
  try {
    const result = await runTraining(trainer, {
      shouldStop: () => stop.signal !== undefined,
      onEvalProgress: (done, total) => progress.evalProgress(done, total),
      onStep: (r) => {
        run.appendMetrics({ ...r });
        if (r.skipped) progress.note(`warning: ${r.skipped}`);
        progress.step(r.step, r.loss, r.bpd);
      },
      onEval: (r) => {
        run.appendMetrics({ ...r });
        const nll = r.k > 1 ? `, NLL ${r.nllBpd.toFixed(4)}` : '';
        const how = r.weights === 'raw' && r.step === 0 ? 'the same as the EMA weights before the first step' : `${r.images} images, ${r.seconds.toFixed(1)} s`;
        progress.note(`step ${r.step}: test −ELBO ${r.elboBpd.toFixed(4)} bits/dim${nll} (${r.weights === 'ema' && recipe.ema === 0 ? 'raw (no EMA)' : r.weights} weights, ${how})`, r.weights === 'ema' ? r.elboBpd : undefined);
      },
      onSamples: async (step, grid) => {
        await run.writeSamples(step, grid);
      },
      checkpoint: async (t) => {
        await saveCheckpoint(run.checkpointPath, t.state, t.wn.specs, info, names);
        await saveSafetensorsFile(join(out, 'weights-ema.safetensors'), tensorsOf(model.params, t.weights('ema'), names), { format: 'pt', step: String(t.state.step) });
        run.writeLossPlot(`${model.model}: training`);
      },
    });
    progress.end();
    if (result === 'interrupted') {
      say(`interrupted at step ${trainer.state.step} (${stop.signal}); checkpoint written to ${run.checkpointPath} (continue with --resume)`);
      return 128 + SIGNALS[stop.signal ?? 'SIGINT'];
    }
    say(`done: ${trainer.state.step} steps${trainer.state.skipped ? ` (${trainer.state.skipped} skipped as non-finite)` : ''}; ` +
      `checkpoint, ${recipe.ema > 0 ? 'EMA weights' : 'weights (the recipe keeps no EMA: the raw ones)'} (weights-ema.safetensors), metrics.jsonl and loss.svg in ${out}`);
    // K = 10 on the images evaluated here keeps the suggested evaluation to minutes; the paper's K = 1000 on the whole test set takes days on a CPU.
    const images = recipe.evalImages > 0 ? recipe.evalImages : 500;
    say(`next: sdn eval ${file} --run ${out} --limit ${images} -k 10 (importance-weighted NLL); sdn sample ${file} --run ${out} -o samples.png`);
    return 0;
  } catch (e) {
    progress.end();
    if (e instanceof TrainingDiverged) run.appendMetrics({ kind: 'diverged', step: trainer.state.step, message: e.message });
    throw e;
  } finally {
    for (const s of Object.keys(SIGNALS) as (keyof typeof SIGNALS)[]) process.off(s, onSignal);
    trainer.destroy();
  }
}

function tensorsOf(params: { path: string; torch: string; shape: number[] }[], values: Map<string, Float32Array>, names: TensorNames) {
  return new Map(params.map((p) => [names === 'torch' ? p.torch : p.path, { shape: p.shape, data: values.get(p.path)! }]));
}

const sortKeys = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
const fmtSets = (o: Record<string, string>) => Object.entries(o).map(([k, v]) => `${k}=${v}`).join(' ');
