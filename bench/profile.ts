// Where a graph's time goes: each kernel of a model's graph run alone on WebGPU (best of 3, after
// one full run that compiles everything), summed by kernel kind, with each kind's FLOP rate.
//   npx tsx bench/profile.ts [models/fmnist-sdn.sdn] [train|elbo|sample] [--batch 32] [--top 25] [--kind K] [--seed OUT]
// --kind also lists every kernel of kind K with its time and thread count; --seed profiles the ELBO
// graph differentiated from output OUT instead (a model without a loss: bench/sdn-layer.sdn, y).
import { differentiate } from '../compiler/autodiff/differentiate.js';
import { buildArtifact } from '../compiler/compile.js';
import { eliminateDeadCode } from '../compiler/ir/dce.js';
import { lowerGraph } from '../compiler/lower/index.js';
import { compileModel } from '../compiler/pipeline.js';
import { initParams } from '../runtime/init.js';
import { acquireDevice } from '../runtime/webgpu/device.js';
import { createExecutor } from '../runtime/webgpu/executor.js';
import { kernelFlops } from './generators.js';
import { benchInputs } from './graph-builder.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : fallback);
const [file = 'models/fmnist-sdn.sdn', graph = 'train'] = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const batch = flag('batch', 32), top = flag('top', 25);
const listKind = args.includes('--kind') ? args[args.indexOf('--kind') + 1] : undefined;
const seed = args.includes('--seed') ? args[args.indexOf('--seed') + 1] : undefined;
const compiled = compileModel(file);
const model = seed ? undefined : buildArtifact(compiled);
const program = model ? model.graphs[graph as 'train' | 'elbo' | 'sample'] : lowerGraph(eliminateDeadCode(differentiate(compiled.graphs!.elbo, { seeds: [seed!] })));
const { device } = await acquireDevice({ dawnOptions: process.env.SDN_DAWN ? process.env.SDN_DAWN.split(' ') : [] });
const ex = await createExecutor(device, program, { batch });
ex.setParams(initParams(model?.params ?? compiled.graphs!.elbo.params, 0));
const args2 = { inputs: benchInputs(program.inputs, batch), scalars: { beta: 1 }, seed: 1 };
let t = performance.now();
await ex.run(args2);
const whole = [];
for (let r = 0; r < 3; r++) {
  t = performance.now();
  await ex.run(args2);
  whole.push(performance.now() - t);
}
const times = await ex.profile(args2, 3, false);
const flopsOf = kernelFlops(program, batch), kernelFlopsOf = (k: number) => flopsOf[k];
const byKind = new Map<string, { ms: number; flops: number; n: number }>();
times.forEach(({ name, ms }, k) => {
  const kind = name.split('@')[0];
  const f = kernelFlopsOf(k);
  const e = byKind.get(kind) ?? { ms: 0, flops: 0, n: 0 };
  byKind.set(kind, { ms: e.ms + ms, flops: e.flops + f, n: e.n + 1 });
});
if (listKind) {
  times.forEach(({ name, ms }, k) => {
    const t = program.kernels[k].threads;
    if (name.split('@')[0] !== listKind) return;
    const first = program.ir.nodes[program.kernels[k].nodes[0]];
    const shapes = first.inputs.map((i) => program.ir.nodes[i].shape.join('×')).join(', ');
    const { kernel, stride } = first.attrs as { kernel?: number[]; stride?: number };
    const conv = kernel ? ` ${kernel.join('×')}${stride && stride > 1 ? ` s${stride}` : ''}` : '';
    const rate = `${(kernelFlopsOf(k) / ms / 1e6).toFixed(1).padStart(5)} GFLOP/s`;
    console.log(`${ms.toFixed(2).padStart(8)} ms  ${rate}  ${(t.perExample * batch + t.fixed).toString().padStart(9)} threads  ${name}  (${shapes}${conv})`);
  });
}
const total = times.reduce((s, x) => s + x.ms, 0);
console.log(`${file} ${graph}, batch ${batch}: whole run ${Math.min(...whole).toFixed(0)} ms; kernels alone ${total.toFixed(0)} ms over ${times.length} kernels`);
for (const [kind, e] of [...byKind].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) {
  console.log(`${e.ms.toFixed(0).padStart(7)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)} %  ${(e.flops / e.ms / 1e6).toFixed(2).padStart(6)} GFLOP/s  ×${e.n}  ${kind}`);
}
ex.destroy();
device.destroy();
