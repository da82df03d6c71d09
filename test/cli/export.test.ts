import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../runtime/train/helpers.js';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'sdn-cli-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sdn export', () => {
  it('writes model.py, train.py, data.py, convert.py and README.md', async () => {
    const out = join(dir, 'ok');
    const r = await runCli(['export', join(REPO, 'models/fmnist-cnn.sdn'), '--set', 'depth=4', '--to', 'pytorch', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['README.md', 'convert.py', 'data.py', 'model.py', 'train.py']);
    expect(r.stdout).toContain('exported fmnist_cnn');
  });

  it('refuses other targets and a missing --to or -o (exit 2), writing nothing', async () => {
    const out = join(dir, 'bad');
    for (const args of [['--to', 'onnx', '-o', out], ['-o', out], ['--to', 'pytorch']]) {
      const r = await runCli(['export', join(REPO, 'models/fmnist-cnn.sdn'), ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^sdn: /);
    }
    expect(existsSync(out)).toBe(false);
  });

  it('reports a model that does not compile with its diagnostics (exit 1)', async () => {
    const bad = join(dir, 'bad.sdn');
    writeFileSync(bad, 'model bad {\n  input x: image(1, 8, 8)\n  output y = nosuch(x)\n}\n');
    const r = await runCli(['export', bad, '--to', 'pytorch', '-o', join(dir, 'never')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bad.sdn:3');
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });
});
