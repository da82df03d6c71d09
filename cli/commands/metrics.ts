// sdn metrics --codes codes.safetensors --factor-sizes 10,10,10,8,4,15 [--seed 0] [--json]
// sdn metrics model.sdn (--run runs/NAME | --weights w.safetensors) [--data shapes3d | --data 3dshapes.h5]
//   [--factor-sizes 10,10,10,8,4,15] [--seed 0] [--batch 64] [--raw] [--json] [--executor webgpu|cpu]
// The five disentanglement scores (β-VAE, FactorVAE, MIG, DCI, SAP, as disentanglement_lib) of a
// representation over a full factor grid: given as codes, or the posterior means of a β-VAE on
// every image of the 3D Shapes grid (or of an evenly spaced coarser grid, --factor-sizes). From a
// run, the codes and scores are also written to the run folder (codes.safetensors, disentanglement.json).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lowerGraph } from '../../compiler/lower/index.js';
import { factorGrid, openShapes3dFile, readRows, scaleFactor } from '../../runtime/data/hdf5-node.js';
import { renderShapes3dBatch, SHAPES3D_SIZES } from '../../runtime/data/shapes3d.js';
import { DatasetError } from '../../runtime/data/types.js';
import { likelihoodOf } from '../../runtime/likelihood.js';
import { encodeImages } from '../../runtime/metrics/encode.js';
import { disentanglementScores, type DisentanglementScores, METRIC_DEFAULTS, MetricsError } from '../../runtime/metrics/index.js';
import { parseFactorSizes, subgridRows } from '../../runtime/metrics/subgrid.js';
import { posteriorMeanGraph, PosteriorMeanError } from '../../runtime/posterior-mean.js';
import { loadSafetensorsFile, saveSafetensorsFile } from '../../runtime/safetensors-node.js';
import { CheckpointError } from '../../runtime/train/checkpoint-node.js';
import { WeightsError } from '../../runtime/weights.js';
import { InputError, UsageError, type ParsedArgs } from '../args.js';
import { backendFor, intFlag } from '../model-io.js';
import { loadRunWeights } from '../run-weights.js';

const USAGE = 'usage: sdn metrics --codes codes.safetensors --factor-sizes 10,10,10,8,4,15 [--seed 0] [--json]\n' +
  '       sdn metrics model.sdn (--run runs/NAME | --weights w.safetensors) [--data shapes3d|3dshapes.h5] [--factor-sizes …] [--seed 0] [--json] [--executor webgpu|cpu]';

export async function metricsCommand(args: ParsedArgs): Promise<number> {
  try {
    return await metrics(args);
  } catch (e) {
    if (e instanceof MetricsError || e instanceof PosteriorMeanError || e instanceof DatasetError || e instanceof CheckpointError || e instanceof WeightsError) {
      process.stderr.write(`sdn: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

async function metrics(args: ParsedArgs): Promise<number> {
  const seed = intFlag(args, 'seed', 0);
  if (seed < 0 || seed > 0xffffffff) throw new UsageError(`--seed must be in [0, 2^32), got ${seed}`);
  const codesPath = args.flags.get('codes');
  const sizesFlag = args.flags.get('factor-sizes');
  if (sizesFlag === true) throw new UsageError('--factor-sizes needs a value, e.g. 10,10,10,8,4,15');
  if (typeof codesPath === 'string') {
    if (args.positionals.length > 0 || args.flags.has('run') || args.flags.has('weights')) throw new UsageError(`--codes scores a given representation; it takes no model, --run or --weights\n${USAGE}`);
    if (sizesFlag === undefined) throw new UsageError(`--codes needs --factor-sizes (the factor grid its rows enumerate, last factor fastest)\n${USAGE}`);
    const sizes = parseFactorSizes(sizesFlag);
    const { codes, dim } = await readCodes(codesPath);
    report(args, score(args, { codes, dim, sizes }, seed), `${codesPath}: ${codes.length / dim} codes of dimension ${dim} over the ${sizes.join('×')} factor grid; seed ${seed}`);
    return 0;
  }
  const [file] = args.positionals;
  if (!file) throw new UsageError(USAGE);
  const loaded = await loadRunWeights(file, args, USAGE);
  if (!loaded) return 1;
  const { model, params, from, checkpoint } = loaded;
  const posterior = posteriorMeanGraph(model.graphs.elbo.ir, model.model);
  const [, size] = model.graphs.elbo.inputs[0].shape;
  const runData = checkpoint?.extra.data as string | undefined;
  const dataSpec = typeof args.flags.get('data') === 'string' ? String(args.flags.get('data')) : runData && /^shapes3d|\.(h5|hdf5)/.test(runData) ? runData : 'shapes3d';
  const source = await gridSource(dataSpec, size!);
  try {
    const sizes = typeof sizesFlag === 'string' ? parseFactorSizes(sizesFlag) : source.sizes;
    const rows = subgridRows(source.sizes, sizes);
    const batch = Math.min(intFlag(args, 'batch', 64), rows.length);
    if (batch < 1) throw new UsageError('--batch must be positive');
    const backend = await backendFor(args);
    const runner = await backend.prepare(lowerGraph(posterior.graph), batch);
    runner.setParams(params);
    const { dim, width, offset } = posterior;
    const { kind, nbits } = likelihoodOf(model.graphs.elbo.ir);
    const tty = process.stderr.isTTY === true;
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
    const scores = score(args, { codes, dim, sizes }, seed);
    const grid = `${sizes.join('×')} = ${rows.length} images${sizes.join() === source.sizes.join() ? '' : ` (of ${source.sizes.join('×')})`}`;
    const what = `${model.model} on ${source.name}, grid ${grid}; posterior means (${dim} dims) from ${from}; ${backend.describe()}; seed ${seed}`;
    const runDir = args.flags.get('run');
    if (typeof runDir === 'string') {
      await saveSafetensorsFile(join(runDir, 'codes.safetensors'), { codes: { shape: [rows.length, dim], data: codes } }, { factor_sizes: sizes.join(','), data: source.name, from });
      await writeFile(join(runDir, 'disentanglement.json'), JSON.stringify({ model: model.model, data: source.name, factor_sizes: sizes, from, seed, ...scores }, null, 2) + '\n');
    }
    report(args, scores, what);
    return 0;
  } finally {
    source.close();
  }
}

interface GridSource {
  name: string;
  /** The dataset's full factor grid. */
  sizes: number[];
  /** Images of the given grid rows, NCHW at the model's size. */
  images(rows: ArrayLike<number>): Uint8Array;
  close(): void;
}

async function gridSource(spec: string, size: number): Promise<GridSource> {
  if (/^shapes3d(:|$)/.test(spec)) {
    const given = /size=(\d+)/.exec(spec)?.[1];
    if (given !== undefined && Number(given) !== size) throw new UsageError(`--data ${spec}: the model takes ${size}×${size} images`);
    return { name: `shapes3d-${size}`, sizes: [...SHAPES3D_SIZES], images: (rows) => renderShapes3dBatch(rows, size), close: () => undefined };
  }
  const path = /^(.+\.(?:h5|hdf5))(?::.*)?$/.exec(spec)?.[1];
  if (!path) throw new UsageError(`--data ${spec}: the metrics need the 3D Shapes factor grid: shapes3d (procedural) or a 3dshapes .h5 file`);
  const file = await openShapes3dFile(path);
  try {
    const factor = scaleFactor(file, size);
    return { name: `${path} at ${size}×${size}`, sizes: factorGrid(file.labels(), file.count, path), images: (rows) => readRows(file, rows, factor), close: () => file.close() };
  } catch (e) {
    file.close();
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
  const tty = process.stderr.isTTY === true && !args.flags.has('json');
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
