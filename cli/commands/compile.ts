// sdn compile model.sdn -o out/ [--set k=v] [--runtime sdn/runtime]
// Writes out/<model>.json (the manifest: parameters, likelihood, the file of each graph),
// out/<model>.<graph>.json for elbo, sample and train (IR, kernels, buffers; runtime/program-files.ts),
// each distinct kernel (and subgroup variant) once as out/kernels/<kind>.<hash>.wgsl for reading
// (kernels are shape-generic, so the graphs share most of them; the header lists every use), and out/<model>.ts,
// a typed class generated with ts-morph.
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { emitTypeScript } from '../../compiler/codegen/typescript.js';
import { programFiles } from '../../runtime/program-files.js';
import { contentHash } from '../../runtime/webgpu/pipelines.js';
import { flagValue, UsageError, type ParsedArgs } from '../args.js';
import { checkOutputDir, writeAtomic } from '../output.js';
import { compileArtifact } from '../model-io.js';
import { usageLine } from '../commands.js';

export function compileCommand(args: ParsedArgs): number {
  const [file] = args.positionals;
  const out = args.flags.get('o');
  if (!file || typeof out !== 'string') throw new UsageError(usageLine('compile'));
  checkOutputDir('-o', out);
  const compiled = compileArtifact(file, args.sets);
  if (!compiled) return 1;
  const { model } = compiled;
  const name = basename(file).replace(/\.sdn$/, '');
  mkdirSync(join(out, 'kernels'), { recursive: true });
  const uses = new Map<string, string[]>();
  for (const [graph, program] of Object.entries(model.graphs)) {
    for (const k of program.kernels) {
      const where = k.source ? ` (${k.source.file}:${k.source.line}:${k.source.col})` : '';
      uses.set(k.wgsl, [...(uses.get(k.wgsl) ?? []), `// ${graph}: ${k.name}${where}`]);
      if (k.subgroup) uses.set(k.subgroup.wgsl, [...(uses.get(k.subgroup.wgsl) ?? []), `// ${graph}: ${k.name}${where}, subgroup variant`]);
    }
  }
  for (const [wgsl, names] of uses) {
    const kind = names[0].split(': ')[1].split('@')[0].replace(/[^A-Za-z0-9_.-]+/g, '_');
    writeAtomic(join(out, 'kernels', `${kind}.${contentHash(wgsl)}.wgsl`), `${names.join('\n')}\n${wgsl}`);
  }
  const distinct = new Set(Object.values(model.graphs).flatMap((p) => p.kernels.map((k) => k.wgsl))).size;
  const manifest = `${name}.json`;
  for (const [file, text] of programFiles(model, name)) writeAtomic(join(out, file), text);
  const runtime = String(flagValue(args, 'runtime'));
  writeAtomic(join(out, `${name}.ts`), emitTypeScript(model, { runtime, manifest, sourcePath: file }));
  const counts = Object.entries(model.graphs).map(([g, p]) => `${g}: ${p.kernels.length} kernels from ${p.ir.nodes.length} IR nodes`).join(', ');
  process.stdout.write(`compiled ${model.model} to ${out}/ (${counts}; ${distinct} distinct kernels, ${uses.size - distinct} of them also as a subgroup variant)\n`);
  return 0;
}
