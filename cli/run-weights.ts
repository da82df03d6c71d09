// The weights a run command evaluates: a training run's checkpoint (EMA weights unless raw; the
// run's --set overrides unless given) or a plain weights file.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildArtifact } from '../compiler/compile.js';
import type { CompiledModel } from '../runtime/program.js';
import { CHECKPOINT_FORMAT, loadCheckpoint, sourceHash, type LoadedCheckpoint } from '../runtime/train/checkpoint-node.js';
import { weightNormFor } from '../runtime/train/weight-norm.js';
import { bindWeights } from '../runtime/weights.js';
import { UsageError, type ParsedArgs } from './args.js';
import { compileOrReport } from './compile-or-report.js';
import { readWeightsFile } from './model-io.js';

export interface RunWeights {
  model: CompiledModel;
  params: Map<string, Float32Array>;
  /** e.g. "EMA weights at step 300 of runs/x", for reports. */
  from: string;
  /** The run's checkpoint, when the weights came from one. */
  checkpoint?: LoadedCheckpoint;
}

/** From `--run DIR` or `--weights FILE` (exactly one); undefined when the model does not compile (diagnostics printed). */
export async function loadRunWeights(file: string, args: ParsedArgs, usage: string): Promise<RunWeights | undefined> {
  const runDir = args.flags.get('run'), weights = args.flags.get('weights');
  if ((typeof runDir === 'string') === (typeof weights === 'string')) throw new UsageError(usage);
  const raw = args.flags.has('raw');
  const path = typeof runDir === 'string' ? join(runDir, 'checkpoint.safetensors') : String(weights);
  if (typeof runDir === 'string' && !existsSync(path)) throw new UsageError(`--run ${runDir}: no checkpoint.safetensors in it`);
  const file0 = await readWeightsFile(path, { checkpoints: true });
  const isCheckpoint = file0.metadata.format === CHECKPOINT_FORMAT;
  if (raw && !isCheckpoint) throw new UsageError('--raw needs a training run or checkpoint (a plain weights file has no EMA to skip)');
  let ckpt: LoadedCheckpoint | undefined;
  let sets = args.sets;
  if (isCheckpoint) {
    ckpt = await loadCheckpoint(path);
    if (Object.keys(sets).length === 0) sets = (ckpt.extra.sets ?? {}) as Record<string, string>;
  }
  const compiled = compileOrReport(file, sets);
  if (!compiled.graphs) return undefined;
  const model = buildArtifact(compiled);
  if (!ckpt) return { model, params: bindWeights(model.params, file0.tensors, { source: path }), from: `weights ${path}` };
  if (ckpt.sourceSha256 !== sourceHash(compiled.sources.values())) {
    process.stderr.write(`sdn: warning: ${file} differs from the source the checkpoint was trained with; evaluating anyway since the tensors fit\n`);
  }
  const wn = weightNormFor(model, ckpt.recipe.weightNorm);
  const loaded = await loadCheckpoint(path, { specs: () => wn.specs });
  const ema = !raw && ckpt.recipe.ema > 0;
  return {
    model, checkpoint: ckpt,
    params: wn.weights(ema ? loaded.state.ema : loaded.state.params),
    from: `${ema ? 'EMA' : raw ? 'raw' : 'raw (the recipe keeps no EMA)'} weights at step ${loaded.state.step} of ${typeof runDir === 'string' ? runDir : path}`,
  };
}
