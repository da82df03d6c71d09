// Benchmark (not a test): time to compile (parse, check, elaborate both graphs, DCE) each model.
import { resolve } from 'node:path';
import { readdirSync } from 'node:fs';
import { compileModel } from '../compiler/pipeline.js';
import { repoRoot } from '../cli/repo.js';

const modelsDir = resolve(repoRoot(), 'models');
for (const f of readdirSync(modelsDir).filter((f) => f.endsWith('.sdn')).sort()) {
  const path = resolve(modelsDir, f);
  compileModel(path); // warm-up (JIT, chevrotain caches)
  const runs = 5;
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) compileModel(path);
  const ms = (performance.now() - t0) / runs;
  console.log(`${f.padEnd(22)} ${ms.toFixed(1).padStart(7)} ms per compile`);
}
