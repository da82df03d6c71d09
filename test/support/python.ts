// The Python with torch that the export tests run: $SDN_PYTHON, else /usr/bin/python3. When it
// lacks torch the export tests skip, saying so (CI installs Debian's python3-torch).
import { spawnSync } from 'node:child_process';

export const PYTHON = process.env.SDN_PYTHON || '/usr/bin/python3';

let probed: string | undefined | null = null;

/** PYTHON when it imports torch, else undefined (after printing why the tests skip). */
export function torchPython(): string | undefined {
  if (probed === null) {
    const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    probed = r.status === 0 ? PYTHON : undefined;
    if (!probed) console.warn(`[export] SKIPPED: ${PYTHON} cannot import torch (install python3-torch, or set SDN_PYTHON)`);
  }
  return probed;
}

/** Runs a Python script; throws with its stderr when it fails. */
export function runPython(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): string {
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', cwd: opts.cwd, env: { ...process.env, ...opts.env }, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${PYTHON} ${args.join(' ')} exited ${r.status}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}
