import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, syntheticImages, writeIdxDataset, writeTinyModel } from '../runtime/train/helpers.js';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'sdn-harness-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) => {
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

describe('sdn harness', () => {
  it('writes a standalone training script that type-checks and trains a tiny model for two steps', async () => {
    const model = writeTinyModel(dir);
    const data = writeIdxDataset(join(dir, 'data'), syntheticImages(16), syntheticImages(8, 3));
    const script = join(dir, 'train.ts');
    const r = await runCli(['harness', model, '-o', script, '--data', data, '--out', join(dir, 'run'), '--steps', '100', '--batch', '4',
      '--eval-every', '2', '--eval-images', '4', '--samples', '4']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'train.manifest.json'))).toBe(true);
    const text = readFileSync(script, 'utf8');
    expect(text).toMatch(/export const config: TrainConfig = \{/);
    expect(text).toMatch(/steps: 100, \/\/ training iterations/);
    expect(text).toContain("from 'sdn/runtime/train/trainer.js'");
    // The script imports the runtime by package name; here the package is this checkout, linked
    // as a dependency, and its TypeScript sources are picked with the `sdn-source` condition.
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(REPO, join(dir, 'node_modules', 'sdn'));

    const tsc = run([join(REPO, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--noUnusedLocals', '--noUnusedParameters',
      '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--customConditions', 'sdn-source', '--skipLibCheck', '--types', 'node,@webgpu/types',
      '--typeRoots', `${join(REPO, 'node_modules/@types')},${join(REPO, 'node_modules')}`, script]);
    expect(tsc.out).toBe('');
    expect(tsc.code).toBe(0);

    const tsx = ['--conditions=sdn-source', '--import', join(REPO, 'node_modules/tsx/dist/loader.mjs'), script];
    const two = run([...tsx, '--steps', '2']);
    expect(two.out).toMatch(/step 2: test −ELBO \d+\.\d+ bits\/dim/);
    expect(two.code).toBe(0);
    const records = () => readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; step: number });
    expect(records().filter((x) => x.kind === 'train').map((x) => x.step)).toEqual([1, 2]);
    for (const f of ['checkpoint.safetensors', 'loss.svg', 'samples-0.png', 'samples-2.png']) expect(existsSync(join(dir, 'run', f)), f).toBe(true);

    // Resumed on the CPU: the same differentiated training graph, run by the interpreter.
    const more = run([...tsx, '--steps', '3', '--resume', '--executor', 'cpu']);
    expect(more.code).toBe(0);
    expect(more.out).toMatch(/from step 2 to 3/);
    expect(records().filter((x) => x.kind === 'train').map((x) => x.step)).toEqual([1, 2, 3]);
  });
});
