// Kernels with and without their subgroup variants (KernelSpec.subgroup), in one run: a
// model's graph on two devices of the same adapter, one with subgroups and one without, timed
// round-robin (best of N), with the largest difference between their outputs.
//   npx tsx bench/subgroups.ts [models/fmnist-sdn.sdn] [train|elbo|sample] [--batch 32] [--runs 5]
import { buildArtifact } from '../compiler/compile.js';
import { compileModel } from '../compiler/pipeline.js';
import { initParams } from '../runtime/init.js';
import { acquireDevice } from '../runtime/webgpu/device.js';
import { createExecutor } from '../runtime/webgpu/executor.js';
import { oneSubgroupPerWorkgroup } from '../runtime/webgpu/pipelines.js';
import { benchInputs } from './graph-builder.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : fallback);
const [file = 'models/fmnist-sdn.sdn', graph = 'train'] = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const batch = flag('batch', 32), runs = flag('runs', 5);
const model = buildArtifact(compileModel(file));
const program = model.graphs[graph as 'train' | 'elbo' | 'sample'];
const variants = program.kernels.filter((k) => k.subgroup).length;
const runArgs = { inputs: benchInputs(program.inputs, batch), scalars: { beta: 1 }, seed: 1 };
const sides = [];
for (const subgroups of [false, true]) {
  const { device } = await acquireDevice({ subgroups });
  if (subgroups && !oneSubgroupPerWorkgroup(device, 8)) throw new Error('this adapter has no subgroups of 8: the kernels would not use their subgroup variants');
  const ex = await createExecutor(device, program, { batch });
  ex.setParams(initParams(model.params, 0));
  const out = await ex.run(runArgs);
  sides.push({ label: subgroups ? 'subgroups' : 'plain', ex, out, best: Infinity });
}
for (let r = 0; r < runs; r++) {
  for (const s of sides) {
    const t = performance.now();
    await s.ex.run(runArgs);
    s.best = Math.min(s.best, performance.now() - t);
  }
}
let diff = 0;
for (const name of Object.keys(sides[0].out)) {
  const [a, b] = [sides[0].out[name], sides[1].out[name]];
  for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i])));
}
console.log(`${file} ${graph}, batch ${batch}, ${variants} of ${program.kernels.length} kernels with a subgroup variant:`);
for (const s of sides) console.log(`  ${s.label.padEnd(9)} ${s.best.toFixed(0)} ms`);
console.log(`  speed-up ${(sides[0].best / sides[1].best).toFixed(2)}×, largest relative output difference ${diff.toExponential(2)}`);
