// What `sdn elbo` and `sdn eval` share: the test set a model is scored on and one evaluation of
// it, runtime/train/evaluate.ts's (the one training reports), with progress on stderr.
import { imageLikelihood } from '../runtime/likelihood.js';
import { firstN, type Dataset } from '../runtime/data/batches.js';
import { loadDataset } from '../runtime/data/datasets.js';
import type { CompiledModel } from '../runtime/program.js';
import type { ModelSession } from '../runtime/session.js';
import type { LoadedCheckpoint } from '../runtime/train/checkpoint-node.js';
import { evaluateLikelihood, type EvalResult } from '../runtime/train/evaluate.js';
import { InputError, UsageError, type ParsedArgs } from './args.js';
import { intFlag, seedFlag } from './model-io.js';
import { phaseReporter } from './progress.js';

/** The dataset given as --data, else the one a run was trained on, else Fashion-MNIST. */
export function dataSpecOf(args: ParsedArgs, checkpoint: LoadedCheckpoint | undefined): string {
  const data = args.flags.get('data');
  return typeof data === 'string' ? data : ((checkpoint?.extra.data as string | undefined) ?? 'fashion-mnist');
}

/** The first --limit test images of `dataSpec`, checked against the model's input shape. */
export async function testSetFor(model: CompiledModel, dataSpec: string, args: ParsedArgs): Promise<Dataset> {
  const [c, h, w] = model.graphs.elbo.inputs[0].shape;
  const data = await loadDataset(dataSpec, { imageSize: h });
  const test = firstN(data.test, Math.min(intFlag(args, 'limit', { min: 1, fallback: data.test.count }), data.test.count));
  if (test.channels !== c || test.height !== h || test.width !== w) {
    throw new UsageError(`${test.name} images are ${test.channels}×${test.height}×${test.width}, the model expects ${c}×${h}×${w}`);
  }
  return test;
}

/** −ELBO and importance-weighted NLL (K from --k, default 1) with --batch and --seed; `from` names the weights. */
export async function evaluateTestSet(session: ModelSession, model: CompiledModel, test: Dataset, args: ParsedArgs, from: string): Promise<EvalResult> {
  const k = args.flags.has('k') ? intFlag(args, 'k', { min: 1 }) : 1;
  const batch = Math.min(intFlag(args, 'batch', { min: 1 }), test.count), seed = seedFlag(args, 'seed');
  const { kind, nbits } = imageLikelihood(model);
  const onProgress = phaseReporter({
    start: (total) => `evaluating ${total} test images (K = ${k}, batch ${batch})`,
    step: (done, total) => `evaluating ${done}/${total} test images`,
    end: (total, seconds) => `evaluated ${total} test images in ${seconds}`,
  });
  onProgress(0, test.count);
  const r = (await evaluateLikelihood((x, s) => session.elbo(x, { seed: s }), test, { likelihood: kind, nbits, k, batch, seed, onProgress }))!;
  if (!Number.isFinite(r.elboBpd) || !Number.isFinite(r.nllBpd)) {
    throw new InputError(`${from}: the −ELBO over ${r.images} ${test.name} images is ${r.elboBpd} (not finite): these weights overflow somewhere in ${model.model}`);
  }
  return r;
}
