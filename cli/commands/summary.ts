// sdn summary model.sdn [--set k=v] [--json]
import { basename } from 'node:path';
import { renderSummary, summarize } from '../../compiler/summary/summary.js';
import type { ParsedArgs } from '../args.js';
import { UsageError } from '../args.js';
import { compileOrReport } from '../compile-or-report.js';

export function summaryCommand(args: ParsedArgs): number {
  const [file] = args.positionals;
  if (!file) throw new UsageError('usage: sdn summary model.sdn [--set k=v] [--json]');
  const compiled = compileOrReport(file, args.sets);
  if (!compiled.graphs) return 1;
  const s = summarize(compiled.graphs.elbo);
  if (args.flags.has('json')) process.stdout.write(JSON.stringify({ model: basename(file), ...s }, null, 2) + '\n');
  else process.stdout.write(renderSummary(compiled.program!.model.name.name, s) + '\n');
  return 0;
}
