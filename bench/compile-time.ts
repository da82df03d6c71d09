// Cold shader-compile time of a model's kernels on this adapter: lavapipe compiles a pipeline at
// its first dispatch, so each kernel is dispatched once, alone, with Mesa's shader cache off.
//   npx tsx bench/compile-time.ts models/fmnist-sdn.sdn [elbo|sample|train] [--top 10]
// Prints the total and the slowest kernels (the ones worth simplifying).
process.env.MESA_SHADER_CACHE_DISABLE = 'true';
const { compileModel } = await import('../compiler/pipeline.js');
const { buildArtifact } = await import('../compiler/compile.js');
const { acquireDevice } = await import('../runtime/webgpu/device.js');
const { createExecutor } = await import('../runtime/webgpu/executor.js');

const [file, graph = 'elbo'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const top = Number(process.argv[process.argv.indexOf('--top') + 1]) || 10;
if (!file || !['elbo', 'sample', 'train'].includes(graph)) {
  console.error('usage: npx tsx bench/compile-time.ts MODEL.sdn [elbo|sample|train] [--top N]');
  process.exit(2);
}
const program = buildArtifact(compileModel(file)).graphs[graph as 'elbo' | 'sample' | 'train'];
const { device, adapterInfo } = await acquireDevice();
const ex = await createExecutor(device, program, { batch: 1 });
const times: { name: string; ms: number; chars: number }[] = [];
const seen = new Set<string>();
for (const [k, spec] of program.kernels.entries()) {
  const t0 = performance.now();
  await ex.runKernel(k);
  if (!seen.has(spec.wgsl)) times.push({ name: spec.name, ms: performance.now() - t0, chars: spec.wgsl.length });
  seen.add(spec.wgsl);
}
const total = times.reduce((s, t) => s + t.ms, 0);
console.log(`${file} ${graph}: ${program.kernels.length} kernels, ${times.length} distinct, ${(total / 1000).toFixed(1)} s cold on ${adapterInfo}`);
for (const t of times.sort((a, b) => b.ms - a.ms).slice(0, top)) console.log(`  ${(t.ms / 1000).toFixed(2)} s  ${t.name} (${t.chars} chars)`);
ex.destroy();
process.exit(0);
