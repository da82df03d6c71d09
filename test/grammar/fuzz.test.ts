// Token-level fuzzing of the front end: thousands of seeded random mutations (deletions,
// insertions of a token seen in the models, swaps of neighbours) of every file in models/ and
// models/lib/. Whatever the mutant, compiling it must not throw, every diagnostic must point
// inside its file, and a failed compile must say why. Mutants that still parse must format
// to text that parses to the same AST and formats to itself.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { IToken } from 'chevrotain';
import { sdnLexer } from '../../grammar/lexer.js';
import { compileModel } from '../../compiler/pipeline.js';
import { formatText } from '../../compiler/format/verify.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MUTANTS_PER_FILE = 300;

/** mulberry32: a small seeded PRNG, so every run fuzzes the same mutants. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const tokensOf = (text: string): IToken[] => sdnLexer.tokenize(text).tokens;

const OPERATORS = ['+', '-', '*', '/', '%', '==', '!=', '<', '<=', '>', '>=', 'and', 'or'];

/** The vocabulary entries that can stand where `t` stands: names for names, numbers for numbers, operators for operators. */
function sameKind(t: IToken, vocab: string[]): string[] {
  const kind = t.tokenType.name;
  if (OPERATORS.includes(t.image)) return OPERATORS;
  if (kind !== 'Identifier' && kind !== 'NumberLiteral' && kind !== 'StringLiteral') return [t.image];
  if (!byKind.has(kind)) byKind.set(kind, vocab.filter((v) => tokensOf(v)[0].tokenType.name === kind));
  return byKind.get(kind)!;
}
const byKind = new Map<string, string[]>();

/**
 * One to three random token edits: delete a token, insert a token of `vocab` (every distinct
 * token text of the models), swap two neighbours, or replace a token by one of its kind (a
 * deletion and an insertion in one place, so more mutants get past the parser); and in some
 * mutants a comment inserted between tokens.
 */
function mutate(text: string, vocab: string[], rand: () => number): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  let out = text;
  const r0 = rand();
  const edits = r0 < 0.7 ? 1 : r0 < 0.9 ? 2 : 3;
  for (let n = 0; n < edits; n++) {
    const toks = tokensOf(out);
    if (toks.length < 2) break;
    const i = Math.floor(rand() * (toks.length - 1));
    const a = toks[i], b = toks[i + 1];
    const end = (t: IToken) => t.endOffset! + 1;
    const r = rand();
    if (r < 0.25) out = out.slice(0, a.startOffset) + out.slice(end(a));
    else if (r < 0.5) out = `${out.slice(0, a.startOffset)}${pick(vocab)} ${out.slice(a.startOffset)}`;
    else if (r < 0.65) out = out.slice(0, a.startOffset) + b.image + out.slice(end(a), b.startOffset) + a.image + out.slice(end(b));
    else out = out.slice(0, a.startOffset) + pick(sameKind(a, vocab)) + out.slice(end(a));
  }
  // Sometimes a comment somewhere too, for the formatter: the compiler doesn't see it.
  if (rand() < 0.3) {
    const toks = tokensOf(out);
    const t = toks[Math.floor(rand() * toks.length)];
    const at = t ? (rand() < 0.5 ? t.startOffset : t.endOffset! + 1) : 0;
    out = out.slice(0, at) + (rand() < 0.5 ? ' /* fuzz */ ' : ' // fuzz\n') + out.slice(at);
  }
  return out;
}

interface Target { name: string; text: string; lib: boolean }

const models = readdirSync(join(root, 'models')).filter((f) => f.endsWith('.sdn')).sort();
const libs = readdirSync(join(root, 'models/lib')).filter((f) => f.endsWith('.sdn')).sort();
const targets: Target[] = [
  ...models.map((f) => ({ name: f, text: readFileSync(join(root, 'models', f), 'utf8'), lib: false })),
  ...libs.map((f) => ({ name: `lib/${f}`, text: readFileSync(join(root, 'models/lib', f), 'utf8'), lib: true })),
];
const vocab = [...new Set(targets.flatMap((t) => tokensOf(t.text).map((k) => k.image)))].sort();

// The temp dir mirrors models/: mutants of a model go beside lib/; a mutated library goes to
// mlib/ and is compiled through a model that imports it.
const dir = mkdtempSync(join(tmpdir(), 'sdn-fuzz-'));
mkdirSync(join(dir, 'lib'));
mkdirSync(join(dir, 'mlib'));
for (const f of libs) copyFileSync(join(root, 'models/lib', f), join(dir, 'lib', f));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A model that imports `lib` (the smallest of the models that do), rewritten to import the mutant. */
function driverFor(lib: string): string {
  const importers = targets.filter((t) => !t.lib && t.text.includes(`import "${lib}"`));
  const smallest = importers.sort((a, b) => a.text.length - b.text.length || a.name.localeCompare(b.name))[0];
  return smallest.text.replace(`import "${lib}"`, `import "m${lib}"`);
}

const tally = { compiled: 0, syntaxErrors: 0, otherErrors: 0 };

function problems(path: string, mutant: string): string[] {
  const out: string[] = [];
  const compiled = compileModel(path);
  if (compiled.graphs) tally.compiled++;
  else if (compiled.diagnostics.some((d) => d.code === 'E-SYNTAX' || d.code === 'E-LEX')) tally.syntaxErrors++;
  else tally.otherErrors++;
  if (!compiled.graphs && compiled.diagnostics.length === 0) out.push('no graphs and no diagnostics');
  if (compiled.graphs && compiled.diagnostics.some((d) => d.severity === 'error')) out.push('graphs despite errors');
  for (const d of compiled.diagnostics) {
    const text = compiled.sources.get(d.span.file);
    const s = d.span;
    const where = `${d.code} ${s.line}:${s.col} [${s.start}, ${s.end})`;
    if (text === undefined) {
      out.push(`${where}: span in unknown file ${s.file}`);
      continue;
    }
    const lines = text.split('\n');
    if (s.line < 1 || s.line > lines.length || s.col < 1) out.push(`${where}: outside the ${lines.length} lines of ${s.file}`);
    if (!(s.start >= 0 && s.start <= s.end && s.end <= text.length)) out.push(`${where}: offsets outside the ${text.length} characters`);
    const before = text.slice(0, s.start).split('\n');
    if (before.length !== s.line || before[before.length - 1].length + 1 !== s.col) out.push(`${where}: line:col disagrees with the offset`);
  }
  const formatted = (() => {
    try {
      return formatText('mutant.sdn', mutant).output;
    } catch (e) {
      out.push(`format: ${(e as Error).message}`);
      return undefined;
    }
  })();
  if (formatted !== undefined && formatText('mutant.sdn', formatted).output !== formatted) out.push('format is not idempotent');
  return out;
}

describe('fuzzing the front end', () => {
  it.each(targets)('$name', (target) => {
    const rand = prng(0x5d1 + targets.indexOf(target) * 7919);
    const failures: string[] = [];
    const driver = target.lib ? join(dir, `driver-${target.name.slice(4)}`) : undefined;
    if (driver) writeFileSync(driver, driverFor(target.name));
    for (let i = 0; i < MUTANTS_PER_FILE; i++) {
      const mutant = mutate(target.text, vocab, rand);
      const file = target.lib ? join(dir, 'm' + target.name) : join(dir, target.name);
      writeFileSync(file, mutant);
      let found: string[];
      try {
        found = problems(driver ?? file, mutant);
      } catch (e) {
        found = [`threw ${(e as Error).stack}`];
      }
      if (found.length > 0) failures.push(`mutant ${i} of ${target.name}:\n${found.join('\n')}\n--- mutant ---\n${mutant}`);
    }
    expect(failures.slice(0, 3)).toEqual([]);
  });

  it('reaches every stage: some mutants compile, some fail to parse, some fail later', () => {
    const total = tally.compiled + tally.syntaxErrors + tally.otherErrors;
    expect(total).toBe(targets.length * MUTANTS_PER_FILE);
    for (const n of Object.values(tally)) expect(n).toBeGreaterThan(total / 20);
  });
});
