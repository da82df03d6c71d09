// Compiles a model for a CLI command and prints its diagnostics with code frames.
import { existsSync } from 'node:fs';
import { renderDiagnostic } from '../diagnostics/render.js';
import { error } from '../diagnostics/diagnostic.js';
import { compileModel, type Compiled } from '../compiler/pipeline.js';
import { UsageError } from './args.js';
import { colorOn } from './terminal.js';

/** Training, evaluation and the compiled artifact minimize the model's `output loss`. */
function withLoss(compiled: Compiled): Compiled {
  if (!compiled.graphs || compiled.graphs.elbo.outputs.some((o) => o.name === 'loss')) return compiled;
  const m = compiled.program!.model;
  const message = `model \`${m.name.name}\` has no \`output loss\`: sdn needs the per-example loss to minimize (the density_vae and beta_vae blocks output one)`;
  return { ...compiled, graphs: undefined, diagnostics: [...compiled.diagnostics, error('E-NO-LOSS', message, m.name.span)] };
}

export function checkModelFile(path: string): void {
  if (!existsSync(path)) throw new UsageError(`model file not found: ${path}`);
}

export function compileOrReport(path: string, overrides: Record<string, string>): Compiled {
  checkModelFile(path);
  const compiled = withLoss(compileModel(path, { overrides }));
  const color = colorOn(process.stderr);
  for (const d of compiled.diagnostics) process.stderr.write(renderDiagnostic(d, (f) => compiled.sources.get(f), color) + '\n\n');
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors > 0) process.stderr.write(`${errors} error${errors === 1 ? '' : 's'} in ${path}\n`);
  return compiled;
}
