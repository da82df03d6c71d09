// The exported train.py: torchrun with two gloo processes trains fmnist-cnn on CPU; its EMA weights
// load into `sdn elbo`, which prints the test −ELBO train.py reported; one process with the same
// global batch gives the same step-1 loss. Weights written by `sdn train` (either naming) start
// train.py (--init-from), whose −ELBO of them is sdn's; --resume continues exactly; a β-VAE trains
// from a PNG folder, annealing β, and sdn reads the same test image.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../../compiler/pipeline.js';
import { loadSafetensorsFile } from '../../../runtime/safetensors-node.js';
import { bindWeights } from '../../../runtime/weights.js';
import { runCli } from '../../cli/run-cli.js';
import { fashionMnist8, hasFashionMnist, REPO, syntheticImages, writeIdxDataset, writeTinyModel } from '../../runtime/train/helpers.js';
import { writePngFile } from '../../../runtime/image/png-node.js';
import { PYTHON, runPython, torchPython } from '../../support/python.js';

const python = torchPython();
const dir = mkdtempSync(join(tmpdir(), 'sdn-export-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Record_ { kind: string; step: number; loss: number; elboBpd: number; images?: number }
const metrics = (run: string): Record_[] => readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const evalOf = (run: string) => metrics(run).find((r) => r.kind === 'eval')!;

async function sdnElbo(model: string, weights: string, extra: string[]): Promise<number> {
  const r = await runCli(['elbo', model, '--executor', 'cpu', '--weights', weights, ...extra]);
  expect(r.stderr).not.toMatch(/error|warning/i);
  expect(r.code).toBe(0);
  const m = /−ELBO ([0-9.]+) bits\/dim/.exec(r.stdout);
  if (!m) throw new Error(`no −ELBO in: ${r.stdout}`);
  return Number(m[1]);
}

describe.skipIf(!python || !hasFashionMnist)('train.py on fmnist-cnn: torchrun (gloo, 2 processes) and back into sdn', () => {
  const out = join(dir, 'fmnist-cnn');
  const model = join(REPO, 'models/fmnist-cnn.sdn');
  const args = ['--steps', '3', '--batch', '4', '--eval-every', '0', '--eval-images', '8', '--eval-batch', '4'];

  beforeAll(async () => {
    const r = await runCli(['export', model, '--to', 'pytorch', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('trains 3 steps on 2 processes; sdn elbo on its EMA weights prints the −ELBO it reported', async () => {
    // --redirects/--tee: torchrun of PyTorch 1.13 on Python 3.11 fails with their default ("0").
    runPython(['-m', 'torch.distributed.run', '--redirects', '1', '--tee', '1', '--nproc_per_node=2', join(out, 'train.py'), ...args, '-o', join(out, 'ddp')]);
    const steps = metrics(join(out, 'ddp')).filter((r) => r.kind === 'train');
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3]);
    for (const s of steps) expect(Number.isFinite(s.loss)).toBe(true);
    const reported = evalOf(join(out, 'ddp'));
    expect(reported.images).toBe(8);
    const ours = await sdnElbo(model, join(out, 'ddp', 'weights-ema.safetensors'), ['--limit', '8', '--batch', '4']);
    console.log(`[export train] torchrun −ELBO ${reported.elboBpd}, sdn elbo ${ours}`);
    expect(Math.abs(ours - reported.elboBpd) / reported.elboBpd).toBeLessThanOrEqual(1e-4);
  });

  it('one process with the same global batch gives the same step-1 loss', () => {
    runPython([join(out, 'train.py'), ...args, '--steps', '1', '-o', join(out, 'single')]);
    const one = metrics(join(out, 'single')).find((r) => r.kind === 'train' && r.step === 1)!;
    const two = metrics(join(out, 'ddp')).find((r) => r.kind === 'train' && r.step === 1)!;
    console.log(`[export train] step-1 loss: 1 process ${one.loss}, 2 processes ${two.loss}`);
    expect(Math.abs(one.loss - two.loss) / Math.abs(two.loss)).toBeLessThanOrEqual(1e-5);
  });
});

describe.skipIf(!python)('weights written by sdn train start train.py', () => {
  const model = writeTinyModel(dir);
  const data = hasFashionMnist
    ? writeIdxDataset(join(dir, 'data'), fashionMnist8('train', 32), fashionMnist8('t10k', 8))
    : writeIdxDataset(join(dir, 'data'), syntheticImages(32), syntheticImages(8, 7));
  const run = join(dir, 'sdn-run'), out = join(dir, 'tiny-export');
  const evalArgs = ['--steps', '0', '--eval-images', '8', '--eval-batch', '4', '--data', data];

  beforeAll(async () => {
    const t = await runCli(['train', model, '--data', data, '--steps', '2', '--batch', '4', '--eval-every', '0', '--eval-images', '4', '--samples', '0', '--executor', 'cpu', '-o', run]);
    expect(t.code, t.stderr).toBe(0);
    const e = await runCli(['export', model, '--to', 'pytorch', '-o', out]);
    expect(e.code, e.stderr).toBe(0);
  });

  it('from weights-ema.safetensors (compiler paths): train.py\'s −ELBO is sdn elbo\'s', async () => {
    runPython([join(out, 'train.py'), ...evalArgs, '--init-from', join(run, 'weights-ema.safetensors'), '-o', join(out, 'from-ema')]);
    const theirs = evalOf(join(out, 'from-ema')).elboBpd;
    const ours = await sdnElbo(model, join(run, 'weights-ema.safetensors'), ['--data', data, '--limit', '8', '--batch', '4']);
    console.log(`[export train] init from sdn's EMA weights: train.py ${theirs}, sdn elbo ${ours}`);
    expect(Math.abs(ours - theirs) / ours).toBeLessThanOrEqual(1e-4);
  });

  it('sdn train --names torch writes the authors\' names, resumes, and starts train.py exactly as the sdn-named run', async () => {
    const named = join(dir, 'sdn-run-torch');
    const t = await runCli(['train', model, '--data', data, '--steps', '2', '--batch', '4', '--eval-every', '0', '--eval-images', '4', '--samples', '0', '--executor', 'cpu', '--names', 'torch', '-o', named]);
    expect(t.code, t.stderr).toBe(0);
    const keys = [...(await loadSafetensorsFile(join(named, 'checkpoint.safetensors'))).tensors.keys()];
    expect(keys).toContain('params/ladder_layers.0.post_model.arnn.conv_a.weight_g');
    expect(keys.some((k) => k.includes('.arnn.in.'))).toBe(false);
    expect([...(await loadSafetensorsFile(join(named, 'weights-ema.safetensors'))).tensors.keys()]).toContain('ladder_layers.0.post_model.arnn.conv_a.weight');
    runPython([join(out, 'train.py'), ...evalArgs, '--init-from', join(named, 'checkpoint.safetensors'), '-o', join(out, 'from-torch-ckpt')]);
    runPython([join(out, 'train.py'), ...evalArgs, '--init-from', join(run, 'checkpoint.safetensors'), '-o', join(out, 'from-sdn-ckpt')]);
    expect(evalOf(join(out, 'from-torch-ckpt')).elboBpd).toBe(evalOf(join(out, 'from-sdn-ckpt')).elboBpd);
    const resumed = await runCli(['train', model, '--steps', '3', '--resume', '-o', named]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(metrics(named).filter((r) => r.kind === 'train').map((r) => r.step)).toEqual([1, 2, 3]);
    const wrong = await runCli(['train', model, '--steps', '4', '--resume', '--names', 'sdn', '-o', named]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--names torch');
  });

  it('sdn diff -o --names torch writes the transferable weights under PyTorch names', async () => {
    const to = join(dir, 'diff-torch.safetensors');
    const r = await runCli(['diff', model, model, '--weights', join(run, 'weights-ema.safetensors'), '-o', to, '--names', 'torch']);
    expect(r.code, r.stderr).toBe(0);
    const tensors = (await loadSafetensorsFile(to)).tensors;
    const params = compileModel(model).graphs!.elbo.params;
    expect([...tensors.keys()].sort()).toEqual(params.map((p) => p.torch).sort());
    expect(bindWeights(params, tensors).size).toBe(params.length);
  });

  it('train.py --resume continues exactly as an uninterrupted run, and will not overwrite a run without it', () => {
    const train = ['--data', data, '--batch', '4', '--eval-every', '0', '--eval-images', '4', '--eval-batch', '4'];
    runPython([join(out, 'train.py'), ...train, '--steps', '3', '-o', join(out, 'straight')]);
    runPython([join(out, 'train.py'), ...train, '--steps', '2', '-o', join(out, 'cut')]);
    runPython([join(out, 'train.py'), ...train, '--steps', '3', '--resume', '-o', join(out, 'cut')]);
    const losses = (r: string) => metrics(r).filter((m) => m.kind === 'train').map((m) => [m.step, m.loss]);
    expect(losses(join(out, 'cut'))).toEqual(losses(join(out, 'straight')));
    const again = spawnSync(PYTHON, [join(out, 'train.py'), ...train, '--steps', '1', '-o', join(out, 'cut')], { encoding: 'utf8' });
    expect(again.status).not.toBe(0);
    expect(again.stderr).toContain('pass --resume');
  });

  it('skips non-finite steps and stops after --max-bad-steps of them in a row, leaving no checkpoint behind', () => {
    const bad = join(out, 'diverged');
    const r = spawnSync(PYTHON, [join(out, 'train.py'), '--data', data, '--batch', '4', '--steps', '6', '--lr', '1e30', '--eval-every', '0',
      '--max-bad-steps', '2', '-o', bad], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('stopping after 2 consecutive non-finite steps');
    const skipped = metrics(bad).filter((m) => (m as { skipped?: string }).skipped);
    expect(skipped.length).toBe(2);
    expect(existsSync(join(bad, 'weights-ema.safetensors'))).toBe(false);
  });

  it('from checkpoint.safetensors (weight norm g/v by compiler path): the weights train.py writes give sdn the same −ELBO', async () => {
    runPython([join(out, 'train.py'), ...evalArgs, '--init-from', join(run, 'checkpoint.safetensors'), '-o', join(out, 'from-ckpt')]);
    const theirs = evalOf(join(out, 'from-ckpt')).elboBpd;
    const ours = await sdnElbo(model, join(out, 'from-ckpt', 'weights.safetensors'), ['--data', data, '--limit', '8', '--batch', '4']);
    console.log(`[export train] init from sdn's checkpoint: train.py ${theirs}, sdn elbo ${ours}`);
    expect(Math.abs(ours - theirs) / ours).toBeLessThanOrEqual(1e-4);
  });
});

describe.skipIf(!python)('train.py on a β-VAE (3dshapes-cnn) from a folder of PNGs', () => {
  const pngs = join(dir, 'pngs'), out = join(dir, '3dshapes');
  const model = join(REPO, 'models/3dshapes-cnn.sdn');

  beforeAll(async () => {
    mkdirSync(pngs);
    for (let k = 0; k < 10; k++) {
      const channels = k === 3 ? 4 : 3;
      const pixels = Uint8Array.from({ length: 64 * 64 * channels }, (_, i) => (i * (k + 3) + ((i >> 6) * 7)) % 256);
      await writePngFile(join(pngs, `img${k}.png`), { width: 64, height: 64, channels, pixels });
    }
    const r = await runCli(['export', model, '--to', 'pytorch', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('anneals β, and sdn elbo reads the same test image and gives the −ELBO train.py reported', async () => {
    runPython([join(out, 'train.py'), '--data', `png:${pngs}`, '--steps', '2', '--batch', '3', '--beta-rate', '0.5',
      '--eval-every', '0', '--eval-images', '1', '--eval-batch', '1', '-o', join(out, 'run')]);
    const steps = metrics(join(out, 'run')).filter((r) => r.kind === 'train') as (Record_ & { beta: number })[];
    expect(steps.map((s) => s.beta)).toEqual([0.5, 1]);
    const reported = evalOf(join(out, 'run')).elboBpd;
    const ours = await sdnElbo(model, join(out, 'run', 'weights-ema.safetensors'), ['--data', `png:${pngs}`, '--limit', '1', '--batch', '1']);
    console.log(`[export train] 3dshapes-cnn on PNGs: train.py ${reported}, sdn elbo ${ours}`);
    expect(Math.abs(ours - reported) / ours).toBeLessThanOrEqual(1e-4);
  });
});
