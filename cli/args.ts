// Strict argument parsing against a command's flag table: positionals, `--flag`, `--key value`,
// `--key=value`, `-o value`, repeatable flags (`--set k=v`). An unknown flag is a usage error
// that suggests the closest known one; `--help`/`-h` asks for the command's usage.
export interface Flag {
  /** The key: one letter is written `-o` (`--o` works too), longer names `--steps`. */
  name: string;
  /** Metavariable of the value (`N`, `FILE`); absent for a switch. */
  value?: string;
  /** Default value: shown in the help and taken by `flagValue` when the flag is absent. */
  default?: string;
  /** Shown in the help instead when the default depends on the model or on other flags. */
  defaultNote?: string;
  help: string;
  /** May be given several times (collected in order). */
  repeat?: boolean;
  /** Other spellings of the same flag (`--out` for `-o`). */
  aliases?: string[];
}

export interface ParsedArgs {
  positionals: string[];
  /** Flags given on the command line (a switch is `true`). */
  flags: Map<string, string | true>;
  /** `--set k=v` overrides of model params. */
  sets: Record<string, string>;
  /** Every value of each repeatable flag, in order. */
  lists: Map<string, string[]>;
  /** Defaults of the flags not given. */
  defaults: Map<string, string>;
}

export class UsageError extends Error {}

/** Bad input (a file, a dataset, a device): the CLI prints the message and exits 1. */
export class InputError extends Error {}

/** `--help` or `-h`: the CLI prints the command's usage and exits 0. */
export class HelpRequested extends Error {}

export const flagName = (f: string) => (f.length === 1 ? `-${f}` : `--${f}`);

/** Parses `argv` against `flags`; `command` names the command in messages. */
export function parseArgs(argv: string[], flags: readonly Flag[], command: string): ParsedArgs {
  const byName = new Map<string, Flag>();
  for (const f of flags) for (const n of [f.name, ...(f.aliases ?? [])]) byName.set(n, f);
  const out: ParsedArgs = { positionals: [], flags: new Map(), sets: {}, lists: new Map(), defaults: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a === '--help' || a === '-h') throw new HelpRequested();
    const long = a.startsWith('--'), short = /^-[A-Za-z]/.test(a);
    if (!long && !short) {
      out.positionals.push(a);
      continue;
    }
    const body = a.slice(long ? 2 : 1);
    const eq = long ? body.indexOf('=') : -1;
    const key = eq >= 0 ? body.slice(0, eq) : body;
    const flag = byName.get(key);
    if (!flag || (short && key.length !== 1)) throw new UsageError(unknownFlag(a.split('=')[0], flags, command));
    let value: string | true;
    if (!flag.value) {
      if (eq >= 0) throw new UsageError(`${flagName(key)} takes no value (got '${a}')`);
      value = true;
    } else if (eq >= 0) value = body.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`${flagName(key)} needs a value (${flag.value})`);
      value = argv[++i];
    }
    if (flag.repeat) {
      const list = out.lists.get(flag.name) ?? [];
      list.push(String(value));
      out.lists.set(flag.name, list);
    } else if (out.flags.has(flag.name)) throw new UsageError(`${flagName(flag.name)} is given twice`);
    out.flags.set(flag.name, value);
  }
  for (const kv of out.lists.get('set') ?? []) Object.assign(out.sets, keyValue('--set', kv));
  for (const f of flags) if (f.default !== undefined && !out.flags.has(f.name)) out.defaults.set(f.name, f.default);
  return out;
}

/** `k=v` of a repeatable override flag. */
export function keyValue(flag: string, kv: string): Record<string, string> {
  const at = kv.indexOf('=');
  if (at <= 0) throw new UsageError(`${flag} expects key=value, got '${kv}'`);
  return { [kv.slice(0, at)]: kv.slice(at + 1) };
}

/** A flag's value as given, else its default. */
export function flagValue(args: ParsedArgs, name: string): string | true | undefined {
  return args.flags.get(name) ?? args.defaults.get(name);
}

function unknownFlag(given: string, flags: readonly Flag[], command: string): string {
  const names = flags.flatMap((f) => [f.name, ...(f.aliases ?? [])]).map(flagName);
  const bare = given.replace(/^-+/, '');
  let best: string | undefined, bestDistance = Infinity;
  for (const n of names) {
    const d = editDistance(bare, n.replace(/^-+/, ''));
    if (d < bestDistance) [best, bestDistance] = [n, d];
  }
  const close = best !== undefined && bestDistance <= Math.max(1, Math.floor(bare.length / 3));
  return `unknown option ${given} for sdn ${command}${close ? `; did you mean ${best}?` : ''} (sdn ${command} --help lists its options)`;
}

/** Levenshtein distance, with a transposition of neighbours counting 1 (`--stpes`). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** A command's usage: its synopsis, what it does, and every flag with its default. */
export function formatUsage(command: string, synopsis: string, summary: string, flags: readonly Flag[]): string {
  const rows = flags.map((f) => {
    const names = [f.name, ...(f.aliases ?? [])].map(flagName).join(', ');
    const left = `${names}${f.value ? ` ${f.value}` : ''}`;
    const def = f.default !== undefined ? ` (default: ${f.default})` : f.defaultNote ? ` (default: ${f.defaultNote})` : '';
    return [left, `${f.help}${def}${f.repeat ? '; may repeat' : ''}`];
  });
  rows.push(['-h, --help', 'this help']);
  const width = Math.min(28, Math.max(...rows.map(([l]) => l.length)) + 2);
  const lines = rows.map(([l, r]) => (l.length + 2 > width ? `  ${l}\n  ${' '.repeat(width)}${r}` : `  ${l.padEnd(width)}${r}`));
  return [`usage: sdn ${command} ${synopsis}`, '', summary, '', 'options:', ...lines].join('\n');
}

/** `--names sdn|torch`: how written weights name their tensors (compiler paths, or the authors' PyTorch names). */
export function namesFlag(value: string | true | undefined): 'sdn' | 'torch' {
  if (value === undefined || value === 'sdn' || value === 'torch') return value ?? 'sdn';
  throw new UsageError(`--names must be sdn (the compiler's paths) or torch (the authors' PyTorch names), got '${value === true ? '' : value}'`);
}
