// Cold shader-compile time of a model's kernels on this adapter: with Mesa's shader cache off,
// the executor compiles each distinct pipeline and runs it once (lavapipe compiles at first
// dispatch); its progress callback times each one and names its kernel.
//   npx tsx bench/compile-time.ts models/fmnist-sdn.sdn [elbo|sample|train] [--top 10]
// Prints the total, the time by kernel kind, and the slowest kernels (the ones worth simplifying).
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
// The compile progress names the kernel (the device's variant of it) each pipeline compiled for.
const times: { name: string; ms: number; chars: number }[] = [];
const t0 = performance.now();
let last = t0;
const ex = await createExecutor(device, program, {
  batch: 1,
  onCompile: (_done, _total, k) => {
    const now = performance.now();
    if (k) times.push({ name: k.name, ms: now - last, chars: k.wgsl.length });
    last = now;
  },
});
const total = (performance.now() - t0) / 1000;
console.log(`${file} ${graph}: ${program.kernels.length} kernels, ${times.length} pipelines, ${total.toFixed(1)} s cold on ${adapterInfo}`);
const byKind = new Map<string, { ms: number; n: number; chars: number }>();
for (const t of times) {
  const kind = t.name.split('@')[0].replace(/\+.*/, '+…');
  const e = byKind.get(kind) ?? { ms: 0, n: 0, chars: 0 };
  byKind.set(kind, { ms: e.ms + t.ms, n: e.n + 1, chars: e.chars + t.chars });
}
for (const [kind, e] of [...byKind].sort((a, b) => b[1].ms - a[1].ms)) console.log(`  ${(e.ms / 1000).toFixed(2)} s  ×${e.n}  ${kind} (${Math.round(e.chars / e.n)} chars each)`);
console.log('slowest:');
for (const t of times.sort((a, b) => b.ms - a.ms).slice(0, top)) console.log(`  ${(t.ms / 1000).toFixed(2)} s  ${t.name} (${t.chars} chars)`);
ex.destroy();
process.exit(0);
