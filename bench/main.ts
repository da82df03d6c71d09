// `npm run bench`: speed, not correctness. Measures in one run, on the current adapter: the
// matmul ceiling, compile (elaboration) time, and the WebGPU forward time of one SDN layer and of
// fmnist-sdn, as GFLOP/s and as a ratio to the PyTorch timings of shared/reference.md. Writes the
// results with the machine description to docs/performance.md.
import { cpus, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileModel } from '../compiler/pipeline.js';
import { buildArtifact } from '../compiler/compile.js';
import { nodeFlops } from '../compiler/summary/summary.js';
import { acquireDevice } from '../runtime/webgpu/device.js';
import { createWebGpuBackend } from '../runtime/webgpu/backend.js';
import { ModelSession } from '../runtime/session.js';
import { initParams } from '../runtime/init.js';
import { numel } from '../runtime/ir.js';
import { measureMatmulGflops } from './matmul.js';
import { repoRoot } from '../cli/repo.js';

const PYTORCH_MS = { sdnLayerForward: 323 };

async function forwardMs(session: ModelSession, x: Float32Array, runs = 3): Promise<{ firstMs: number; ms: number }> {
  let t = performance.now();
  await session.elbo(x, { seed: 0 });
  const firstMs = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < runs; i++) await session.elbo(x, { seed: i });
  return { firstMs, ms: (performance.now() - t) / runs };
}

async function main(): Promise<void> {
  const root = repoRoot();
  const acquired = await acquireDevice();
  const lines: string[] = [];
  const say = (s: string) => {
    console.log(s);
    lines.push(s);
  };
  say(`Adapter: ${acquired.adapterInfo}; CPU: ${cpus().length} × ${cpus()[0]?.model}; memory ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; ${new Date().toISOString().slice(0, 10)}`);
  say('');
  const ceiling = await measureMatmulGflops(acquired.device, 512);
  say(`| case | first call (compiles kernels) | steady forward | GFLOP/s | vs matmul ceiling | vs PyTorch |`);
  say(`| --- | --- | --- | --- | --- | --- |`);
  say(`| matmul 512³ (ceiling) | | | ${ceiling.toFixed(2)} | 1.00 | |`);
  const backend = await createWebGpuBackend(acquired);

  const cases: { name: string; file: string; batch: number; torchMs?: number }[] = [
    { name: 'SDN layer, batch 8, 64→64, 32×32, 64 features, 2 directions', file: join(root, 'bench/sdn-layer.sdn'), batch: 8, torchMs: PYTORCH_MS.sdnLayerForward },
    { name: 'fmnist-sdn ELBO, batch 16', file: join(root, 'models/fmnist-sdn.sdn'), batch: 16 },
  ];
  for (const c of cases) {
    const t0 = performance.now();
    const compiled = compileModel(c.file);
    const model = buildArtifact(compiled);
    const compileMs = performance.now() - t0;
    const ir = compiled.graphs!.elbo;
    const flops = nodeFlops(ir).reduce((a, b) => a + b, 0) * c.batch;
    const session = new ModelSession(model, backend);
    session.setParams(initParams(model.params, 0));
    const x = new Float32Array(c.batch * numel(model.graphs.elbo.inputs[0].shape)).map((_, i) => Math.sin(i) * 0.5);
    const r = await forwardMs(session, x);
    session.destroy();
    const gflops = flops / (r.ms * 1e6);
    say(`| ${c.name} (${model.graphs.elbo.kernels.length} kernels, compiled in ${compileMs.toFixed(0)} ms) | ${(r.firstMs / 1000).toFixed(1)} s | ${r.ms.toFixed(1)} ms | ${gflops.toFixed(2)} | ${(gflops / ceiling).toFixed(2)} | ${c.torchMs ? `${(c.torchMs / r.ms).toFixed(2)}× PyTorch's speed (${c.torchMs} ms)` : ''} |`);
  }
  acquired.device.destroy();
  const doc = ['# Performance', '', 'Written by `npm run bench` (benchmarks measure speed; the tests check correctness).',
    'Ratios compare with the PyTorch timings in `shared/reference.md`, measured on the same kind of machine.', '', ...lines, ''].join('\n');
  writeFileSync(join(root, 'docs/performance.md'), doc);
}

await main();
