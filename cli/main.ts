// The `sdn` command line. The one place that maps outcomes to exit codes: 0 success (or what the
// command returns: 1 for diagnostics, differences, failed checks), 1 bad input (a file, a tensor,
// a dataset, a locked run folder), 2 a usage error, 3 a bug (the only case with a stack trace).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatUsage, HelpRequested, InputError, UsageError } from './args.js';
import { COMMANDS } from './commands.js';
import { repoRoot } from './repo.js';

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 2;
  return [
    'usage: sdn <command> [options]     (sdn <command> --help: its options and their defaults)', '', 'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`),
    '', '  --version   print the version',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    process.stdout.write(`sdn ${(JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version}\n`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) throw new UsageError(`unknown command '${name}'\n${usage()}`);
  try {
    return await (await cmd.load())(rest);
  } catch (e) {
    if (!(e instanceof HelpRequested)) throw e;
    process.stdout.write(formatUsage(name, cmd.synopsis, cmd.summary, cmd.flags) + '\n');
    return 0;
  }
}

/** Error classes whose message is the whole story: the input was bad, not the program. */
async function isBadInput(e: unknown): Promise<boolean> {
  if (e instanceof InputError) return true;
  // Imported only now, so that starting the CLI does not load them.
  const classes = await Promise.all([
    import('../runtime/weights.js').then((m) => m.WeightsError), import('../runtime/data/types.js').then((m) => m.DatasetError),
    import('../runtime/image/png.js').then((m) => m.PngError), import('../runtime/train/checkpoint-node.js').then((m) => m.CheckpointError),
    import('../runtime/train/run-lock-node.js').then((m) => m.RunLockedError), import('../runtime/train/guard.js').then((m) => m.TrainingDiverged),
    import('../runtime/metrics/grid.js').then((m) => m.MetricsError), import('../runtime/posterior-mean.js').then((m) => m.PosteriorMeanError),
  ]);
  return classes.some((c) => e instanceof c);
}

/** A failed read or write of a path the user named (permissions, a full disk, a missing folder). */
function fileSystemMessage(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException;
  if (!(e instanceof Error) || typeof err.code !== 'string' || typeof err.path !== 'string' || !err.syscall) return undefined;
  return `${err.path}: ${err.message.replace(/^\w+: /, '').replace(/, \w+ '.*'$/, '')}`;
}

/** Exits once stdout and stderr have handed everything to the OS (a pipe takes 64 KiB at a time). */
function exitAfterFlush(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

/**
 * The exit code of a usage error or of bad input: 2 and 1, except under `sdn diff`, which follows
 * diff(1) (2 for any error) and, as git's external diff driver (--git without --exit-code), exits
 * 0, since git takes any other code as the driver dying and stops the whole `git diff`.
 */
function errorExit(argv: string[], kind: 'usage' | 'input'): number {
  if (argv[0] === 'diff') return argv.includes('--git') && !argv.includes('--exit-code') ? 0 : 2;
  return kind === 'usage' ? 2 : 1;
}

const argv = process.argv.slice(2);
main(argv).then(exitAfterFlush, async (e: unknown) => {
  if (e instanceof UsageError) {
    process.stderr.write(`sdn: ${e.message}\n`);
    return exitAfterFlush(errorExit(argv, 'usage'));
  }
  const fsMessage = fileSystemMessage(e);
  if (fsMessage !== undefined || (await isBadInput(e))) {
    process.stderr.write(`sdn: ${fsMessage ?? (e as Error).message}\n`);
    return exitAfterFlush(errorExit(argv, 'input'));
  }
  process.stderr.write(`sdn: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
  exitAfterFlush(3);
});
