// A small argument parser: positionals, `--flag`, `--key value`, `--key=value`, and repeated `--set k=v`.
export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
  sets: Record<string, string>;
}

export class UsageError extends Error {}

/** Bad input (a file, a dataset, a device): the CLI prints the message and exits 1. */
export class InputError extends Error {}

export function parseArgs(argv: string[], booleanFlags: string[]): ParsedArgs {
  const out: ParsedArgs = { positionals: [], flags: new Map(), sets: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (/^-[A-Za-z]$/.test(a)) {
      // Short options (-n 64, -o out.png) always take a value.
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      out.flags.set(a.slice(1), argv[++i]);
      continue;
    }
    if (!a.startsWith('--')) {
      out.positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const key = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    let value: string | true;
    if (eq >= 0) value = a.slice(eq + 1);
    else if (booleanFlags.includes(key)) value = true;
    else {
      if (i + 1 >= argv.length) throw new UsageError(`--${key} needs a value`);
      value = argv[++i];
    }
    if (key === 'set') {
      const kv = String(value);
      const at = kv.indexOf('=');
      if (at <= 0) throw new UsageError(`--set expects key=value, got '${kv}'`);
      out.sets[kv.slice(0, at)] = kv.slice(at + 1);
    } else out.flags.set(key, value);
  }
  return out;
}

/** `--names sdn|torch`: how written weights name their tensors (compiler paths, or the authors' PyTorch names). */
export function namesFlag(value: string | true | undefined): 'sdn' | 'torch' {
  if (value === undefined || value === 'sdn' || value === 'torch') return value ?? 'sdn';
  throw new UsageError(`--names must be sdn (the compiler's paths) or torch (the authors' PyTorch names), got '${value === true ? '' : value}'`);
}
