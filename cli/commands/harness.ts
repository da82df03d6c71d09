// sdn harness model.sdn -o train.ts; flags and defaults: cli/commands.ts (`sdn harness --help`).
// Writes a standalone, readable TypeScript training script for the model (generated with
// ts-morph) and, next to it, the compiled manifest it loads (<name>.manifest.json).
import { mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { buildArtifact } from '../../compiler/compile.js';
import { emitHarness } from '../../compiler/codegen/harness.js';
import { sourceHash } from '../../runtime/train/checkpoint-node.js';
import { recipeDefaults, type Recipe } from '../../runtime/train/trainer.js';
import { flagValue, UsageError, type ParsedArgs } from '../args.js';
import { checkOutputFile, RUNTIME_MODULE, writeAtomic } from '../output.js';
import { compileOrReport } from '../compile-or-report.js';
import { intFlag, numberFlag, seedFlag } from '../model-io.js';
import { usageLine } from '../commands.js';

export function harnessCommand(args: ParsedArgs): number {
  const [file] = args.positionals;
  const out = args.flags.get('o');
  if (!file || typeof out !== 'string' || !/\.(m?ts)$/.test(out)) throw new UsageError(usageLine('harness'));
  const manifest = `${basename(out).replace(/\.m?ts$/, '')}.manifest.json`;
  const outDir = dirname(resolve(out));
  checkOutputFile('-o', out, [file]);
  const compiled = compileOrReport(file, args.sets);
  if (!compiled.graphs) return 1;
  checkOutputFile('-o', out, compiled.sources.keys());
  checkOutputFile('-o (its manifest)', join(outDir, manifest), compiled.sources.keys());
  const model = buildArtifact(compiled);
  const defaults = recipeDefaults(model);
  const count = (name: string, fallback: number, min = 0) => intFlag(args, name, { min, fallback });
  const batch = count('batch', defaults.batch, 1);
  const recipe: Recipe = {
    ...defaults,
    steps: count('steps', defaults.steps), batch, evalBatch: count('eval-batch', batch, 1),
    lr: numberFlag(args, 'lr', { min: 0, fallback: defaults.lr }), lrDecay: numberFlag(args, 'lr-decay', { min: 0, max: 1, fallback: defaults.lrDecay }),
    ema: numberFlag(args, 'ema', { min: 0, max: 1, fallback: defaults.ema }), weightNorm: defaults.weightNorm && !args.flags.has('no-weight-norm'),
    evalEvery: count('eval-every', defaults.evalEvery), evalImages: count('eval-images', defaults.evalImages),
    seed: seedFlag(args, 'seed', defaults.seed), samples: count('samples', defaults.samples),
  };
  mkdirSync(outDir, { recursive: true });
  writeAtomic(join(outDir, manifest), JSON.stringify(model));
  writeAtomic(resolve(out), emitHarness(model, {
    runtime: RUNTIME_MODULE, manifest, sourcePath: file, sourceSha256: sourceHash(compiled.sources.values()), sets: args.sets,
    data: String(flagValue(args, 'data')), out: String(args.flags.get('out') ?? `runs/${model.model}`), recipe,
  }));
  process.stdout.write(`wrote ${out} and ${join(dirname(out), manifest)}: run it with npx tsx ${out} [--steps N] [--resume]\n`);
  return 0;
}
