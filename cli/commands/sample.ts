// sdn sample model.sdn (--weights w.safetensors | --init-seed N) [-n 64] [--temperature 0.85]
//   [--seed 1] [-o grid.png] [--executor webgpu|cpu]
import { writePngFile } from '../../runtime/image/png-node.js';
import { imageGrid } from '../../runtime/image/grid.js';
import { toPixels } from '../../runtime/data/batches.js';
import { likelihoodOf } from '../../runtime/likelihood.js';
import { UsageError, type ParsedArgs } from '../args.js';
import { checkOutputFile } from '../output.js';
import { compileArtifact, intFlag, numberFlag, openSession } from '../model-io.js';

export async function sampleCommand(args: ParsedArgs): Promise<number> {
  const [file] = args.positionals;
  if (!file) throw new UsageError('usage: sdn sample model.sdn --weights w.safetensors [-n 64] [--temperature 0.85] [--seed 1] [-o grid.png]');
  const n = intFlag(args, 'n', 64);
  if (n < 1) throw new UsageError(`-n must be positive, got ${n}`);
  const out = String(args.flags.get('o') ?? 'samples.png');
  const weights = args.flags.get('weights');
  checkOutputFile('-o', out, [file, ...(typeof weights === 'string' ? [weights] : [])]);
  const compiled = compileArtifact(file, args.sets);
  if (!compiled) return 1;
  const { model } = compiled;
  checkOutputFile('-o', out, compiled.sources);
  const session = await openSession(args, model);
  try {
    const samples = await session.sample({ n, temperature: numberFlag(args, 'temperature', 1), seed: intFlag(args, 'seed', 0) });
    const [c, h, w] = model.graphs.sample.outputs[0].shape;
    const pixels = toPixels(samples, likelihoodOf(model.graphs.elbo.ir).kind);
    const grid = imageGrid(pixels, n, c, h, w, Math.ceil(Math.sqrt(n)));
    await writePngFile(out, { width: grid.width, height: grid.height, channels: grid.channels as 1 | 3, pixels: grid.pixels });
    process.stdout.write(`wrote ${n} samples (${c}×${h}×${w}) to ${out} using ${session.backend.describe()}\n`);
    return 0;
  } finally {
    session.destroy();
  }
}
