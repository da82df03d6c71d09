// Kernel statistics of a compiled model: kernels per graph, distinct WGSL texts, distinct texts
// with every number masked, total WGSL bytes, the largest kernels.
import { compileModel } from '../compiler/pipeline.js';
import { buildArtifact } from '../compiler/compile.js';

const path = process.argv[2] ?? 'models/fmnist-sdn.sdn';
const art = buildArtifact(compileModel(path));
const all = Object.entries(art.graphs).flatMap(([g, p]) => p.kernels.map((k) => ({ g, k })));
const distinct = new Set(all.map(({ k }) => k.wgsl));
const mask = (s: string) => s.replace(/[0-9][0-9.eE+-]*[uif]?/g, 'N');
const masked = new Set(all.map(({ k }) => mask(k.wgsl)));
const bytes = all.reduce((s, { k }) => s + k.wgsl.length, 0);
const dbytes = [...distinct].reduce((s, w) => s + w.length, 0);
for (const [g, p] of Object.entries(art.graphs)) console.log(`${g}: ${p.kernels.length} kernels, ${new Set(p.kernels.map((k) => k.wgsl)).size} distinct`);
console.log(`all: ${all.length} kernels, ${distinct.size} distinct, ${masked.size} masked-distinct; ${(bytes / 1e6).toFixed(2)} MB total, ${(dbytes / 1e6).toFixed(2)} MB distinct`);
const kind = (n: string) => n.split('@')[0];
const byKind = new Map<string, Set<string>>();
for (const { k } of all) { const s = byKind.get(kind(k.name)) ?? new Set(); s.add(k.wgsl); byKind.set(kind(k.name), s); }
console.log([...byKind].sort((a, b) => b[1].size - a[1].size).slice(0, 40).map(([n, s]) => `${s.size}\t${n}`).join('\n'));
const big = [...distinct].sort((a, b) => b.length - a.length).slice(0, 5);
console.log('largest:', big.map((w) => all.find(({ k }) => k.wgsl === w)!.k.name + ' ' + w.length).join(', '));
const mk = new Map<string, Set<string>>();
for (const { k } of all) { const s = mk.get(kind(k.name)) ?? new Set(); s.add(mask(k.wgsl)); mk.set(kind(k.name), s); }
console.log('masked by kind:\n' + [...mk].sort((a, b) => b[1].size - a[1].size).map(([n, s]) => `${s.size}\t${n}`).join('\n'));
