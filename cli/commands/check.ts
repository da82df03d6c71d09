// sdn check model.sdn [--set k=v]: diagnostics only.
import type { ParsedArgs } from '../args.js';
import { UsageError } from '../args.js';
import { compileOrReport } from '../compile-or-report.js';
import { usageLine } from '../commands.js';

export function checkCommand(args: ParsedArgs): number {
  if (args.positionals.length === 0) throw new UsageError(usageLine('check'));
  let failed = 0;
  for (const file of args.positionals) {
    const compiled = compileOrReport(file, args.sets);
    if (compiled.graphs) process.stdout.write(`${file}: ok\n`);
    else failed++;
  }
  return failed > 0 ? 1 : 0;
}
