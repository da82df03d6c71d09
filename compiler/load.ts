// Loading a model: parse the file and its imports, collect declarations, evaluate the
// model-level params (with `--set` overrides). The result is what the checker and the
// elaborator work on.
import { readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type * as A from '../grammar/ast.js';
import { parseSource } from '../grammar/parse.js';
import { DiagnosticError, error, type Diagnostic, type Span } from '../diagnostics/diagnostic.js';
import { Env } from './elaborate/scope.js';
import { evalConst } from './elaborate/const-eval.js';
import { hasType, KNOWN_TYPES, show, type Value } from './elaborate/values.js';

export interface Program {
  main: A.SourceFile;
  files: Map<string, A.SourceFile>;
  sources: Map<string, string>;
  blocks: Map<string, { decl: A.BlockDecl; file: string }>;
  /** The main file's params, after overrides. */
  globals: Map<string, { value: Value; span: Span; decl: A.ParamDecl }>;
  model: A.ModelDecl;
  /** The file-level environment a block's body sees (its own file's params). */
  globalEnv(decl: A.BlockDecl): Env;
}

export interface LoadResult {
  program?: Program;
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
}

export type ReadFile = (path: string) => string;

/** Model files are text of human size; anything bigger (or endless: /dev/zero) is a mistake. */
export const MAX_SOURCE_BYTES = 1 << 20;

/** Reads a model file from disk, refusing folders, devices and files over MAX_SOURCE_BYTES. */
export function readSourceFile(path: string): string {
  const st = statSync(path);
  if (st.isDirectory()) throw new Error(`${path} is a folder, not a model file`);
  if (!st.isFile()) throw new Error(`${path} is not a regular file`);
  if (st.size > MAX_SOURCE_BYTES) throw new Error(`${path} is ${st.size.toLocaleString('en-US')} bytes, over the ${MAX_SOURCE_BYTES / (1 << 20)} MiB limit for a model file`);
  return readFileSync(path, 'utf8');
}

const reason = (e: unknown) => (e as Error).message.replace(/^ENOENT: no such file or directory, \w+ '(.*)'$/, 'no file at $1').replace(/^(\w+): (.*), \w+ '.*'$/, '$2');

const overrideSpan = (name: string): Span => ({ file: '--set', line: 1, col: 1, endLine: 1, endCol: name.length + 1, start: 0, end: name.length });

export function loadProgram(path: string, readFile: ReadFile, overrides: Record<string, string> = {}): LoadResult {
  const sources = new Map<string, string>();
  const files = new Map<string, A.SourceFile>();
  const diagnostics: Diagnostic[] = [];

  const load = (file: string, from?: { span: Span; chain: string[]; written: string }): A.SourceFile | undefined => {
    // The cycle check comes first: a file on the import chain is already in `files`.
    if (from?.chain.includes(file)) {
      const shown = [...from.chain, file].map((f) => relative(dirname(from.chain[0]), f));
      diagnostics.push(error('E-IMPORT', `import cycle: ${shown.join(' → ')}`, from.span));
      return undefined;
    }
    if (files.has(file)) return files.get(file);
    let text: string;
    try {
      // A byte-order mark is not part of the text: left in, it would shift line 1's columns.
      text = readFile(file).replace(/^\uFEFF/, '');
    } catch (e) {
      if (from) diagnostics.push(error('E-IMPORT', `cannot read imported file ${JSON.stringify(from.written)} (${reason(e)})`, from.span));
      else diagnostics.push(error('E-READ', `cannot read model file: ${reason(e)}`, { file, line: 1, col: 1, endLine: 1, endCol: 1, start: 0, end: 0 }));
      return undefined;
    }
    sources.set(file, text);
    const parsed = parseSource(file, text);
    diagnostics.push(...parsed.diagnostics);
    if (!parsed.ast) return undefined;
    files.set(file, parsed.ast);
    for (const item of parsed.ast.items) {
      if (item.kind === 'Import') load(resolve(dirname(file), item.path), { span: item.span, chain: [...(from?.chain ?? []), file], written: item.path });
    }
    return parsed.ast;
  };

  const main = load(path);
  if (!main || diagnostics.length > 0) return { diagnostics, sources };

  const blocks = new Map<string, { decl: A.BlockDecl; file: string }>();
  // Imported files first, so a clash is reported in the file that imports the library.
  for (const [file, ast] of [...files].sort(([a], [b]) => Number(a === path) - Number(b === path))) {
    for (const item of ast.items) {
      if (item.kind !== 'Block') continue;
      const prev = blocks.get(item.name.name);
      if (prev) diagnostics.push(error('E-DUPLICATE', `block \`${item.name.name}\` is defined twice`, item.name.span, [{ message: 'first defined here', span: prev.decl.name.span }]));
      else blocks.set(item.name.name, { decl: item, file });
    }
  }
  const models = main.items.filter((i): i is A.ModelDecl => i.kind === 'Model');
  if (models.length === 0) diagnostics.push(error('E-NO-MODEL', 'this file declares no `model`', { ...main.span, file: path }));
  models.slice(1).forEach((m) => diagnostics.push(error('E-DUPLICATE', 'a file declares one model', m.name.span, [{ message: 'first model here', span: models[0].name.span }])));

  const envs = new Map<string, Env>();
  const globals: Program['globals'] = new Map();
  const unused = new Set(Object.keys(overrides));
  for (const [file, ast] of files) {
    const env = new Env();
    for (const item of ast.items) {
      if (item.kind !== 'Param') continue;
      if (env.own(item.name.name)) {
        diagnostics.push(error('E-DUPLICATE', `param \`${item.name.name}\` is declared twice`, item.name.span));
        continue;
      }
      try {
        let value = evalConst(item.value, env);
        const override = file === path ? overrides[item.name.name] : undefined;
        if (override !== undefined) {
          unused.delete(item.name.name);
          value = parseOverride(item.name.name, override);
        }
        // An unknown type name is the checker's to report.
        const known = (t: A.TypeRef): boolean => KNOWN_TYPES.includes(t.name) && (!t.arg || known(t.arg));
        if (item.type && known(item.type) && !hasType(value, item.type.name, item.type.arg?.name))
          diagnostics.push(error('E-TYPE', `param \`${item.name.name}\` is declared ${item.type.name}${item.type.arg ? `[${item.type.arg.name}]` : ''} but its value is ${show(value)}`, override !== undefined ? overrideSpan(item.name.name) : item.value.span));
        env.define(item.name.name, value, item.name.span);
        if (file === path) globals.set(item.name.name, { value, span: item.name.span, decl: item });
      } catch (e) {
        if (!(e instanceof DiagnosticError)) throw e;
        diagnostics.push(e.diagnostic);
      }
    }
    envs.set(file, env);
  }
  for (const name of unused) {
    const known = [...globals.keys()].join(', ') || 'none';
    diagnostics.push(error('E-SET', `--set ${name}: the model has no param \`${name}\` (its params: ${known})`, overrideSpan(name)));
  }
  if (diagnostics.length > 0) return { diagnostics, sources };
  const program: Program = {
    main, files, sources, blocks, globals, model: models[0],
    globalEnv: (decl) => envs.get(blocks.get(decl.name.name)!.file)!,
  };
  return { program, diagnostics, sources };
}

/** `--set k=v`: the value is an expression of the language (numbers, bools, lists, ranges). */
function parseOverride(name: string, text: string): Value {
  const parsed = parseSource('--set', `param ${name} = ${text}`);
  const item = parsed.ast?.items[0];
  if (!item || item.kind !== 'Param' || parsed.diagnostics.length > 0)
    throw new DiagnosticError(error('E-SET', `--set ${name}=${text}: not a valid value`, overrideSpan(name)));
  try {
    return evalConst(item.value, new Env());
  } catch (e) {
    if (!(e instanceof DiagnosticError)) throw e;
    throw new DiagnosticError(error('E-SET', `--set ${name}=${text}: not a value (${e.diagnostic.message.replace(/ \(.*\)$/, '')}; a value is a number, bool, string or list)`, overrideSpan(name)));
  }
}
