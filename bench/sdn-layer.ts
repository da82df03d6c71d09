// Benchmark (not a test): WebGPU forward time of one SDN layer (bench/sdn-layer.sdn: batch 8,
// 64→64 channels, 32×32, 64 features, directions 0 and 1) and of the fmnist-sdn ELBO (batch 16),
// with achieved GFLOP/s (IR FLOPs from nodeFlops), the matmul GFLOP/s of the same adapter in
// the same run, the ratio to PyTorch's SDN layer forward (shared/reference.md: 323 ms on this
// kind of machine), and per-kernel times.
//   npx tsx bench/sdn-layer.ts [--kernels] [--runs N]
import { resolve } from 'node:path';
import { repoRoot } from '../cli/repo.js';
import { lowerGraph } from '../compiler/lower/index.js';
import { compileModel } from '../compiler/pipeline.js';
import { nodeFlops } from '../compiler/summary/summary.js';
import { initParams } from '../runtime/init.js';
import { numel } from '../runtime/ir.js';
import { acquireDevice } from '../runtime/webgpu/device.js';
import { createExecutor } from '../runtime/webgpu/executor.js';
import { measureMatmulGflops } from './matmul.js';

const PYTORCH_SDN_LAYER_FORWARD_MS = 323;

interface Case {
  name: string;
  file: string;
  batch: number;
  torchMs?: number;
}

async function bench(device: GPUDevice, c: Case, runs: number, perKernel: boolean) {
  const compiled = compileModel(c.file);
  if (!compiled.graphs) throw new Error(`${c.file}: ${compiled.diagnostics.map((d) => d.message).join('; ')}`);
  const g = compiled.graphs.elbo;
  const program = lowerGraph(g);
  const flops = nodeFlops(g).reduce((a, b) => a + b, 0) * c.batch;
  let t = performance.now();
  const ex = await createExecutor(device, program, { batch: c.batch });
  const createMs = performance.now() - t;
  ex.setParams(initParams(g.params, 0));
  const inputs = Object.fromEntries(g.inputs.map((i) => [i.name, new Float32Array(c.batch * numel(i.shape)).map((_, k) => Math.sin(k) * 0.5)]));
  const args = { inputs, scalars: { beta: 1, temperature: 1 }, seed: 1 };
  t = performance.now();
  await ex.run(args);
  const firstMs = performance.now() - t;
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    t = performance.now();
    await ex.run(args);
    best = Math.min(best, performance.now() - t);
  }
  const kernels = perKernel ? await ex.profile(args, 3, false) : [];
  ex.destroy();
  return { nodes: g.nodes.length, kernels: program.kernels.length, createMs, firstMs, ms: best, gflops: flops / (best * 1e6), flops, perKernel: kernels };
}

async function main(args: string[]): Promise<void> {
  const perKernel = args.includes('--kernels');
  const runs = Number(args[args.indexOf('--runs') + 1]) || 5;
  const root = repoRoot();
  const { device, adapterInfo } = await acquireDevice();
  try {
    console.log(`adapter: ${adapterInfo}`);
    const matmul = await measureMatmulGflops(device, 512);
    console.log(`matmul 512³ on this adapter: ${matmul.toFixed(2)} GFLOP/s`);
    const cases: Case[] = [
      { name: 'SDN layer (batch 8, 64→64, 32×32, 64 features, 2 dirs)', file: resolve(root, 'bench/sdn-layer.sdn'), batch: 8, torchMs: PYTORCH_SDN_LAYER_FORWARD_MS },
      { name: 'fmnist-sdn ELBO (batch 16)', file: resolve(root, 'models/fmnist-sdn.sdn'), batch: 16 },
    ];
    for (const c of cases) {
      const r = await bench(device, c, runs, perKernel);
      const torch = c.torchMs ? `, ${(c.torchMs / r.ms).toFixed(2)}× PyTorch's speed (${c.torchMs} ms)` : '';
      console.log(
        `${c.name}: ${r.ms.toFixed(1)} ms forward (best of ${runs}; first run ${r.firstMs.toFixed(0)} ms, pipelines ${r.createMs.toFixed(0)} ms), ` +
          `${(r.flops / 1e9).toFixed(2)} GFLOP → ${r.gflops.toFixed(2)} GFLOP/s = ${(r.gflops / matmul).toFixed(2)}× matmul${torch}; ` +
          `${r.nodes} IR nodes → ${r.kernels} kernels`,
      );
      for (const k of r.perKernel.sort((a, b) => b.ms - a.ms).slice(0, 12)) console.log(`  ${k.ms.toFixed(1).padStart(8)} ms  ${k.name}`);
    }
  } finally {
    device.destroy();
  }
}

await main(process.argv.slice(2));
