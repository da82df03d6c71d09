// sdn compile model.sdn -o out/ [--set k=v] [--runtime sdn/runtime]
// Writes out/<model>.json (the manifest: parameters, likelihood, the file of each graph),
// out/<model>.<graph>.json for elbo, sample and train (IR, kernels, buffers; runtime/program-files.ts),
// each distinct kernel (and subgroup variant) once as out/kernels/<kind>.<hash>.wgsl for reading
// (kernels are shape-generic, so the graphs share most of them; the header lists where they are used), and out/<model>.ts,
// a typed class generated with ts-morph.
import { mkdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
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
  // Each kernel file is headed by its kind and one line per model-file location using it, with
  // the number of uses in each graph (the graph files name every use).
  const uses = new Map<string, { kind: string; at: Map<string, Map<string, number>> }>();
  const use = (wgsl: string, kind: string, graph: string, where: string) => {
    const u = uses.get(wgsl) ?? { kind, at: new Map() };
    const graphs = u.at.get(where) ?? new Map<string, number>();
    graphs.set(graph, (graphs.get(graph) ?? 0) + 1);
    u.at.set(where, graphs);
    uses.set(wgsl, u);
  };
  for (const [graph, program] of Object.entries(model.graphs)) {
    for (const k of program.kernels) {
      const where = k.source ? `${relative(process.cwd(), k.source.file)}:${k.source.line}:${k.source.col}` : 'no source location';
      const kind = k.name.split('@')[0];
      use(k.wgsl, kind, graph, where);
      if (k.subgroup) use(k.subgroup.wgsl, `${kind}, subgroup variant`, graph, where);
    }
  }
  for (const [wgsl, { kind, at }] of uses) {
    const lines = [`// ${kind}`, ...[...at].map(([where, graphs]) => `// ${where}: ${[...graphs].map(([g, n]) => `${g} ×${n}`).join(', ')}`)];
    writeAtomic(join(out, 'kernels', `${kind.split(',')[0].replace(/[^A-Za-z0-9_.-]+/g, '_')}.${contentHash(wgsl)}.wgsl`), `${lines.join('\n')}\n${wgsl}`);
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
