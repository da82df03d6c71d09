// Loads `sdn compile`'s files from disk (runtime/program-files.ts).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { CompiledModel } from './program.js';
import { GRAPH_NAMES, loadCompiledModel, type GraphName } from './program-files.js';

/** The model of `<model>.json` (a path or a file: URL) with the graphs `only` lists (default: all). */
export function loadCompiledModelFile(manifest: string | URL, only: readonly GraphName[] = GRAPH_NAMES): Promise<CompiledModel> {
  const path = manifest instanceof URL ? fileURLToPath(manifest) : manifest;
  return loadCompiledModel(path, (p) => readFile(p, 'utf8'), only);
}
