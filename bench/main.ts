// `npm run bench`: speed, not correctness. Measures in one run, on the current adapter: the
// matmul ceiling; the WebGPU forward time of the SDN layers of shared/reference.md and of
// fmnist-sdn; forward + backward of those SDN layers (the differentiated graph); and whole
// training steps of fmnist-sdn (engine + Adamax + EMA, weight norm as the reference). Each as
// GFLOP/s (IR FLOPs, backward ops included), as a fraction of the matmul ceiling, and as a
// speed ratio to PyTorch's time on the same kind of machine. Writes docs/performance.md.
//   npm run bench [-- --quick]
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
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
import { numel, seedInput, type IrGraph } from '../runtime/ir.js';
import { GraphGradientEngine } from '../runtime/train/graph-engine.js';
import { DEFAULT_RECIPE, Trainer } from '../runtime/train/trainer.js';
import { createWebGpuBackend } from '../runtime/webgpu/backend.js';
import { acquireDevice } from '../runtime/webgpu/device.js';
import { createExecutor } from '../runtime/webgpu/executor.js';
import { measureMatmulGflops } from './matmul.js';

const root = repoRoot();
const flopsOf = (g: IrGraph) => nodeFlops(g).reduce((a, b) => a + b, 0);
const wave = (n: number) => new Float32Array(n).map((_, k) => Math.sin(k) * 0.5);

interface Row {
  name: string;
  firstS: number;
  ms: number;
  flops: number;
  torchMs?: number;
}

/** Best of `runs` timed calls after one untimed call (which compiles the kernels). */
async function time(f: () => Promise<unknown>, runs: number): Promise<{ firstS: number; ms: number }> {
  let t = performance.now();
  await f();
  const firstS = (performance.now() - t) / 1000;
  let ms = Infinity;
  for (let r = 0; r < runs; r++) {
    t = performance.now();
    await f();
    ms = Math.min(ms, performance.now() - t);
  }
  return { firstS, ms };
}

/** Forward (the ELBO graph) or forward + backward (seeded at `seed`) of a model file, on the executor alone. */
async function graphCase(device: GPUDevice, name: string, file: string, batch: number, runs: number, backward?: string, torchMs?: number): Promise<Row> {
  const ir = compileModel(join(root, file)).graphs!.elbo;
  const g = backward ? eliminateDeadCode(differentiate(ir, { seeds: [backward] })) : ir;
  const ex = await createExecutor(device, lowerGraph(g), { batch });
  ex.setParams(initParams(ir.params, 0));
  const inputs = Object.fromEntries(g.inputs.map((i) => [i.name, i.name === seedInput(backward ?? '') ? wave(batch * numel(i.shape)).fill(1) : wave(batch * numel(i.shape))]));
  const t = await time(() => ex.run({ inputs, scalars: { beta: 1 }, seed: 1 }), runs);
  ex.destroy();
  return { name, ...t, flops: flopsOf(g) * batch, torchMs };
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
  return { name, ...t, flops: flopsOf(trainingIr(compiled.graphs!.elbo)) * batch, torchMs };
}

const trainingIr = (elbo: IrGraph) => eliminateDeadCode(differentiate(elbo, { seeds: ['loss'] }));

async function main(quick: boolean): Promise<void> {
  const acquired = await acquireDevice();
  const { device } = acquired;
  const runs = quick ? 2 : 5;
  const ceiling = await measureMatmulGflops(device, 512);
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

  const machine = `Adapter: ${acquired.adapterInfo}; CPU: ${cpus().length} × ${cpus()[0]?.model}; memory ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; ${new Date().toISOString().slice(0, 10)}`;
  const table = [
    '| case | first call (compiles kernels) | steady | GFLOP/s | of matmul ceiling | vs PyTorch (same kind of machine) |',
    '| --- | --- | --- | --- | --- | --- |',
    `| matmul 512³, the ceiling of this adapter (same run) | | | ${ceiling.toFixed(2)} | 1.00 | |`,
    ...rows.map((r) => {
      const gflops = r.flops / (r.ms * 1e6);
      const torch = r.torchMs ? `${(r.torchMs / r.ms).toFixed(2)}× PyTorch's speed (${r.torchMs} ms)` : '';
      return `| ${r.name} | ${r.firstS.toFixed(1)} s | ${r.ms.toFixed(0)} ms | ${gflops.toFixed(2)} | ${(gflops / ceiling).toFixed(2)} | ${torch} |`;
    }),
  ];
  const doc = ['# Performance', '', 'Written by `npm run bench` (benchmarks measure speed; the tests check correctness).',
    'PyTorch times are those of `shared/reference.md` (PyTorch 1.13, 2 threads, float32, on the same kind of machine);',
    'a ratio above 1 means faster than PyTorch. FLOPs count the IR ops (multiply-adds as 2; backward ops included).',
    'The first call includes lavapipe compiling each kernel at its first dispatch (Mesa caches them on disk afterwards).', '',
    machine, '', ...table, ''].join('\n');
  writeFileSync(join(root, 'docs/performance.md'), doc);
  console.log(`\n${table.join('\n')}\n\nwrote docs/performance.md`);
}

await main(process.argv.includes('--quick'));
