// The arrows between the product's folders point down: diagnostics/ is a leaf, the grammar
// imports only it, the runtime imports neither the grammar nor the compiler (so a browser or a
// trained-model user never loads the parser), and the runtime ships no code generator. Read from
// the sources with TypeScript's own import scanner, so dynamic imports count too.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO } from '../runtime/train/helpers.js';

const FOLDERS = ['diagnostics', 'grammar', 'runtime', 'compiler', 'cli'] as const;
type Folder = (typeof FOLDERS)[number];

/** The product folders each folder may import from. */
const MAY_IMPORT: Record<Folder, readonly Folder[]> = {
  diagnostics: ['diagnostics'],
  grammar: ['grammar', 'diagnostics'],
  runtime: ['runtime'],
  compiler: ['compiler', 'diagnostics', 'grammar', 'runtime'],
  cli: ['cli', 'compiler', 'diagnostics', 'grammar', 'runtime'],
};

/** npm packages only some folders may load: the parser generator and the TypeScript emitter. */
const PACKAGES: Record<string, readonly Folder[]> = {
  chevrotain: ['grammar', 'compiler'],
  'ts-morph': ['compiler'],
};

interface Edge { from: string; spec: string; folder?: string }

function sources(folder: string): string[] {
  return readdirSync(join(REPO, folder), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(folder, f));
}

function importsOf(file: string): Edge[] {
  const text = readFileSync(join(REPO, file), 'utf8');
  return ts.preProcessFile(text, true, true).importedFiles.map(({ fileName: spec }) => {
    if (!spec.startsWith('.')) return { from: file, spec };
    const target = relative(REPO, resolve(REPO, dirname(file), spec));
    return { from: file, spec, folder: target.split('/')[0] };
  });
}

const edges = new Map(FOLDERS.map((f) => [f, sources(f).flatMap(importsOf)]));

describe('import arrows', () => {
  it('reads every product folder and resolves relative imports', () => {
    for (const f of FOLDERS) expect(edges.get(f)!.length, f).toBeGreaterThan(0);
    // The compiler parses with the grammar and runs with the runtime's IR: the scanner sees both.
    const into = (f: Folder) => new Set(edges.get(f)!.map((e) => e.folder).filter(Boolean));
    expect([...into('compiler')]).toEqual(expect.arrayContaining(['grammar', 'runtime', 'diagnostics']));
    expect([...into('grammar')]).toContain('diagnostics');
  });

  it.each(FOLDERS)('%s/ imports only the folders below it', (folder) => {
    const bad = edges.get(folder)!
      .filter((e) => e.folder !== undefined && !(MAY_IMPORT[folder] as readonly string[]).includes(e.folder))
      .map((e) => `${e.from} imports ${e.spec}`);
    expect(bad).toEqual([]);
  });

  it.each(FOLDERS)('%s/ loads only the npm packages it may', (folder) => {
    const bad = edges.get(folder)!
      .filter((e) => e.folder === undefined)
      .filter((e) => Object.entries(PACKAGES).some(([pkg, who]) => (e.spec === pkg || e.spec.startsWith(`${pkg}/`)) && !who.includes(folder)))
      .map((e) => `${e.from} imports ${e.spec}`);
    expect(bad).toEqual([]);
  });

  it('the runtime ships no code generator: no WGSL source and no TypeScript emitter in runtime/', () => {
    const wgsl = /@compute|@workgroup_size|var<storage/;
    expect(sources('runtime').filter((f) => wgsl.test(readFileSync(join(REPO, f), 'utf8')))).toEqual([]);
    // The check itself finds the generators where they are.
    expect(sources('compiler').some((f) => wgsl.test(readFileSync(join(REPO, f), 'utf8')))).toBe(true);
  });
});
