// sdn elbo model.sdn (--weights FILE | --init-seed N); flags and defaults: cli/commands.ts.
// Test-set −ELBO in bits/dim (one posterior sample per image, as the authors' validation).
import { loadDataset } from '../../runtime/data/datasets.js';
import { firstN, scaleBatch } from '../../runtime/data/batches.js';
import { bitsPerDim, likelihoodOf } from '../../runtime/likelihood.js';
import { flagValue, UsageError, type ParsedArgs } from '../args.js';
import { usageLine } from '../commands.js';
import { compileArtifact, intFlag, openSession, seedFlag } from '../model-io.js';

export async function elboCommand(args: ParsedArgs): Promise<number> {
  const [file] = args.positionals;
  if (!file || args.positionals.length > 1) throw new UsageError(usageLine('elbo'));
  const batchFlag = intFlag(args, 'batch', { min: 1 }), seed = seedFlag(args, 'seed');
  const compiled = compileArtifact(file, args.sets);
  if (!compiled) return 1;
  const { model } = compiled;
  const input = model.graphs.elbo.inputs[0];
  const [c, h, w] = input.shape;
  const data = await loadDataset(String(flagValue(args, 'data')), { imageSize: h });
  const limit = intFlag(args, 'limit', { min: 1, fallback: data.test.count });
  const test = firstN(data.test, Math.min(limit, data.test.count));
  if (test.channels !== c || test.height !== h || test.width !== w)
    throw new UsageError(`${test.name} images are ${test.channels}×${test.height}×${test.width}, the model expects ${c}×${h}×${w}`);
  const { kind, nbits } = likelihoodOf(model.graphs.elbo.ir);
  const batch = Math.min(batchFlag, test.count);
  const session = await openSession(args, model);
  const dims = c * h * w;
  let sumElbo = 0, sumKl = 0, seen = 0;
  try {
    for (let start = 0; start + batch <= test.count; start += batch) {
      const images = test.images.subarray(start * dims, (start + batch) * dims);
      const r = await session.elbo(scaleBatch(images, kind, nbits), { seed: (seed + start) >>> 0 });
      for (let i = 0; i < batch; i++) {
        sumElbo += r.elbo[i];
        sumKl += r.kl[i];
      }
      seen += batch;
    }
  } finally {
    session.destroy();
  }
  const bpd = bitsPerDim(sumElbo / seen, dims);
  const klBpd = sumKl / seen / (dims * Math.LN2);
  process.stdout.write(`${test.name}: −ELBO ${bpd.toFixed(4)} bits/dim (KL ${klBpd.toFixed(4)} bits/dim) over ${seen} test images, ${session.backend.describe()}\n`);
  return 0;
}
