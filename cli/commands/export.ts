// sdn export model.sdn --to pytorch -o out/ [--set k=v]
// Writes a standalone PyTorch project for the elaborated model: model.py (the torch.nn.Module),
// train.py (sdn train's recipe, DistributedDataParallel through torchrun), data.py, convert.py
// and README.md.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { exportPytorch } from '../../compiler/export/index.js';
import { UsageError, type ParsedArgs } from '../args.js';
import { usageLine } from '../commands.js';
import { compileOrReport } from '../compile-or-report.js';
import { checkOutputDir, writeAtomic } from '../output.js';

export function exportCommand(args: ParsedArgs): number {
  const [file] = args.positionals;
  const out = args.flags.get('o');
  const to = args.flags.get('to');
  if (!file || args.positionals.length > 1 || typeof out !== 'string' || to === undefined) throw new UsageError(usageLine('export'));
  if (to !== 'pytorch') throw new UsageError(`--to ${String(to)}: the only export target is pytorch\n${usageLine('export')}`);
  checkOutputDir('-o', out);
  const compiled = compileOrReport(file, args.sets);
  if (!compiled.graphs || !compiled.program) return 1;
  const model = compiled.program.model.name.name;
  const files = exportPytorch({ model, sourcePath: file, sets: args.sets, ...compiled.graphs });
  mkdirSync(out, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeAtomic(join(out, name), text);
  process.stdout.write(`exported ${model} to ${out}/ (${Object.keys(files).join(', ')}); see ${join(out, 'README.md')}\n`);
  return 0;
}
