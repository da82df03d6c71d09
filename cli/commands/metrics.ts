// sdn metrics --codes FILE --factor-sizes 10,10,10,8,4,15 | model.sdn (--run DIR | --weights FILE);
// flags and their defaults: cli/commands.ts (`sdn metrics --help`).
// The five disentanglement scores (β-VAE, FactorVAE, MIG, DCI, SAP, as disentanglement_lib) of a
// representation over a full factor grid: given as codes, or the posterior means of a β-VAE on
// every image of the 3D Shapes grid (or of an evenly spaced coarser grid, --factor-sizes). From a
// run, the codes and scores are also written to the run folder (codes.safetensors, disentanglement.json),
// and with the latent pictures (cli/latent-pictures.ts: traversal.png, interpolation.png) there or in -o.
import { imageLikelihood } from '../../runtime/likelihood.js';
import { join } from 'node:path';
import { lowerGraph } from '../../compiler/lower/index.js';
import { encodeImages } from '../../runtime/metrics/encode.js';
import { disentanglementScores, type DisentanglementScores, METRIC_DEFAULTS, MetricsError } from '../../runtime/metrics/index.js';
import { parseFactorSizes, subgridRows } from '../../runtime/metrics/subgrid.js';
import { posteriorMeanGraph, type PosteriorMeanGraph } from '../../runtime/posterior-mean.js';
import type { Backend } from '../../runtime/session.js';
import { loadSafetensorsFile, saveSafetensorsFile } from '../../runtime/safetensors-node.js';
import { writeFileAtomic } from '../../runtime/train/run-dir-node.js';
import { InputError, UsageError, type ParsedArgs } from '../args.js';
import { usageLine } from '../commands.js';
import { gridSource, type GridSource } from '../grid-source.js';
import { writeLatentPictures } from '../latent-pictures.js';
import { backendFor, intFlag, seedFlag } from '../model-io.js';
import { checkOutputDir } from '../output.js';
import { loadRunWeights, type RunWeights } from '../run-weights.js';
import { isTerminal } from '../terminal.js';

const USAGE = usageLine('metrics');

export async function metricsCommand(args: ParsedArgs): Promise<number> {
  const seed = seedFlag(args, 'seed');
  const codesPath = args.flags.get('codes');
  const sizesFlag = factorSizesFlag(args);
  if (typeof codesPath === 'string') {
    if (args.positionals.length > 0 || args.flags.has('run') || args.flags.has('weights')) throw new UsageError(`--codes scores a given representation; it takes no model, --run or --weights\n${USAGE}`);
    if (sizesFlag === undefined) throw new UsageError(`--codes needs --factor-sizes (the factor grid its rows enumerate, last factor fastest)\n${USAGE}`);
    const sizes = sizesFlag;
    const { codes, dim } = await readCodes(codesPath);
    report(args, score(args, { codes, dim, sizes }, seed), `${codesPath}: ${codes.length / dim} codes of dimension ${dim} over the ${sizes.join('×')} factor grid; seed ${seed}`);
    return 0;
  }
  const [file] = args.positionals;
  if (!file || args.positionals.length > 1) throw new UsageError(USAGE);
  const runDir = args.flags.get('run'), outFlag = args.flags.get('o');
  const out = typeof outFlag === 'string' ? outFlag : typeof runDir === 'string' ? runDir : undefined;
  const picturesOnly = args.flags.has('pictures-only');
  if (picturesOnly && !out) throw new UsageError('--pictures-only needs --run or -o DIR (where traversal.png and interpolation.png go)');
  if (typeof outFlag === 'string') checkOutputDir('-o', outFlag);
  const batchFlag = intFlag(args, 'batch', { min: 1 }), steps = intFlag(args, 'steps', { min: 2 }), pairs = intFlag(args, 'pairs', { min: 1 });
  const index = args.flags.has('index') ? intFlag(args, 'index', { min: 0 }) : undefined;
  const loaded = await loadRunWeights(file, args, USAGE);
  if (!loaded) return 1;
  const { model, params, from, checkpoint } = loaded;
  const posterior = posteriorMeanGraph(model.graphs.elbo.ir, model.model);
  const [, size] = model.graphs.elbo.inputs[0].shape;
  const source = await gridSource(args, checkpoint, size!);
  try {
    const backend = await backendFor(args);
    if (!picturesOnly) {
      const scored = await scoreModel(args, { ...loaded, posterior, source, backend, seed, batch: batchFlag });
      if (typeof runDir === 'string') {
        const { codes, sizes, scores } = scored;
        await saveSafetensorsFile(join(runDir, 'codes.safetensors'), { codes: { shape: [codes.length / posterior.dim, posterior.dim], data: codes } }, { factor_sizes: sizes.join(','), data: source.name, from });
        writeFileAtomic(join(runDir, 'disentanglement.json'), JSON.stringify({ model: model.model, data: source.name, factor_sizes: sizes, from, seed, ...scores }, null, 2) + '\n');
      }
      report(args, scored.scores, scored.what);
    }
    if (out) {
      const lines = await writeLatentPictures({ model, params, posterior, source, backend, out, seed, index, steps, pairs });
      if (!args.flags.has('json')) process.stdout.write(lines.map((l) => `${l}\n`).join(''));
    }
    return 0;
  } finally {
    source.close();
  }
}

interface ScoreInputs extends RunWeights {
  posterior: PosteriorMeanGraph;
  source: GridSource;
  backend: Backend;
  seed: number;
  batch: number;
}

/** Encodes every image of the (sub)grid to its posterior mean and scores the codes. */
async function scoreModel(args: ParsedArgs, o: ScoreInputs): Promise<{ codes: Float32Array; sizes: number[]; scores: DisentanglementScores; what: string }> {
  const { posterior, source, backend } = o;
  const sizes = factorSizesFlag(args) ?? source.sizes;
  const rows = subgridRows(source.sizes, sizes);
  const batch = Math.min(o.batch, rows.length);
  const runner = await backend.prepare(lowerGraph(posterior.graph), batch);
  runner.setParams(o.params);
  const { dim, width, offset } = posterior;
  const { kind, nbits } = imageLikelihood(o.model);
  const tty = isTerminal(process.stderr);
  let codes: Float32Array;
  try {
    codes = await encodeImages(rows.length, (start, n) => source.images(rows.subarray(start, start + n)), {
      runner, input: posterior.graph.inputs[0]!.name, width, offset, dim, batch, likelihood: kind, nbits,
      onProgress: tty ? (done, total) => process.stderr.write(`\rencoding ${done}/${total} images (${source.name})`) : undefined,
    });
    if (tty) process.stderr.write('\n');
  } finally {
    runner.destroy();
  }
  const scores = score(args, { codes, dim, sizes }, o.seed);
  const grid = `${sizes.join('×')} = ${rows.length} images${sizes.join() === source.sizes.join() ? '' : ` (of ${source.sizes.join('×')})`}`;
  return { codes, sizes, scores, what: `${o.model.model} on ${source.name}, grid ${grid}; posterior means (${dim} dims) from ${o.from}; ${backend.describe()}; seed ${o.seed}` };
}

/** A malformed --factor-sizes is a usage error, like any other flag value. */
function factorSizesFlag(args: ParsedArgs): number[] | undefined {
  const v = args.flags.get('factor-sizes');
  if (v === undefined) return undefined;
  try {
    return parseFactorSizes(String(v));
  } catch (e) {
    if (e instanceof MetricsError) throw new UsageError(e.message);
    throw e;
  }
}

async function readCodes(path: string): Promise<{ codes: Float32Array; dim: number }> {
  let tensors;
  try {
    tensors = (await loadSafetensorsFile(path)).tensors;
  } catch (e) {
    throw new InputError((e as Error).message.replace(/^ENOENT: no such file or directory, open '(.*)'$/, '$1: not found'));
  }
  const t = tensors.get('codes') ?? (tensors.size === 1 ? [...tensors.values()][0] : undefined);
  if (!t) throw new InputError(`${path}: no tensor 'codes' (it has ${[...tensors.keys()].map((k) => `'${k}'`).join(', ') || 'none'}); expected codes float32 [N, z]`);
  if (t.shape.length !== 2) throw new InputError(`${path}: codes have shape [${t.shape}]; expected [N, z], one row per grid point`);
  return { codes: t.data, dim: t.shape[1]! };
}

function score(args: ParsedArgs, fc: Parameters<typeof disentanglementScores>[0], seed: number): DisentanglementScores {
  const tty = isTerminal(process.stderr) && !args.flags.has('json');
  const s = disentanglementScores(fc, seed, METRIC_DEFAULTS, tty ? (m) => process.stderr.write(`\rscoring: ${m}…        `) : undefined);
  if (tty) process.stderr.write('\r\x1b[K');
  return s;
}

function report(args: ParsedArgs, s: DisentanglementScores, what: string): void {
  if (args.flags.has('json')) {
    process.stdout.write(JSON.stringify({ beta_vae: s.beta_vae, factor_vae: s.factor_vae, mig: s.mig, dci: s.dci, sap: s.sap, details: s.details }) + '\n');
    return;
  }
  const f = (v: number) => v.toFixed(4);
  process.stdout.write([
    what,
    `  β-VAE metric      ${f(s.beta_vae)}   (train ${f(s.details.beta_vae_train)})`,
    `  FactorVAE metric  ${f(s.factor_vae)}   (train ${f(s.details.factor_vae_train)}, ${s.details.factor_vae_active_dims} active dims)`,
    `  MIG               ${f(s.mig)}`,
    `  DCI               disentanglement ${f(s.dci.disentanglement)}, completeness ${f(s.dci.completeness)}, informativeness ${f(s.dci.informativeness)}`,
    `  SAP               ${f(s.sap)}`,
  ].join('\n') + '\n');
}
