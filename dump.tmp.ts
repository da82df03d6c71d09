import { compileModel } from './compiler/pipeline.js';
const path = process.argv[2];
const c = compileModel(path);
if (!c.graphs) { console.log(c.diagnostics); process.exit(1); }
for (const mode of ['elbo', 'sample'] as const) {
  const g = c.graphs[mode];
  const counts: Record<string, number> = {};
  for (const n of g.nodes) counts[n.op] = (counts[n.op] ?? 0) + 1;
  console.log(mode, g.nodes.length, JSON.stringify(counts));
  if (process.argv[3] === mode) for (const n of g.nodes) console.log(n.id, n.op, JSON.stringify(n.inputs), JSON.stringify(n.attrs), JSON.stringify(n.shape), n.batched, n.layer >= 0 ? g.layers[n.layer].path : '-', n.source?.line);
  if (process.argv[3] === mode) console.log(JSON.stringify(g.inputs), JSON.stringify(g.outputs));
}
