// `sdn elbo` and `sdn eval` are one evaluation (cli/test-set.ts → runtime/train/evaluate.ts): on
// the same weights, seed and batch they report the same −ELBO over every test image, the last
// partial batch included, and both say on stderr how far they are.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initParams } from '../../runtime/init.js';
import { saveSafetensorsFile } from '../../runtime/safetensors-node.js';
import { syntheticImages, writeIdxDataset } from '../runtime/train/helpers.js';
import { runCli } from './run-cli.js';
import { writeTinyModel } from './tiny-model.js';

const dir = mkdtempSync(join(tmpdir(), 'sdn-evaluate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const model = writeTinyModel(dir);
  const params = initParams(model.params, 3);
  await saveSafetensorsFile(join(dir, 'w.safetensors'), new Map(model.params.map((p) => [p.path, { shape: p.shape, data: params.get(p.path)! }])));
  writeIdxDataset(join(dir, 'data'), syntheticImages(8), syntheticImages(7, 3));
});

const common = ['tiny.sdn', '--weights', 'w.safetensors', '--data', 'data', '--batch', '3', '--seed', '11', '--executor', 'cpu'];

describe('sdn elbo and sdn eval', () => {
  it('report the same −ELBO over all 7 test images (batches of 3, 3 and 1)', async () => {
    const [elbo, evaluated, otherSeed] = await Promise.all([
      runCli(['elbo', ...common], dir),
      runCli(['eval', ...common, '--json'], dir),
      runCli(['elbo', ...common.slice(0, -4), '--seed', '12', '--executor', 'cpu'], dir),
    ]);
    expect(elbo.code).toBe(0);
    expect(evaluated.code).toBe(0);
    const json = JSON.parse(evaluated.stdout);
    expect(json.images).toBe(7);
    const m = /−ELBO (\d+\.\d{4}) bits\/dim \(KL (\d+\.\d{4}) bits\/dim\) over 7 test images/.exec(elbo.stdout);
    expect(m, elbo.stdout).not.toBeNull();
    expect(m![1]).toBe(json.elboBpd.toFixed(4));
    expect(m![2]).toBe(json.klBpd.toFixed(4));
    // The seed reaches the posterior noise: another seed gives another estimate.
    expect(otherSeed.stdout).toContain('over 7 test images');
    expect(otherSeed.stdout).not.toContain(`−ELBO ${m![1]} bits/dim (KL ${m![2]}`);
  });

  it('say in a log where the evaluation is', async () => {
    const r = await runCli(['elbo', ...common], dir);
    expect(r.stderr).toContain('evaluating 7 test images (K = 1, batch 3)');
    expect(r.stderr).toMatch(/evaluating [3-6]\/7 test images \(\d+\.\d s\)/);
    expect(r.stderr).toMatch(/evaluated 7 test images in \d+\.\d s/);
  });
});
