// sdn fmt file.sdn... [--check] [--stdout]: canonical formatting, in place (atomically), as a
// check (exit 1, files listed, nothing written) or to stdout. A file with syntax errors gets
// its diagnostics and is left untouched.
import { existsSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { renderDiagnostic } from '../../diagnostics/render.js';
import { formatText } from '../../compiler/format/verify.js';
import type { ParsedArgs } from '../args.js';
import { UsageError } from '../args.js';
import { usageLine } from '../commands.js';
import { colorOn } from '../terminal.js';

export type FmtMode = 'write' | 'check' | 'stdout';

export interface FmtOutcome {
  file: string;
  /** `unchanged`: already canonical; `formatted`: rewritten (write mode) or printed (stdout mode). */
  status: 'unchanged' | 'formatted' | 'unformatted' | 'syntax-error' | 'unreadable';
  text?: string;
  output?: string;
  diagnostics: Diagnostic[];
}

/** Formats one file in the given mode; only `write` mode touches the file system. */
export function fmtFile(file: string, mode: FmtMode): FmtOutcome {
  if (!existsSync(file) || !statSync(file).isFile()) return { file, status: 'unreadable', diagnostics: [] };
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, ''); // a BOM would shift line 1's columns
  const { output, diagnostics } = formatText(file, text);
  if (output === undefined) return { file, status: 'syntax-error', text, diagnostics };
  if (output === text) return { file, status: 'unchanged', text, output, diagnostics };
  if (mode === 'check') return { file, status: 'unformatted', text, output, diagnostics };
  if (mode === 'write') writeAtomically(file, output);
  return { file, status: 'formatted', text, output, diagnostics };
}

/** Temp file beside the target, then rename: readers see the old or the new file, never half of one. */
export function writeAtomically(file: string, content: string): void {
  const target = realpathSync(file);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.fmt.tmp`);
  try {
    writeFileSync(tmp, content, { mode: statSync(target).mode });
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function fmtCommand(args: ParsedArgs): number {
  const files = args.positionals;
  if (files.length === 0) throw new UsageError(usageLine('fmt'));
  const check = args.flags.has('check'), stdout = args.flags.has('stdout');
  if (check && stdout) throw new UsageError('sdn fmt: --check and --stdout exclude each other');
  const mode: FmtMode = check ? 'check' : stdout ? 'stdout' : 'write';
  const color = colorOn(process.stderr);
  let failed = 0, unformatted = 0;
  const errors: unknown[] = [];
  for (const file of files) {
    let r: FmtOutcome;
    try {
      r = fmtFile(file, mode);
    } catch (e) {
      // A failed write, or a formatter bug (output that would not mean the same): the file is
      // left as it was, and the other files are still formatted.
      process.stderr.write(`sdn fmt: ${file}: ${e instanceof Error ? e.message : String(e)}\n`);
      errors.push(e);
      continue;
    }
    switch (r.status) {
      case 'unreadable':
        process.stderr.write(`sdn fmt: cannot read ${file}\n`);
        failed++;
        break;
      case 'syntax-error':
        for (const d of r.diagnostics) process.stderr.write(renderDiagnostic(d, (f) => (f === file ? r.text : undefined), color) + '\n\n');
        process.stderr.write(`${file}: not formatted (${r.diagnostics.length} syntax error${r.diagnostics.length === 1 ? '' : 's'})\n`);
        failed++;
        break;
      case 'unformatted':
        process.stdout.write(`${file}\n`);
        unformatted++;
        break;
      case 'formatted':
        if (mode === 'write') process.stdout.write(`formatted ${file}\n`);
        else process.stdout.write(r.output!);
        break;
      case 'unchanged':
        if (mode === 'stdout') process.stdout.write(r.output!);
        break;
    }
  }
  if (unformatted > 0) process.stderr.write(`${unformatted} file${unformatted === 1 ? '' : 's'} not formatted (run \`sdn fmt\` on ${unformatted === 1 ? 'it' : 'them'})\n`);
  // cli/main.ts gives the first failure its exit code: 1 for a file-system error, 3 for a bug.
  if (errors.length > 0) throw errors[0];
  return failed > 0 || unformatted > 0 ? 1 : 0;
}
