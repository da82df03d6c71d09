// The malformed-model corpus: every file in test/fixtures/malformed/ must fail to compile with
// at least one error, without an exception, and its diagnostics (`code line:col message`) are
// snapshotted in test/fixtures/malformed/__snapshots__/<name>.txt.
import { readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { renderDiagnostic } from '../../diagnostics/render.js';
import { compileModel, type Compiled } from '../../compiler/pipeline.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = join(root, 'test/fixtures/malformed');
const files = readdirSync(corpus).filter((f) => f.endsWith('.sdn')).sort();

/** One line per diagnostic; the file is named only when it isn't the compiled one. */
function listing(main: string, diagnostics: Diagnostic[]): string {
  const lines = diagnostics.map((d) => {
    const file = d.span.file === main ? '' : `${isAbsolute(d.span.file) ? relative(corpus, d.span.file).replaceAll('\\', '/') : d.span.file}:`;
    return `${d.code} ${file}${d.span.line}:${d.span.col} ${d.message.replaceAll(root, '<repo>')}`;
  });
  return lines.join('\n') + '\n';
}

function expectFailure(c: Compiled): void {
  expect(c.graphs).toBeUndefined();
  expect(c.diagnostics.filter((d) => d.severity === 'error').length).toBeGreaterThan(0);
  for (const d of c.diagnostics) {
    const text = c.sources.get(d.span.file);
    if (text === undefined) continue;
    // Every span lies in its file, and renders as a code frame with a caret.
    expect(d.span.line).toBeGreaterThanOrEqual(1);
    expect(d.span.line).toBeLessThanOrEqual(text.split('\n').length);
    expect(d.span.start).toBeLessThanOrEqual(text.length);
    expect(renderDiagnostic(d, (f) => c.sources.get(f))).toContain('^');
  }
}

describe('malformed models', () => {
  it('the corpus has at least 30 files', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it.each(files)('%s', async (name) => {
    const path = join(corpus, name);
    const compiled = compileModel(path);
    expectFailure(compiled);
    await expect(listing(path, compiled.diagnostics)).toMatchFileSnapshot(`../fixtures/malformed/__snapshots__/${name.replace(/\.sdn$/, '.txt')}`);
  });

  it('reports distinct diagnostics across the corpus', () => {
    const seen = new Set(files.map((name) => listing('', compileModel(join(corpus, name)).diagnostics)));
    expect(seen.size).toBe(files.length);
  });
});

describe('--set', () => {
  const model = join(root, 'models/fmnist-sdn.sdn');

  it('rejects an unknown param, naming the ones there are', () => {
    const c = compileModel(model, { overrides: { dpeth: '3' } });
    expectFailure(c);
    expect(listing(model, c.diagnostics)).toMatchInlineSnapshot(`
      "E-SET --set:1:1 --set dpeth: the model has no param \`dpeth\` (its params: depth, h, z, downsample_at, sdn_min_scale, sdn_max_scale, features, features_step, dirs, mixtures)
      "
    `);
  });

  it('rejects a value of the wrong type or one that is not a value', () => {
    const c = compileModel(model, { overrides: { depth: '2.5', h: 'eight' } });
    expectFailure(c);
    expect(listing(model, c.diagnostics)).toMatchInlineSnapshot(`
      "E-TYPE --set:1:1 param \`depth\` is declared int but its value is 2.5
      E-SET --set:1:1 --set h=eight: not a value (unknown name \`eight\`; a value is a number, bool, string or list)
      "
    `);
  });
});
