// The weights a run command evaluates: a training run's checkpoint (EMA weights unless raw; the
// run's --set overrides unless given), a plain weights file or, where the command allows it, the
// authors' initialization.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildArtifact } from '../compiler/compile.js';
import { initParams } from '../runtime/init.js';
import type { CompiledModel } from '../runtime/program.js';
import { CHECKPOINT_FORMAT, loadCheckpoint, sourceHash, type LoadedCheckpoint } from '../runtime/train/checkpoint-node.js';
import { weightNormFor } from '../runtime/train/weight-norm.js';
import { bindWeights } from '../runtime/weights.js';
import { UsageError, type ParsedArgs } from './args.js';
import { compileOrReport } from './compile-or-report.js';
import { readWeightsFile, seedFlag } from './model-io.js';

export interface RunWeights {
  model: CompiledModel;
  params: Map<string, Float32Array>;
  /** e.g. "EMA weights at step 300 of runs/x", for reports. */
  from: string;
  /** The run's checkpoint, when the weights came from one. */
  checkpoint?: LoadedCheckpoint;
  /** The files the model was read from (the model file and its imports). */
  sources: string[];
}

/** The file the weights will be read from (--run's checkpoint or --weights), before reading it: what an output must not overwrite. */
export function weightsPathOf(args: ParsedArgs): string | undefined {
  const runDir = args.flags.get('run'), weights = args.flags.get('weights');
  return typeof runDir === 'string' ? join(runDir, 'checkpoint.safetensors') : typeof weights === 'string' ? weights : undefined;
}

/**
 * From exactly one of `--run DIR`, `--weights FILE` and, with `initSeed`, `--init-seed N`;
 * undefined when the model does not compile (diagnostics printed).
 */
export async function loadRunWeights(file: string, args: ParsedArgs, usage: string, { initSeed = false } = {}): Promise<RunWeights | undefined> {
  const given = ['run', 'weights', ...(initSeed ? ['init-seed'] : [])].filter((f) => args.flags.has(f));
  if (given.length > 1) throw new UsageError(`${given.map((f) => `--${f}`).join(' and ')} exclude each other`);
  if (given.length === 0) throw new UsageError(initSeed ? `pass --run DIR (a training run), --weights w.safetensors, or --init-seed N for freshly initialized weights\n${usage}` : usage);
  const raw = args.flags.has('raw');
  const noEma = '--raw needs a training run or checkpoint (a plain weights file has no EMA to skip)';
  if (given[0] === 'init-seed') {
    if (raw) throw new UsageError(noEma);
    const seed = seedFlag(args, 'init-seed');
    const compiled = compileOrReport(file, args.sets);
    if (!compiled.graphs) return undefined;
    const model = buildArtifact(compiled);
    return { model, params: initParams(model.params, seed), from: `fresh weights (--init-seed ${seed})`, sources: [...compiled.sources.keys()] };
  }
  const runDir = args.flags.get('run');
  const path = weightsPathOf(args)!;
  if (typeof runDir === 'string' && !existsSync(path)) throw new UsageError(`--run ${runDir}: no checkpoint.safetensors in it`);
  const file0 = await readWeightsFile(path, { checkpoints: true });
  const isCheckpoint = file0.metadata.format === CHECKPOINT_FORMAT;
  if (raw && !isCheckpoint) throw new UsageError(noEma);
  let ckpt: LoadedCheckpoint | undefined;
  let sets = args.sets;
  if (isCheckpoint) {
    ckpt = await loadCheckpoint(path);
    if (Object.keys(sets).length === 0) sets = (ckpt.extra.sets ?? {}) as Record<string, string>;
  }
  const compiled = compileOrReport(file, sets);
  if (!compiled.graphs) return undefined;
  const model = buildArtifact(compiled);
  const modelFiles = [...compiled.sources.keys()];
  if (!ckpt) return { model, params: bindWeights(model.params, file0.tensors, { source: path }), from: `weights ${path}`, sources: modelFiles };
  if (ckpt.sourceSha256 !== sourceHash(compiled.sources.values())) {
    process.stderr.write(`sdn: warning: ${file} differs from the source the checkpoint was trained with; evaluating anyway since the tensors fit\n`);
  }
  const wn = weightNormFor(model, ckpt.recipe.weightNorm);
  const loaded = await loadCheckpoint(path, { specs: () => wn.specs });
  const ema = !raw && ckpt.recipe.ema > 0;
  return {
    model, checkpoint: ckpt, sources: modelFiles,
    params: wn.weights(ema ? loaded.state.ema : loaded.state.params),
    from: `${ema ? 'EMA' : raw ? 'raw' : 'raw (the recipe keeps no EMA)'} weights at step ${loaded.state.step} of ${typeof runDir === 'string' ? runDir : path}`,
  };
}
