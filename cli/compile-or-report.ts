// Compiles a model for a CLI command and prints its diagnostics with code frames.
import { existsSync } from 'node:fs';
import { renderDiagnostic } from '../compiler/diagnostics/render.js';
import { compileModel, type Compiled } from '../compiler/pipeline.js';
import { UsageError } from './args.js';
import { colorOn } from './terminal.js';

export function compileOrReport(path: string, overrides: Record<string, string>): Compiled {
  if (!existsSync(path)) throw new UsageError(`model file not found: ${path}`);
  const compiled = compileModel(path, { overrides });
  const color = colorOn(process.stderr);
  for (const d of compiled.diagnostics) process.stderr.write(renderDiagnostic(d, (f) => compiled.sources.get(f), color) + '\n\n');
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors > 0) process.stderr.write(`${errors} error${errors === 1 ? '' : 's'} in ${path}\n`);
  return compiled;
}
