// Writing generated files: atomically (temp file, then rename), and importing the runtime of
// this checkout's sources, so generated TypeScript type-checks whether the CLI runs from dist/ or not.
import { renameSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { repoRoot } from './repo.js';

export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Module specifier of `<repo>/runtime` as seen from `fromDir`, always relative (`./…` or `../…`). */
export function runtimeSpecifier(fromDir: string): string {
  const rel = relative(resolve(fromDir), join(repoRoot(), 'runtime')).split('\\').join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}
