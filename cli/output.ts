// Output paths: checked before a command does any work (never one of its inputs, never a
// directory where a file goes, never under a file), and written atomically (temp file, then
// rename).
import { accessSync, constants, existsSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError, UsageError } from './args.js';

export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** The path a file would have once created: symlinks and `..` resolved in the part that exists. */
function realTarget(path: string): string {
  const abs = resolve(path);
  if (existsSync(abs)) return realpathSync(abs);
  const up = dirname(abs);
  return up === abs ? abs : join(realTarget(up), basename(abs));
}

/** The nearest existing folder above `path`; a file on the way is a usage error. */
function existingParent(flag: string, path: string): string {
  let dir = dirname(resolve(path));
  while (!existsSync(dir)) dir = dirname(dir);
  if (!statSync(dir).isDirectory()) throw new UsageError(`${flag} ${path}: ${dir} is a file, not a folder`);
  return dir;
}

function writable(flag: string, path: string, dir: string): void {
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new InputError(`${flag} ${path}: cannot write into ${dir} (permission denied)`);
  }
}

/** `path` may be written as a file by this command: not an input, not a folder, its folder writable. */
export function checkOutputFile(flag: string, path: string, inputs: Iterable<string>): void {
  const target = realTarget(path);
  for (const input of inputs) {
    if (existsSync(input) && realTarget(input) === target) throw new UsageError(`${flag} ${path} is also an input of this command (${input}); choose another output file`);
  }
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`${flag} ${path} is a folder; give a file name`);
  const dir = existingParent(flag, path);
  if (existsSync(path)) writable(flag, path, dirname(target));
  else writable(flag, path, dir);
}

/** `path` may be used (or created) as an output folder. */
export function checkOutputDir(flag: string, path: string): void {
  if (existsSync(path)) {
    if (!statSync(path).isDirectory()) throw new UsageError(`${flag} ${path} is a file; give a folder`);
    writable(flag, path, path);
    return;
  }
  writable(flag, path, existingParent(flag, path));
}

/**
 * How generated modules (`sdn compile`, `sdn harness`) import the runtime: by package name, so
 * they keep working wherever they are moved, in any project that has `sdn` installed.
 */
export const RUNTIME_MODULE = 'sdn/runtime';
