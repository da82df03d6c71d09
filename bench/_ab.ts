// A/B: the same graph lowered by two checkouts, run round-robin on one device.
import { acquireDevice } from '../runtime/webgpu/device.js';
import { createExecutor } from '../runtime/webgpu/executor.js';
import { initParams } from '../runtime/init.js';
import { numel } from '../runtime/ir.js';
const [graph = 'elbo', batchS = '16', reps = '5', model = 'models/fmnist-sdn.sdn'] = process.argv.slice(2);
const batch = Number(batchS);
const load = async (root: string) => {
  const { compileModel } = await import(`${root}/compiler/pipeline.js`);
  const { buildArtifact } = await import(`${root}/compiler/compile.js`);
  return buildArtifact(compileModel(`/work/main/${model}`));
};
const { device } = await acquireDevice({});
const sides = [];
for (const root of ['/work/wt-old', '/work/main']) {
  const art = await load(root);
  const program = art.graphs[graph];
  const ex = await createExecutor(device, program, { batch });
  ex.setParams(initParams(art.params, 0));
  const wave = (n: number) => new Float32Array(n).map((_, k) => Math.sin(k) * 0.5);
  const inputs = Object.fromEntries(program.inputs.map((i: { name: string; shape: number[] }) => [i.name, i.name.startsWith('seed:') ? new Float32Array(batch * numel(i.shape)).fill(1) : wave(batch * numel(i.shape))]));
  const args = { inputs, scalars: { beta: 1 }, seed: 1 };
  await ex.run(args);
  sides.push({ root, ex, args, best: Infinity, all: [] as number[] });
}
for (let r = 0; r < Number(reps); r++) for (const s of sides) {
  const t = performance.now();
  await s.ex.run(s.args);
  const ms = performance.now() - t;
  s.all.push(Math.round(ms));
  s.best = Math.min(s.best, ms);
}
for (const s of sides) console.log(`${s.root}: ${graph} batch ${batch}: best ${s.best.toFixed(0)} ms  all ${s.all.join(' ')}`);
console.log(`speedup ${(sides[0].best / sides[1].best).toFixed(2)}×`);
process.exit(0);
