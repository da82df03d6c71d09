// Benchmark (not a test): one graph of a model lowered by another checkout of this repository and
// by this one, run round-robin on one device, so that a speed-up is measured under the same load
// (this machine's speed drifts by a third within a session). Both programs run on this
// checkout's executor, so it compares the compilers' kernels.
//   git worktree add ../sdn-before <commit> && ln -s "$PWD/node_modules" ../sdn-before/
//   npx tsx bench/checkout-ab.ts ../sdn-before [train|elbo|sample] [--batch 32] [--reps 5] [--model models/fmnist-sdn.sdn] [--seed OUT]
// --seed OUT runs the ELBO graph differentiated from output OUT instead (a model without a loss,
// such as bench/sdn-layer.sdn: its forward + backward).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CompiledModel, GraphProgram } from '../runtime/program.js';
import { initParams } from '../runtime/init.js';
import { acquireDevice } from '../runtime/webgpu/device.js';
import { createExecutor } from '../runtime/webgpu/executor.js';
import { benchInputs } from './graph-builder.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const [other, graph = 'train'] = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (!other || !['train', 'elbo', 'sample'].includes(graph)) {
  console.error('usage: npx tsx bench/checkout-ab.ts OTHER_CHECKOUT [train|elbo|sample] [--batch N] [--reps N] [--model FILE] [--seed OUT]');
  process.exit(2);
}
const batch = Number(flag('batch', '32')), reps = Number(flag('reps', '5')), model = resolve(flag('model', 'models/fmnist-sdn.sdn'));
const seed = args.includes('--seed') ? flag('seed', '') : undefined;

/** The program of `graph` (or of the ELBO graph differentiated from `seed`) as that checkout's compiler lowers it. */
async function programOf(root: string): Promise<{ program: GraphProgram; params: CompiledModel['params'] }> {
  const at = (path: string) => pathToFileURL(resolve(root, path)).href;
  const { compileModel } = await import(at('compiler/pipeline.ts'));
  const { buildArtifact } = await import(at('compiler/compile.ts'));
  const compiled = compileModel(model);
  const art: CompiledModel = buildArtifact(compiled);
  if (!seed) return { program: art.graphs[graph as 'train' | 'elbo' | 'sample'], params: art.params };
  const { differentiate } = await import(at('compiler/autodiff/differentiate.ts'));
  const { eliminateDeadCode } = await import(at('compiler/ir/dce.ts'));
  const { lowerGraph } = await import(at('compiler/lower/index.ts'));
  return { program: lowerGraph(eliminateDeadCode(differentiate(compiled.graphs.elbo, { seeds: [seed] }))), params: art.params };
}

const { device, adapterInfo } = await acquireDevice();
const sides = [];
for (const root of [resolve(other), resolve('.')]) {
  const { program, params } = await programOf(root);
  const ex = await createExecutor(device, program, { batch });
  ex.setParams(initParams(params, 0));
  const run = { inputs: benchInputs(program.inputs, batch), scalars: { beta: 1 }, seed: 1 };
  await ex.run(run);
  sides.push({ root, ex, run, times: [] as number[] });
}
for (let r = 0; r < reps; r++) {
  for (const s of sides) {
    const t = performance.now();
    await s.ex.run(s.run);
    s.times.push(performance.now() - t);
  }
}
console.log(`${adapterInfo}: ${model} ${seed ? `forward + backward of ${seed}` : graph}, batch ${batch}, ${reps} rounds`);
for (const s of sides) console.log(`  ${s.root}: best ${Math.min(...s.times).toFixed(0)} ms (${s.times.map((t) => t.toFixed(0)).join(' ')})`);
const [a, b] = sides.map((s) => Math.min(...s.times));
console.log(`  this checkout runs it ${(a / b).toFixed(2)}× as fast`);
for (const s of sides) s.ex.destroy();
device.destroy();
