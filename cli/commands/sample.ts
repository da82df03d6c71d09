// sdn sample model.sdn (--run DIR | --weights FILE | --init-seed N): a PNG grid of samples from the prior.
// Flags and their defaults: cli/commands.ts (`sdn sample --help`).
import { imageLikelihood } from '../../runtime/likelihood.js';
import { writePngFile } from '../../runtime/image/png-node.js';
import { imageGrid } from '../../runtime/image/grid.js';
import { toPixels } from '../../runtime/data/batches.js';
import { flagValue, UsageError, type ParsedArgs } from '../args.js';
import { usageLine } from '../commands.js';
import { checkOutputFile } from '../output.js';
import { phaseReporter } from '../progress.js';
import { intFlag, numberFlag, openSession, seedFlag } from '../model-io.js';
import { loadRunWeights, weightsPathOf } from '../run-weights.js';

export async function sampleCommand(args: ParsedArgs): Promise<number> {
  const [file] = args.positionals;
  if (!file || args.positionals.length > 1) throw new UsageError(usageLine('sample'));
  const n = intFlag(args, 'n', { min: 1, max: 4096 });
  const temperature = numberFlag(args, 'temperature', { min: 0 });
  const seed = seedFlag(args, 'seed');
  const out = String(flagValue(args, 'o'));
  const weights = weightsPathOf(args);
  checkOutputFile('-o', out, [file, ...(weights ? [weights] : [])]);
  const loaded = await loadRunWeights(file, args, usageLine('sample'), { initSeed: true });
  if (!loaded) return 1;
  const { model, params, from } = loaded;
  checkOutputFile('-o', out, loaded.sources);
  const session = await openSession(args, model, params);
  try {
    const report = phaseReporter({
      start: () => `sampling ${n} images (temperature ${temperature})`,
      step: () => `sampling ${n} images`,
      end: (_total, seconds) => `sampled ${n} images in ${seconds}`,
    });
    report(0, 1);
    const samples = await session.sample({ n, temperature, seed });
    report(1, 1);
    const [c, h, w] = model.graphs.sample.outputs[0].shape;
    const pixels = toPixels(samples, imageLikelihood(model).kind);
    const grid = imageGrid(pixels, n, c, h, w, Math.ceil(Math.sqrt(n)));
    await writePngFile(out, { width: grid.width, height: grid.height, channels: grid.channels as 1 | 3, pixels: grid.pixels });
    process.stdout.write(`wrote ${n} samples (${c}×${h}×${w}) to ${out} from ${from}, using ${session.backend.describe()}\n`);
    return 0;
  } finally {
    session.destroy();
  }
}
