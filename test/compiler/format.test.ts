// `sdn fmt`: idempotent, meaning-preserving (the output parses to the same AST, comments
// included) on every model, library and parseable corpus file; comment placement; `--check`.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseArgs } from '../../cli/args.js';
import { COMMANDS } from '../../cli/commands.js';
import { fmtCommand, fmtFile } from '../../cli/commands/fmt.js';
import { WIDTH } from '../../compiler/format/format.js';
import { astShape, formatText } from '../../compiler/format/verify.js';
import { runCli } from '../cli/run-cli.js';
import { compileModel } from '../../compiler/pipeline.js';
import { parseSource } from '../../grammar/parse.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const sdnFiles = (dir: string) => readdirSync(join(root, dir)).filter((f) => f.endsWith('.sdn')).sort().map((f) => `${dir}/${f}`);
const models = [...sdnFiles('models'), ...sdnFiles('models/lib')];
const corpus = sdnFiles('test/fixtures/malformed').filter((f) => parseSource(f, readFileSync(join(root, f), 'utf8')).ast);

const fmt = (text: string): string => {
  const r = formatText('t.sdn', text);
  expect(r.diagnostics).toEqual([]);
  return r.output!;
};

function expectCanonical(file: string, text: string): string {
  const out = fmt(text);
  expect(fmt(out), `${file}: formatting twice changes it`).toBe(out);
  expect(astShape(parseSource(file, out).ast!)).toEqual(astShape(parseSource(file, text).ast!));
  return out;
}

describe('on the models and the corpus', () => {
  it.each(models)('%s: idempotent, same AST and comments, lines within the width', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const out = expectCanonical(file, text);
    for (const l of out.split('\n').filter((l) => !l.trimStart().startsWith('//'))) expect(l.length).toBeLessThanOrEqual(WIDTH);
    expect(out.endsWith('\n') && !out.endsWith('\n\n')).toBe(true);
  });

  it('the corpus has files that parse', () => {
    expect(corpus.length).toBeGreaterThan(20);
  });

  it.each(corpus)('%s: idempotent, same AST and comments', (file) => {
    expectCanonical(file, readFileSync(join(root, file), 'utf8'));
  });
});

describe('docs/language.md', () => {
  const examples = [...readFileSync(join(root, 'docs/language.md'), 'utf8').matchAll(/```sdn\n([\s\S]*?)```/g)].map((m) => m[1]);

  it('its complete examples parse, the self-contained ones compile, the first is canonical', () => {
    const complete = examples.filter((e) => /^model /m.test(e));
    expect(complete.length).toBeGreaterThanOrEqual(3);
    for (const text of complete) expect(parseSource('doc.sdn', text).diagnostics).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'sdn-doc-'));
    try {
      for (const [i, text] of complete.filter((e) => !e.includes('import ')).entries()) {
        writeFileSync(join(dir, `${i}.sdn`), text);
        expect(compileModel(join(dir, `${i}.sdn`)).diagnostics).toEqual([]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(fmt(complete[0])).toBe(complete[0]);
  });
});

describe('layout', () => {
  it('a comment another statement already placed does not break a later list (idempotent after recovery)', () => {
    // Found by the fuzzer: a stray token before `input` takes the line's comment as its own.
    const src = 'model m {\n  zp input x: image(3, // note\n size, size)\n}\n';
    const once = formatText('m.sdn', src).output;
    expect(once).toBe('model m {\n  zp // note\n  input x: image(3, size, size)\n}\n');
    expect(formatText('m.sdn', once!).output).toBe(once);
  });

  it('spaces operators and `=`, drops redundant parentheses, keeps the needed ones, one statement per line', () => {
    expect(fmt('param a=(1+2)*3\nparam b = (-(a))\nmodel m{let x=f(a,k=2)as l[ 0 ] let y=(f(x)as q)[0]\nif not(a==b){x=1}else if c{x=2}}')).toBe(
      `param a = (1 + 2) * 3
param b = -a
model m {
  let x = f(a, k = 2) as l[0]
  let y = (f(x) as q)[0]
  if not a == b {
    x = 1
  } else if c {
    x = 2
  }
}
`);
  });

  it('breaks a call that does not fit one argument per line, and a long ternary before `?` and `:`', () => {
    const long = 'model m {\n  let params = sdn_max_scale >= size ? ressdn(y, out, features = features, dirs = rotate(dir, 4)) as last : conv(y, out) as last\n  density_vae(x, channels = 3, size = 32, depth = depth, h = h, z = z, context = 100, bits = 8, free_bits = 0.01)\n}\n';
    expect(fmt(long)).toBe(`model m {
  let params = sdn_max_scale >= size
    ? ressdn(y, out, features = features, dirs = rotate(dir, 4)) as last
    : conv(y, out) as last
  density_vae(
    x,
    channels = 3,
    size = 32,
    depth = depth,
    h = h,
    z = z,
    context = 100,
    bits = 8,
    free_bits = 0.01
  )
}
`);
  });

  it('keeps at most one blank line, none at the start or end of a body', () => {
    expect(fmt('\n\nparam a = 1\n\n\n\nparam b = 2\nmodel m {\n\n  let x = 1\n\n\n  let y = 2\n\n}\n\n')).toBe(
      'param a = 1\n\nparam b = 2\nmodel m {\n  let x = 1\n\n  let y = 2\n}\n');
  });
});

describe('comments', () => {
  const text = `// header

import /* why */ "lib/x.sdn"   // trailing
block f(x, // the input
   y: int = 2, /* inline */ z) // after the header
{ // open
  let q = x  // same line
  // own line


  return [x, 1 + /* deep */ 2] // done
  /* dangling */
}
model m /* name */ {
  if x { y = 1 } // after the if
  // before else
  else { y = 3 }
  f(g(a, /* nested */ b), c)
}
// end of file
`;

  it('are all kept, in order, and formatting is stable', () => {
    const out = expectCanonical('t.sdn', text);
    expect(parseSource('t.sdn', out).ast!.comments.map((c) => c.text)).toEqual(parseSource('t.sdn', text).ast!.comments.map((c) => c.text));
  });

  it('stay on their line, open the next line, or move above the statement they were inside', () => {
    expect(fmt(text)).toBe(`// header

/* why */
import "lib/x.sdn" // trailing
block f(
  x, // the input
  y: int = 2, /* inline */
  z
) { // after the header
  // open
  let q = x // same line
  // own line

  return [
    x,
    /* deep */
    1 + 2
  ] // done
  /* dangling */
}
model m { /* name */
  if x {
    y = 1
    // after the if
    // before else
  } else {
    y = 3
  }
  f(
    g(
      a, /* nested */
      b
    ),
    c
  )
}
// end of file
`);
  });

  it('lose trailing blanks and CRLFs, nothing else', () => {
    expect(fmt('model m {\r\n  let a = 1   // note   \r\n}\r\n')).toBe('model m {\n  let a = 1 // note\n}\n');
    expect(fmt('// only a comment')).toBe('// only a comment\n');
    expect(fmt('')).toBe('');
  });
});

const writable = (dir: string) => {
  try {
    writeFileSync(join(dir, '.probe'), '');
    rmSync(join(dir, '.probe'));
    return true;
  } catch {
    return false;
  }
};

/** Makes `dir` unwritable (its mode, or chattr +i where root ignores modes); undefined where neither works. */
function lockDir(dir: string): (() => void) | undefined {
  const unlock = () => {
    if (!writable(dir)) spawnSync('chattr', ['-i', dir]);
    chmodSync(dir, 0o755);
  };
  chmodSync(dir, 0o555);
  if (!writable(dir) || (spawnSync('chattr', ['+i', dir]).status === 0 && !writable(dir))) return unlock;
  unlock();
  return undefined;
}

const canLock = (() => {
  const probe = mkdtempSync(join(tmpdir(), 'sdn-fmt-lock-'));
  const unlock = lockDir(probe);
  unlock?.();
  rmSync(probe, { recursive: true, force: true });
  return unlock !== undefined;
})();

describe('sdn fmt', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sdn-fmt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const messy = 'model m{let x=1 // keep me\n}\n';
  const tidy = 'model m {\n  let x = 1 // keep me\n}\n';

  function run(argv: string[]): { code: number; out: string; err: string } {
    let out = '', err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    try {
      return { code: fmtCommand(parseArgs(argv, COMMANDS.fmt.flags, 'fmt')), out, err };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  }

  it('--check lists unformatted files, exits 1 and writes nothing', () => {
    const a = join(dir, 'a.sdn'), b = join(dir, 'b.sdn');
    writeFileSync(a, messy);
    writeFileSync(b, tidy);
    expect(fmtFile(a, 'check').status).toBe('unformatted');
    expect(fmtFile(b, 'check').status).toBe('unchanged');
    const r = run(['--check', a, b]);
    expect([r.code, r.out]).toEqual([1, `${a}\n`]);
    expect(readFileSync(a, 'utf8')).toBe(messy);
    expect(run(['--check', b]).code).toBe(0);
  });

  it('rewrites in place through a temporary file, then --check passes', () => {
    const a = join(dir, 'c.sdn');
    writeFileSync(a, messy);
    const r = run([a]);
    expect([r.code, r.out]).toEqual([0, `formatted ${a}\n`]);
    expect(readFileSync(a, 'utf8')).toBe(tidy);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(run(['--check', a]).code).toBe(0);
  });

  it('--stdout prints the formatted text and leaves the file alone', () => {
    const a = join(dir, 'd.sdn');
    writeFileSync(a, messy);
    expect(run(['--stdout', a])).toMatchObject({ code: 0, out: tidy });
    expect(readFileSync(a, 'utf8')).toBe(messy);
  });

  it('leaves a file with syntax errors untouched and prints its diagnostics with a code frame', () => {
    const a = join(dir, 'e.sdn');
    const broken = 'model m {\n  let x = conv(y, 8\n}\n';
    writeFileSync(a, broken);
    const r = run([a]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${a}:2:20: error[E-SYNTAX]: expected \`)\` but found \`}\``);
    expect(r.err).toContain('2 |   let x = conv(y, 8\n');
    expect(readFileSync(a, 'utf8')).toBe(broken);
    expect(fmtFile(a, 'write').status).toBe('syntax-error');
  });

  it('reports a missing file and rejects --check with --stdout', () => {
    expect(run([join(dir, 'missing.sdn')]).code).toBe(1);
    expect(() => run(['--check', '--stdout', join(dir, 'a.sdn')])).toThrow(/exclude each other/);
  });

  it.skipIf(!canLock)('leaves a file it cannot write as it was, formats the others, and the CLI exits 1 without a stack trace', async () => {
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    const a = join(locked, 'f.sdn'), b = join(dir, 'g.sdn');
    writeFileSync(a, messy);
    writeFileSync(b, messy);
    const unlock = lockDir(locked)!;
    try {
      // The command throws the write error after the other files, for cli/main.ts to map.
      expect(() => run([a, b])).toThrow(/EACCES|EPERM/);
      expect(readFileSync(a, 'utf8')).toBe(messy);
      expect(readFileSync(b, 'utf8')).toBe(tidy);
      writeFileSync(b, messy);
      const r = await runCli(['fmt', a, b]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`sdn fmt: ${a}: `);
      expect(r.stderr).not.toMatch(/internal error|\n {4}at /);
      expect(readFileSync(b, 'utf8')).toBe(tidy);
    } finally {
      unlock();
    }
  });
});
