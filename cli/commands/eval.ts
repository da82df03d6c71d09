// sdn eval model.sdn (--run DIR | --weights FILE); flags and defaults: cli/commands.ts.
// Test-set importance-weighted NLL with K samples (logsumexp over K ELBOs − log K) and −ELBO, in
// bits/dim. From a run (or a checkpoint given as --weights) the EMA weights are used unless --raw.
import { loadDataset } from '../../runtime/data/datasets.js';
import { firstN } from '../../runtime/data/batches.js';
import { likelihoodOf } from '../../runtime/likelihood.js';
import { ModelSession } from '../../runtime/session.js';
import { evaluateLikelihood } from '../../runtime/train/evaluate.js';
import { UsageError, type ParsedArgs } from '../args.js';
import { backendFor, intFlag, seedFlag } from '../model-io.js';
import { usageLine } from '../commands.js';
import { loadRunWeights } from '../run-weights.js';
import { isTerminal } from '../terminal.js';

export async function evalCommand(args: ParsedArgs): Promise<number> {
  const [file] = args.positionals;
  if (!file) throw new UsageError(usageLine('eval'));
  const k = intFlag(args, 'k', { min: 1 }), batchFlag = intFlag(args, 'batch', { min: 1 }), seed = seedFlag(args, 'seed');
  const loaded = await loadRunWeights(file, args, usageLine('eval'));
  if (!loaded) return 1;
  const { model, params, from, checkpoint: ckpt } = loaded;
  const dataSpec = typeof args.flags.get('data') === 'string' ? String(args.flags.get('data')) : ((ckpt?.extra.data as string | undefined) ?? 'fashion-mnist');
  const [c, h, w] = model.graphs.elbo.inputs[0].shape;
  const data = await loadDataset(dataSpec, { imageSize: h });
  const test = firstN(data.test, Math.min(intFlag(args, 'limit', { min: 1, fallback: data.test.count }), data.test.count));
  if (test.channels !== c || test.height !== h || test.width !== w) {
    throw new UsageError(`${test.name} images are ${test.channels}×${test.height}×${test.width}, the model expects ${c}×${h}×${w}`);
  }
  const { kind, nbits } = likelihoodOf(model.graphs.elbo.ir);
  const session = new ModelSession(model, await backendFor(args));
  session.setParams(params);
  const tty = isTerminal(process.stderr);
  let r;
  try {
    r = await evaluateLikelihood((x, seed) => session.elbo(x, { seed }), test, {
      likelihood: kind, nbits, k, batch: Math.min(batchFlag, test.count), seed,
      onProgress: tty ? (done, total) => process.stderr.write(`\revaluating ${done}/${total} test images (K = ${k})`) : undefined,
    });
    if (tty) process.stderr.write('\n');
  } finally {
    session.destroy();
  }
  if (!r) return 1;
  if (args.flags.has('json')) {
    process.stdout.write(JSON.stringify({ model: model.model, data: test.name, from, executor: session.backend.describe(), ...r }) + '\n');
    return 0;
  }
  process.stdout.write(
    `${test.name}: NLL ${r.nllBpd.toFixed(4)} bits/dim (importance-weighted, K = ${k}), −ELBO ${r.elboBpd.toFixed(4)} bits/dim ` +
    `(KL ${r.klBpd.toFixed(4)}) over ${r.images} test images; ${from}; ${session.backend.describe()}\n`,
  );
  return 0;
}
