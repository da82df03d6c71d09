import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import h5wasm from 'h5wasm/node';
import { factorsToIndex, factorValue, indexToFactors, renderShapes3dBatch } from '../../runtime/data/shapes3d.js';
import { decodePngNode } from '../../runtime/image/png-node.js';
import { saveSafetensorsFile } from '../../runtime/safetensors-node.js';
import { REPO } from '../runtime/train/helpers.js';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'sdn-cli-metrics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const KEYS = ['beta_vae', 'dci', 'details', 'factor_vae', 'mig', 'sap'];

/** A file with 3dshapes.h5's layout over the grid `sizes`: the procedural images (HWC) and their label values. */
async function writeShapesFile(path: string, sizes: number[], side: number): Promise<void> {
  await h5wasm.ready;
  const n = sizes.reduce((a, b) => a * b, 1), plane = side * side;
  const images = new Uint8Array(n * plane * 3), labels = new Float64Array(n * 6);
  for (let i = 0; i < n; i++) {
    const digits = indexToFactors(i, sizes);
    const chw = renderShapes3dBatch([factorsToIndex(digits)], side);
    for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) images[(i * plane + p) * 3 + c] = chw[c * plane + p]!;
    digits.forEach((v, f) => (labels[i * 6 + f] = factorValue(f, v)));
  }
  const f = new h5wasm.File(path, 'w');
  f.create_dataset({ name: 'images', data: images, shape: [n, side, side, 3], dtype: '<B' });
  f.create_dataset({ name: 'labels', data: labels, shape: [n, 6], dtype: '<d' });
  f.close();
}

describe('sdn metrics', () => {
  it('trains a 3dshapes model on the procedural data for 2 steps, then scores its run folder', async () => {
    const run = join(dir, 'run');
    const model = join(REPO, 'models/3dshapes-cnn.sdn');
    const t = await runCli(['train', model, '--set', 'size=16', '--data', 'shapes3d:train=32,test=8', '--steps', '2', '--batch', '4',
      '--eval-every', '2', '--eval-images', '8', '--samples', '4', '--executor', 'cpu', '-o', run]);
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/on shapes3d-16\/train \(32 images/);
    expect(t.stdout).toMatch(/\nrecipe: beta-vae: no weight norm, no EMA, constant lr \(the default for a β-VAE: the authors' DisentanglementVAE trains with plain Adamax; --recipe density-vae changes it\)\n/);
    expect(t.stdout).toContain('checkpoint, weights (the recipe keeps no EMA: the raw ones) (weights-ema.safetensors)');
    const r = await runCli(['metrics', model, '--run', run, '--factor-sizes', '2,2,2,2,4,3', '--executor', 'cpu']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^shapes3d_cnn on shapes3d-16, grid 2×2×2×2×4×3 = 192 images \(of 10×10×10×8×4×15\); posterior means \(10 dims\) from raw .*weights at step 2 of /);
    for (const name of ['β-VAE metric', 'FactorVAE metric', 'MIG', 'DCI {15}disentanglement', 'SAP']) expect(r.stdout).toMatch(new RegExp(`\\n  ${name} +\\S`));
    const saved = JSON.parse(readFileSync(join(run, 'disentanglement.json'), 'utf8')) as Record<string, unknown>;
    expect(saved.factor_sizes).toEqual([2, 2, 2, 2, 4, 3]);
    expect(existsSync(join(run, 'codes.safetensors'))).toBe(true);
    // The saved codes score the same through --codes.
    const again = await runCli(['metrics', '--codes', join(run, 'codes.safetensors'), '--factor-sizes', '2,2,2,2,4,3', '--json']);
    expect(again.code).toBe(0);
    const scores = JSON.parse(again.stdout) as Record<string, unknown>;
    expect(Object.keys(scores).sort()).toEqual(KEYS);
    for (const k of ['beta_vae', 'factor_vae', 'mig', 'sap', 'dci']) expect(scores[k]).toEqual(saved[k]);
    // The latent pictures: 10 rows (latent dims) × 5 values, and 2 rows of image, 5 decodings, image; 16-pixel tiles, 2-pixel padding.
    for (const f of ['traversal.png', 'interpolation.png']) expect(existsSync(join(run, f)), f).toBe(true);
    const pics = await runCli(['metrics', model, '--run', run, '--pictures-only', '--steps', '5', '--pairs', '2', '--index', '7', '--executor', 'cpu']);
    expect(pics.code).toBe(0);
    expect(pics.stdout).toMatch(/traversal.png: 10 latent dimensions × 5 values from −2 to 2 around the code of shapes3d-16 image 7\n/);
    const size = (f: string) => { const p = decodePngNode(new Uint8Array(readFileSync(join(run, f)))); return [p.width, p.height, p.channels]; };
    expect(size('traversal.png')).toEqual([5 * 18 + 2, 10 * 18 + 2, 3]);
    expect(size('interpolation.png')).toEqual([7 * 18 + 2, 2 * 18 + 2, 3]);
    // The same run scored on a 3dshapes-layout .h5 file: its grid comes from the labels.
    const h5 = join(dir, 'grid.h5');
    await writeShapesFile(h5, [2, 2, 2, 2, 2, 2], 16);
    const fromFile = await runCli(['metrics', model, '--run', run, '--data', h5, '--executor', 'cpu', '--json']);
    expect(fromFile.stderr).toBe('');
    expect(Object.keys(JSON.parse(fromFile.stdout) as object).sort()).toEqual(KEYS);
    expect((JSON.parse(readFileSync(join(run, 'disentanglement.json'), 'utf8')) as { data: string; factor_sizes: number[] })).toMatchObject({ data: `${h5} at 16×16`, factor_sizes: [2, 2, 2, 2, 2, 2] });
  });

  it('--codes scores a given representation: the factors themselves score β-VAE and FactorVAE 1', async () => {
    const sizes = [3, 2, 4], n = 24;
    const data = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) data.set(indexToFactors(i, sizes).map((v, k) => v + 0.01 * Math.sin(7 * i + k)), i * 3);
    const path = join(dir, 'codes.safetensors');
    await saveSafetensorsFile(path, { codes: { shape: [n, 3], data } });
    const r = await runCli(['metrics', '--codes', path, '--factor-sizes', '3,2,4', '--json', '--seed', '4']);
    expect(r.stderr).toBe('');
    const s = JSON.parse(r.stdout) as { beta_vae: number; factor_vae: number; mig: number; dci: Record<string, number> };
    expect([s.beta_vae, s.factor_vae]).toEqual([1, 1]);
    expect(Object.keys(s.dci).sort()).toEqual(['completeness', 'disentanglement', 'informativeness']);
    expect(s.mig).toBeGreaterThan(0.9);
  });

  it('bad input is a clear error: exit 2 for usage (a malformed --factor-sizes too), 1 for files that do not fit', async () => {
    const path = join(dir, 'codes.safetensors');
    const noSizes = await runCli(['metrics', '--codes', path]);
    expect([noSizes.code, noSizes.stderr]).toEqual([2, expect.stringMatching(/^sdn: --codes needs --factor-sizes/)]);
    const wrong = await runCli(['metrics', '--codes', path, '--factor-sizes', '3,2,5']);
    expect([wrong.code, wrong.stderr]).toEqual([1, 'sdn: the codes have 24 rows, but the factor grid 3×2×5 has 30 points (one row per point, last factor fastest)\n']);
    const missing = await runCli(['metrics', '--codes', join(dir, 'nope.safetensors'), '--factor-sizes', '3,2,4']);
    expect([missing.code, missing.stderr]).toEqual([1, `sdn: ${join(dir, 'nope.safetensors')}: not found\n`]);
    const badSizes = await runCli(['metrics', '--codes', path, '--factor-sizes', '3,x']);
    expect([badSizes.code, badSizes.stderr]).toEqual([2, "sdn: --factor-sizes must be a comma-separated list of at least two integers ≥ 2, got '3,x'\n"]);
  });
});
