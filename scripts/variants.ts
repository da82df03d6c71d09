import { compileModel } from '../compiler/pipeline.js';
import { buildArtifact } from '../compiler/compile.js';
const kindArg = process.argv[2];
const art = buildArtifact(compileModel(process.argv[3] ?? 'models/fmnist-sdn.sdn'));
const all = Object.values(art.graphs).flatMap((p) => p.kernels);
const m = new Map<string, string>();
for (const k of all) if (k.name.split('@')[0] === kindArg && !m.has(k.wgsl)) m.set(k.wgsl, k.name);
const texts = [...m.keys()];
const base = texts[0].split('\n');
for (const t of texts.slice(1)) {
  const l = t.split('\n');
  const diffs = l.map((x, i) => [i, x] as const).filter(([i, x]) => base[i] !== x).slice(0, 3);
  console.log(m.get(t), l.length, 'lines; first diffs:', diffs.map(([i, x]) => `\n   ${i}: ${x.trim().slice(0, 150)}\n   vs ${(base[i] ?? '').trim().slice(0, 150)}`).join(''));
}
