// Compile time against run time for each kernel generator, on the current adapter: a model's
// training graph compiled pipeline by pipeline (cold when Mesa's shader cache is new: `npm run
// bench` gives each run a cache of its own), then each kernel run alone (best of 3), summed by
// the generator that wrote it. docs/kernels.md has the measurements behind each generator's
// choices (tiles, loops, variants).
//   MESA_SHADER_CACHE_DIR=$(mktemp -d) npx tsx bench/generators.ts [models/fmnist-sdn.sdn] [--batch 32] [--json]
import { pathToFileURL } from 'node:url';
import { buildArtifact } from '../compiler/compile.js';
import { OPS } from '../compiler/ops/index.js';
import { compileModel } from '../compiler/pipeline.js';
import { nodeFlops } from '../compiler/summary/summary.js';
import { initParams } from '../runtime/init.js';
import type { IrParam } from '../runtime/ir.js';
import type { GraphProgram, KernelSpec } from '../runtime/program.js';
import { acquireDevice } from '../runtime/webgpu/device.js';
import { createExecutor } from '../runtime/webgpu/executor.js';
import { benchInputs } from './graph-builder.js';

export interface GeneratorRow {
  generator: string;
  kernels: number;
  /** Pipelines this run compiled for them (a pipeline counts for the kernel it compiled first). */
  pipelines: number;
  wgslBytes: number;
  compileS: number;
  runMs: number;
  flops: number;
}

/** Each kernel's FLOPs at this batch: a node with a batched operand (the weight gradients too) does its per-example FLOPs `batch` times. */
export function kernelFlops(program: GraphProgram, batch: number): number[] {
  const flops = nodeFlops(program.ir), nodes = program.ir.nodes;
  const perBatch = (n: number) => nodes[n].batched || nodes[n].inputs.some((i) => nodes[i].batched);
  return program.kernels.map((k) => k.nodes.reduce((s, n) => s + flops[n] * (perBatch(n) ? batch : 1), 0));
}

/** The generator (compiler/lower/kernels) that wrote a kernel, from the lowering of the ops it computes. */
export function generatorOf(program: GraphProgram, k: KernelSpec): string {
  const ops = k.nodes.map((n) => program.ir.nodes[n].op);
  const lowers = ops.map((op) => OPS[op].lower);
  if (lowers.some((l) => 'dense' in l)) return 'conv, transposed conv, linear (conv.ts)';
  if (lowers.some((l) => 'weightGrad' in l)) return 'weight gradients (weight-grad.ts, weight-grad-taps.ts)';
  if (ops.includes('sdn_sweep')) return 'SDN sweep, forward scan (sweep.ts)';
  if (ops.includes('sweep_grad')) return 'SDN sweep, reverse scan (sweep-grad.ts)';
  if (lowers.every((l) => 'inline' in l)) return 'fused elementwise chains (common.ts)';
  return 'reductions, likelihoods, noise, remaps';
}

export async function measureGenerators(device: GPUDevice, program: GraphProgram, params: IrParam[], batch: number): Promise<GeneratorRow[]> {
  const compiled: { k: KernelSpec; s: number }[] = [];
  let last = performance.now();
  const ex = await createExecutor(device, program, {
    batch,
    onCompile: (_done, _total, k) => {
      const now = performance.now();
      if (k) compiled.push({ k, s: (now - last) / 1000 });
      last = now;
    },
  });
  try {
    ex.setParams(initParams(params, 0));
    const args = { inputs: benchInputs(program.inputs, batch), scalars: { beta: 1 }, seed: 1 };
    await ex.run(args);
    const times = await ex.profile(args, 3, false);
    const flops = kernelFlops(program, batch);
    const rows = new Map<string, GeneratorRow>();
    const row = (g: string) => rows.get(g) ?? rows.set(g, { generator: g, kernels: 0, pipelines: 0, wgslBytes: 0, compileS: 0, runMs: 0, flops: 0 }).get(g)!;
    program.kernels.forEach((k, i) => {
      const r = row(generatorOf(program, k));
      r.kernels++;
      r.runMs += times[i].ms;
      r.flops += flops[i];
    });
    for (const { k, s } of compiled) {
      const r = row(generatorOf(program, k));
      r.pipelines++;
      r.compileS += s;
      r.wgslBytes += k.wgsl.length;
    }
    return [...rows.values()].sort((a, b) => b.runMs - a.runMs);
  } finally {
    ex.destroy();
  }
}

/** The rows as a markdown table, rates against the FMA ceiling measured in the same run. */
export function generatorTable(rows: GeneratorRow[], ceiling: number): string[] {
  const sum = (f: (r: GeneratorRow) => number) => rows.reduce((s, r) => s + f(r), 0);
  const line = (r: GeneratorRow) => {
    const gflops = r.flops / (r.runMs * 1e6);
    const rate = r.flops > 0 ? `${gflops.toFixed(1)} | ${(gflops / ceiling).toFixed(2)}` : '– | –';
    return `| ${r.generator} | ${r.kernels} | ${r.pipelines} | ${(r.wgslBytes / 1024).toFixed(0)} KB | ${r.compileS.toFixed(1)} s | ${r.runMs.toFixed(0)} ms | ${rate} |`;
  };
  const total: GeneratorRow = { generator: '**all**', kernels: sum((r) => r.kernels), pipelines: sum((r) => r.pipelines), wgslBytes: sum((r) => r.wgslBytes), compileS: sum((r) => r.compileS), runMs: sum((r) => r.runMs), flops: sum((r) => r.flops) };
  return [
    '| kernel generator (compiler/lower/kernels) | kernels | pipelines compiled | their WGSL | compile | run, each kernel alone | GFLOP/s | of FMA ceiling |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(line), line(total),
  ];
}

async function main(argv: string[]): Promise<void> {
  const file = argv.find((a, i) => !a.startsWith('--') && argv[i - 1] !== '--batch') ?? 'models/fmnist-sdn.sdn';
  const batch = argv.includes('--batch') ? Number(argv[argv.indexOf('--batch') + 1]) : 32;
  const model = buildArtifact(compileModel(file));
  const { device, adapterInfo } = await acquireDevice();
  const rows = await measureGenerators(device, model.graphs.train, model.params, batch);
  if (argv.includes('--json')) {
    console.log(JSON.stringify(rows));
  } else {
    const { measureFmaGflops } = await import('./peak.js');
    console.log(`${file} training graph, batch ${batch}, on ${adapterInfo}`);
    console.log(generatorTable(rows, await measureFmaGflops(device)).join('\n'));
  }
  device.destroy();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
