// `npm run bench`: speed, not correctness. Measures in one run, on the current adapter: the FMA
// ceiling (independent vec4 FMA chains) and a plain matmul; the WebGPU forward time of the SDN
// layers of shared/reference.md and of fmnist-sdn; forward + backward of those SDN layers (the
// differentiated graph); and whole training steps of fmnist-sdn (engine + Adamax + EMA, weight
// norm as the reference), with the main thread's share of one core during them. Each as GFLOP/s
// (IR FLOPs, backward ops included), as a fraction of the FMA ceiling, and as a speed ratio to
// PyTorch's time on the same kind of machine; then compile time against run time for each kernel
// generator (fmnist-sdn's training graph) and for the conv generator's register tiles. Writes
// docs/performance.md.
//   npm run bench [-- --quick]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../cli/repo.js';
import { differentiate } from '../compiler/autodiff/differentiate.js';
import { buildArtifact } from '../compiler/compile.js';
import { eliminateDeadCode } from '../compiler/ir/dce.js';
import { lowerGraph } from '../compiler/lower/index.js';
import { compileModel } from '../compiler/pipeline.js';
import { nodeFlops } from '../compiler/summary/summary.js';
import type { Dataset } from '../runtime/data/batches.js';
import { initParams } from '../runtime/init.js';
import type { IrGraph } from '../runtime/ir.js';
import { GraphGradientEngine } from '../runtime/train/graph-engine.js';
import { DEFAULT_RECIPE, Trainer } from '../runtime/train/trainer.js';
import { createWebGpuBackend } from '../runtime/webgpu/backend.js';
import { acquireDevice } from '../runtime/webgpu/device.js';
import { createExecutor } from '../runtime/webgpu/executor.js';
import type { TileResult } from './conv-tiles.js';
import { generatorTable, type GeneratorRow } from './generators.js';
import { benchInputs } from './graph-builder.js';
import { measureMatmulGflops } from './matmul.js';
import { mainThreadCpuSeconds, measureFmaGflops } from './peak.js';
import { findTorch, measurePytorch, type PytorchCase } from './pytorch.js';

const root = repoRoot();
const flopsOf = (g: IrGraph) => nodeFlops(g).reduce((a, b) => a + b, 0);

interface Row {
  name: string;
  firstS: number;
  ms: number;
  flops: number;
  /** PyTorch's time: measured in this run by the exported module, else the stored figure. */
  torchMs?: number;
  torchStored?: boolean;
  /** The same case for the exported PyTorch module (bench/pytorch.ts). */
  torch?: Omit<PytorchCase, 'name' | 'runs'>;
  /** The main thread's CPU time over the wall time of the timed calls (1 = one whole core). */
  mainThread?: number;
}

/** Best of `runs` timed calls after one untimed call (which compiles the kernels). */
async function time(f: () => Promise<unknown>, runs: number): Promise<{ firstS: number; ms: number; mainThread?: number }> {
  let t = performance.now();
  await f();
  const firstS = (performance.now() - t) / 1000;
  let ms = Infinity;
  const cpu0 = await mainThreadCpuSeconds(), wall0 = performance.now();
  for (let r = 0; r < runs; r++) {
    t = performance.now();
    await f();
    ms = Math.min(ms, performance.now() - t);
  }
  const cpu1 = await mainThreadCpuSeconds();
  const mainThread = cpu0 !== undefined && cpu1 !== undefined ? (cpu1 - cpu0) / ((performance.now() - wall0) / 1000) : undefined;
  return { firstS, ms, mainThread };
}

/** Forward (the ELBO graph) or forward + backward (seeded at `seed`) of a model file, on the executor alone. */
async function graphCase(device: GPUDevice, name: string, file: string, batch: number, runs: number, backward?: string, torchMs?: number): Promise<Row> {
  const ir = compileModel(join(root, file)).graphs!.elbo;
  const g = backward ? eliminateDeadCode(differentiate(ir, { seeds: [backward] })) : ir;
  const t0 = performance.now();
  const ex = await createExecutor(device, lowerGraph(g), { batch });
  const compileS = (performance.now() - t0) / 1000;
  ex.setParams(initParams(ir.params, 0));
  const inputs = benchInputs(g.inputs, batch);
  const t = await time(() => ex.run({ inputs, scalars: { beta: 1 }, seed: 1 }), runs);
  t.firstS += compileS;
  ex.destroy();
  const torch = { file, batch, kind: backward ? 'backward' as const : 'forward' as const, ...(backward ? { output: backward } : {}) };
  return { name, ...t, flops: flopsOf(g) * batch, torchMs, torch };
}

/** Whole training steps of a model (engine, weight norm, Adamax, EMA) on synthetic images. */
async function trainCase(name: string, file: string, batch: number, weightNorm: boolean, runs: number, torchMs: number): Promise<Row> {
  const compiled = compileModel(join(root, file));
  const model = buildArtifact(compiled);
  const [c, h, w] = model.graphs.elbo.inputs[0].shape;
  const images = new Uint8Array(4 * batch * c * h * w).map((_, k) => (k * 37) % 256);
  const data: Dataset = { name: 'synthetic', count: 4 * batch, channels: c, height: h, width: w, images, labels: new Uint8Array(4 * batch) };
  const backend = await createWebGpuBackend();
  const trainer = new Trainer({
    model, engine: new GraphGradientEngine(backend, model.graphs.train), evalBackend: backend, train: data, test: data,
    recipe: { ...DEFAULT_RECIPE, batch, weightNorm, steps: 1000, evalEvery: 0 },
  });
  const t = await time(() => trainer.trainStep(), runs);
  trainer.destroy();
  return { name, ...t, flops: flopsOf(trainingIr(compiled.graphs!.elbo)) * batch, torchMs, torch: { file, batch, kind: 'train', weightNorm } };
}

const trainingIr = (elbo: IrGraph) => eliminateDeadCode(differentiate(elbo, { seeds: ['loss'] }));

/**
 * A node process run to its exit with a Mesa shader cache of its own, new, so that every pipeline
 * it builds compiles cold; `dir` is a scratch folder for its outputs. Undefined when it fails.
 */
function spawnCold(what: string, args: (dir: string) => string[]): { stdout: string; stderr: string; seconds: number } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'sdn-cold-'));
  try {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args(dir), { env: { ...process.env, MESA_SHADER_CACHE_DIR: join(dir, 'mesa') }, encoding: 'utf8' });
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) {
      console.error(`${what}: failed (${r.status}): ${r.stderr.trim().split('\n').pop()}`);
      return undefined;
    }
    return { stdout: r.stdout, stderr: r.stderr, seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What a new user waits for: `sdn train` of fmnist-sdn at batch 32 for one step, with an empty
 * Mesa shader cache, from the command to its exit (compiling the training graph's kernels, the
 * step, the checkpoint; no evaluation or samples). Undefined without Fashion-MNIST.
 */
function coldStart(): { seconds: number; compileLine: string } | undefined {
  const r = spawnCold('cold start: sdn train', (dir) => [join(root, 'bin/sdn.js'), 'train', join(root, 'models/fmnist-sdn.sdn'), '--data', 'fashion-mnist',
    '--steps', '1', '--batch', '32', '--eval-images', '0', '--samples', '0', '-o', join(dir, 'run')]);
  return r && { seconds: r.seconds, compileLine: r.stderr.split('\n').find((l) => l.startsWith('compiled ')) ?? '' };
}

/** A bench script's --json result, its pipelines compiled cold (spawnCold). */
function coldRun<T>(script: string, args: string[]): T | undefined {
  const r = spawnCold(script, () => [new URL(script, import.meta.url).pathname, ...args, '--json']);
  const line = r?.stdout.trim().split('\n').pop();
  return line ? (JSON.parse(line) as T) : undefined;
}

async function main(quick: boolean): Promise<void> {
  // Every run measures compilation from cold: a shader cache of its own unless the caller set one.
  process.env.MESA_SHADER_CACHE_DIR ??= mkdtempSync(join(tmpdir(), 'sdn-bench-mesa-'));
  const cold = coldStart();
  if (cold) console.log(`cold start to the end of training step 1: ${cold.seconds.toFixed(1)} s (${cold.compileLine})`);
  const acquired = await acquireDevice();
  const { device } = acquired;
  const runs = quick ? 2 : 5;
  const generators = coldRun<GeneratorRow[]>('./generators.js', [join(root, 'models/fmnist-sdn.sdn'), '--batch', '32']);
  const tileShape = [32, 148, 32, 32], tiles = coldRun<TileResult[]>('./conv-tiles.js', [tileShape.join(','), '16x8,8x8,16x4,8x4,32x8']);
  const ceiling = await measureFmaGflops(device);
  const matmul = await measureMatmulGflops(device, 512);
  const rows: Row[] = [];
  const add = (r: Row) => {
    rows.push(r);
    console.log(`${r.name}: ${r.ms.toFixed(0)} ms (first call ${r.firstS.toFixed(1)} s)`);
  };
  add(await graphCase(device, 'SDN layer forward, batch 8, 64→64, 32×32, 64 features, 2 directions', 'bench/sdn-layer.sdn', 8, runs, undefined, 323));
  add(await graphCase(device, 'SDN layer forward, batch 8, 64→64, 16×16, 64 features, 4 directions', 'bench/sdn-layer-16.sdn', 8, runs, undefined, 159));
  add(await graphCase(device, 'fmnist-sdn ELBO forward, batch 16', 'models/fmnist-sdn.sdn', 16, runs));
  add(await graphCase(device, 'SDN layer forward + backward, batch 8, 32×32, 2 directions', 'bench/sdn-layer.sdn', 8, runs, 'y', 1305));
  add(await graphCase(device, 'SDN layer forward + backward, batch 8, 16×16, 4 directions', 'bench/sdn-layer-16.sdn', 8, runs, 'y', 438));
  add(await trainCase('fmnist-sdn training step, batch 16, no weight norm', 'models/fmnist-sdn.sdn', 16, false, runs, 1255));
  add(await trainCase('fmnist-sdn training step, batch 32, weight norm', 'models/fmnist-sdn.sdn', 32, true, runs, 2800));
  device.destroy();
  // PyTorch on the same cases in the same run (the exported modules); stored figures otherwise.
  const torch = measurePytorch(rows.map((r) => ({ name: r.name, runs, ...r.torch! })));
  for (const r of rows) {
    const m = torch?.get(r.name);
    if (m) Object.assign(r, { torchMs: m.ms, torchStored: false });
    else if (r.torchMs !== undefined) r.torchStored = true;
  }
  const torchVersion = findTorch()?.version;

  const machine = `Adapter: ${acquired.adapterInfo}; CPU: ${cpus().length} × ${cpus()[0]?.model}; memory ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; ${new Date().toISOString().slice(0, 10)}`;
  const table = [
    '| case | first call (compiles the kernels new to this run) | steady | GFLOP/s | of FMA ceiling | main thread (of one core) | vs PyTorch |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    `| FMA ceiling: independent vec4 FMA chains (same run) | | | ${ceiling.toFixed(2)} | 1.00 | | |`,
    `| matmul 512³ (plain register-blocked GEMM, same run) | | | ${matmul.toFixed(2)} | ${(matmul / ceiling).toFixed(2)} | | |`,
    ...rows.map((r) => {
      const gflops = r.flops / (r.ms * 1e6);
      const torch = r.torchMs ? `${(r.torchMs / r.ms).toFixed(2)}× PyTorch's speed (${r.torchMs.toFixed(0)} ms${r.torchStored ? ', stored figure' : ''})` : '';
      const main = r.mainThread !== undefined ? `${(100 * r.mainThread).toFixed(0)} %` : '';
      return `| ${r.name} | ${r.firstS.toFixed(1)} s | ${r.ms.toFixed(0)} ms | ${gflops.toFixed(2)} | ${(gflops / ceiling).toFixed(2)} | ${main} | ${torch} |`;
    }),
  ];
  const doc = ['# Performance', '', 'Written by `npm run bench` (benchmarks measure speed; the tests check correctness).',
    torchVersion
      ? `PyTorch times are measured in the same run: the module \`sdn export\` writes for each case, on PyTorch ${torchVersion} (2 threads, float32); rows marked "stored figure" use \`shared/reference.md\` (PyTorch 1.13 on the same kind of machine);`
      : 'PyTorch times are the stored figures of `shared/reference.md` (PyTorch 1.13, 2 threads, float32, on the same kind of machine; no Python with torch here);',
    'a ratio above 1 means faster than PyTorch. FLOPs count the IR ops (multiply-adds as 2; backward ops included).',
    'The first call includes lavapipe compiling each kernel at its first dispatch (Mesa caches them on disk afterwards).', '',
    machine, '', ...table, '',
    cold ? `Cold start (an empty Mesa shader cache), \`sdn train models/fmnist-sdn.sdn --steps 1 --batch 32\` from the command to its exit, no evaluation: **${cold.seconds.toFixed(1)} s** (${cold.compileLine}).` : 'Cold start: not measured (Fashion-MNIST missing).',
    '', '## Compile time against run time, by kernel generator', '',
    'fmnist-sdn\'s training graph at batch 32 (`bench/generators.ts`): its pipelines compiled from an empty Mesa shader cache, one at a time,',
    'each counted for the generator of the kernel it first served, then every kernel run alone (best of 3).',
    'A generator unrolls only its register tile and keeps everything else in loops; docs/kernels.md has the measurements behind that and behind its tiles.', '',
    ...(generators ? generatorTable(generators, ceiling) : ['Kernel generators: not measured.']), '',
    ...(tiles ? [
      `The conv generator's register tile (rows × columns per invocation), chosen by this measurement: a 3×3 conv ${tileShape[0]}→${tileShape[1]} channels on ${tileShape[2]}×${tileShape[2]} maps, batch ${tileShape[3]}`,
      '(the shape of fmnist-sdn\'s largest convs; `bench/conv-tiles.ts` in a process with a new shader cache, so each tile compiles cold; runs best of 5, round-robin):', '',
      '| tile | run | GFLOP/s | compile (cold) | WGSL the device runs |', '| --- | --- | --- | --- | --- |',
      ...tiles.map((t, i) => `| ${i === 0 ? `**${t.label}** (the default)` : t.label} | ${t.ms.toFixed(1)} ms | ${t.gflops.toFixed(1)} | ${t.compileS.toFixed(2)} s | ${(t.chars / 1024).toFixed(1)} KB |`),
    ] : ['Conv tiles: not measured.']),
    ''].join('\n');
  writeFileSync(join(root, 'docs/performance.md'), doc);
  console.log(`\n${table.join('\n')}\n\nwrote docs/performance.md`);
}

await main(process.argv.includes('--quick'));
