// The `sdn` command line. Bad input ends with a message and exit code 1 (2 for usage
// errors), never a stack trace.
import { parseArgs, UsageError, type ParsedArgs } from './args.js';
import { checkCommand } from './commands/check.js';
import { summaryCommand } from './commands/summary.js';

interface Command {
  run(args: ParsedArgs): number | Promise<number>;
  booleanFlags: string[];
  help: string;
}

const COMMANDS: Record<string, Command> = {
  check: { run: checkCommand, booleanFlags: [], help: 'check model.sdn [--set k=v]        diagnostics only' },
  summary: { run: summaryCommand, booleanFlags: ['json'], help: 'summary model.sdn [--set k=v] [--json]   layers, shapes, parameters, FLOPs' },
};

export function usage(): string {
  return ['usage: sdn <command> [options]', '', 'commands:', ...Object.values(COMMANDS).map((c) => `  ${c.help}`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) throw new UsageError(`unknown command '${name}'\n${usage()}`);
  return cmd.run(parseArgs(rest, cmd.booleanFlags));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`sdn: ${e.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`sdn: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(3);
  },
);
