// sdn summary model.sdn [--set k=v] [--json] [--memory [--batch 32]]
import { basename } from 'node:path';
import { buildArtifact } from '../../compiler/compile.js';
import { memoryPlan, renderMemoryPlan } from '../../compiler/summary/memory.js';
import { renderSummary, summarize } from '../../compiler/summary/summary.js';
import type { ParsedArgs } from '../args.js';
import { UsageError } from '../args.js';
import { compileOrReport } from '../compile-or-report.js';
import { usageLine } from '../commands.js';
import { intFlag } from '../model-io.js';

export function summaryCommand(args: ParsedArgs): number {
  const [file] = args.positionals;
  if (!file || args.positionals.length > 1) throw new UsageError(usageLine('summary'));
  const batch = intFlag(args, 'batch', { min: 1 });
  const compiled = compileOrReport(file, args.sets);
  if (!compiled.graphs) return 1;
  if (args.flags.has('memory')) {
    const model = buildArtifact(compiled);
    const plans = (['elbo', 'sample', 'train'] as const).map((g) => memoryPlan(g, model.graphs[g], batch));
    if (args.flags.has('json')) process.stdout.write(JSON.stringify({ model: basename(file), plans }, null, 2) + '\n');
    else process.stdout.write(renderMemoryPlan(model.model, plans) + '\n');
    return 0;
  }
  const s = summarize(compiled.graphs.elbo);
  if (args.flags.has('json')) process.stdout.write(JSON.stringify({ model: basename(file), ...s }, null, 2) + '\n');
  else process.stdout.write(renderSummary(compiled.program!.model.name.name, s) + '\n');
  return 0;
}
