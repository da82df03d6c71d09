import { spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fashionMnist8, hasFashionMnist, syntheticImages, tinySource, writeIdxDataset, writeTinyModel } from '../runtime/train/helpers.js';
import { loadSafetensorsFile, saveSafetensorsFile } from '../../runtime/safetensors-node.js';
import { runCli, startCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'sdn-cli-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const model = writeTinyModel(dir);
// Real Fashion-MNIST cropped and downsampled to 8×8 when it is installed, else synthetic blobs.
const data = hasFashionMnist
  ? writeIdxDataset(join(dir, 'data'), fashionMnist8('train', 64), fashionMnist8('t10k', 16))
  : writeIdxDataset(join(dir, 'data'), syntheticImages(64), syntheticImages(16, 7));
const common = ['--data', data, '--steps', '16', '--batch', '16', '--eval-every', '8', '--eval-images', '16', '--samples', '4', '--executor', 'cpu'];
const trainLosses = (run: string) => readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n')
  .map((l) => JSON.parse(l) as { kind: string; step: number; loss: number }).filter((r) => r.kind === 'train');

/** Resolves once `run` has `n` training records; fails if the process ends first. */
const untilSteps = (run: string, n: number, child: ChildProcess) => new Promise<void>((resolve, reject) => {
  const poll = setInterval(() => {
    if ((existsSync(join(run, 'metrics.jsonl')) ? trainLosses(run).length : 0) >= n) {
      clearInterval(poll);
      resolve();
    } else if (child.exitCode !== null) {
      clearInterval(poll);
      reject(new Error('the run ended before it could be interrupted'));
    }
  }, 20);
});

describe('sdn train', () => {
  const full = join(dir, 'full'), cut = join(dir, 'cut');

  it('trains, writing metrics, sample grids, loss.svg and a checkpoint; the loss goes down', async () => {
    const r = await runCli(['train', model, ...common, '-o', full]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/weight norm on \d+ conv weights/);
    expect(r.stdout).toMatch(/engine: CPU reference interpreter, differentiated graph \(\d+ nodes\)/);
    expect(r.stdout).toMatch(/step 16: test −ELBO \d+\.\d+ bits\/dim/);
    expect(r.stdout).toContain(`next: sdn eval ${model} --run ${full} --limit 16 -k 10 (importance-weighted NLL); sdn sample ${model} --run ${full} -o samples.png`);
    for (const f of ['metrics.jsonl', 'loss.svg', 'checkpoint.safetensors', 'weights-ema.safetensors', 'samples-0.png', 'samples-8.png', 'samples-16.png']) {
      expect(existsSync(join(full, f)), f).toBe(true);
    }
    expect(readFileSync(join(full, 'loss.svg'), 'utf8')).toMatch(/^<svg[\s\S]*polyline[\s\S]*<\/svg>\n$/);
    const losses = trainLosses(full).map((x) => x.loss);
    expect(losses.length).toBe(16);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(losses.slice(-4))).toBeLessThan(mean(losses.slice(0, 4)));
  });

  it('Ctrl-C checkpoints and exits 130; --resume then reproduces the uninterrupted losses exactly', async () => {
    const { child, done } = startCli(['train', model, ...common, '-o', cut]);
    await untilSteps(cut, 3, child);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(r.stdout).toMatch(/interrupted at step \d+ \(SIGINT\); checkpoint written/);
    const stoppedAt = trainLosses(cut).length;
    expect(stoppedAt).toBeLessThan(16);
    const resumed = await runCli(['train', model, '--resume', '-o', cut]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`from step ${stoppedAt} to step 16`));
    expect(trainLosses(cut)).toEqual(trainLosses(full).map((x) => ({ ...x, seconds: expect.any(Number) })));
  });

  it('SIGTERM checkpoints like Ctrl-C and exits 143; a second train into the locked folder fails cleanly; a stale lock is taken over', async () => {
    const term = join(dir, 'term');
    const { child, done } = startCli(['train', model, ...common, '-o', term]);
    await untilSteps(term, 3, child);
    const second = await runCli(['train', model, ...common, '--resume', '-o', term]);
    expect(second.stderr).toContain('is in use');
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`${term} is in use by another sdn train (pid ${child.pid})`);
    expect(second.stderr).not.toMatch(/internal error|\n    at /);
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(143);
    expect(r.stdout).toMatch(/interrupted at step \d+ \(SIGTERM\); checkpoint written/);
    expect(existsSync(join(term, 'train.lock'))).toBe(false);
    // A lock left by a process that is gone (SIGKILL, a crash) does not block the folder.
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(join(term, 'train.lock'), `${dead}\n`);
    const resumed = await runCli(['train', model, '--resume', '-o', term]);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(trainLosses(term)).toEqual(trainLosses(full).map((x) => ({ ...x, seconds: expect.any(Number) })));
  });

  it('refuses a checkpoint with damaged metadata before touching metrics.jsonl', async () => {
    const damaged = join(dir, 'damaged');
    mkdirSync(damaged);
    const ckpt = await loadSafetensorsFile(join(full, 'checkpoint.safetensors'));
    await saveSafetensorsFile(join(damaged, 'checkpoint.safetensors'), ckpt.tensors, { ...ckpt.metadata, state: ckpt.metadata.state.replace(/"step":\d+/, '"step":null') });
    copyFileSync(join(full, 'metrics.jsonl'), join(damaged, 'metrics.jsonl'));
    const before = readFileSync(join(damaged, 'metrics.jsonl'), 'utf8');
    const r = await runCli(['train', model, '--resume', '-o', damaged]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/checkpoint\.safetensors: damaged checkpoint metadata: state\.step is null/);
    expect(readFileSync(join(damaged, 'metrics.jsonl'), 'utf8')).toBe(before);
  });

  it('refuses to resume from another model source, and to overwrite a run without --resume', async () => {
    const edited = join(dir, 'edited.sdn');
    writeFileSync(edited, tinySource('// one more comment\n'));
    const r = await runCli(['train', edited, '--resume', '-o', full]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the model source has changed since this checkpoint was written .* refusing to resume/);
    const again = await runCli(['train', model, ...common, '-o', full]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds a checkpoint; pass --resume/);
  });

  it('trains on WebGPU through the differentiated graph, with the losses of the same graph on the CPU interpreter', async () => {
    const gpu = join(dir, 'gpu');
    const r = await runCli(['train', model, ...common.map((a) => (a === 'cpu' ? 'webgpu' : a)), '-o', gpu]);
    // Dawn warns about dynamic-buffer limits on lavapipe, and kernel compilation reports its
    // progress (a log's lines: start, quarters, end); nothing else may reach stderr.
    const stderr = r.stderr.split('\n').filter((l) => l && !l.startsWith('Warning: maxDynamic'));
    expect(stderr.filter((l) => !/^compil(ing|ed) (kernels )?\d+/.test(l))).toEqual([]);
    expect(stderr.some((l) => /^compiled \d+ kernels in \d+\.\d s$/.test(l))).toBe(true);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/engine: WebGPU on .*differentiated graph \(\d+ kernels\)/);
    const a = trainLosses(gpu), b = trainLosses(full);
    expect(a.map((x) => x.step)).toEqual(b.map((x) => x.step));
    // Same data, noise and recipe: only float32 summation order differs, and it compounds step by step.
    for (const [k, x] of a.entries()) expect(Math.abs(x.loss - b[k].loss) / Math.abs(b[k].loss), `step ${x.step}`).toBeLessThan(k < 4 ? 1e-4 : 1e-2);
  });
});

describe('sdn eval', () => {
  it('gives IW-NLL ≤ −ELBO from a run, EMA weights by default, and the same numbers from its weights file', async () => {
    const full = join(dir, 'full');
    const json = async (args: string[]) => {
      const r = await runCli(['eval', model, ...args, '--json', '--executor', 'cpu']);
      expect(r.stderr).not.toMatch(/error|warning/i);
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout) as { elboBpd: number; nllBpd: number; from: string; images: number };
    };
    const iw = await json(['--run', full, '--k', '3']);
    expect(iw.images).toBe(16);
    expect(iw.nllBpd).toBeLessThan(iw.elboBpd);
    expect(iw.from).toMatch(/EMA weights at step 16/);
    const ema = await json(['--run', full, '--limit', '8']);
    const file = await json(['--weights', join(full, 'weights-ema.safetensors'), '--data', data, '--limit', '8']);
    expect(file.elboBpd).toBe(ema.elboBpd);
    const raw = await json(['--run', full, '--limit', '8', '--raw']);
    expect(raw.from).toMatch(/raw weights/);
    expect(raw.elboBpd).not.toBe(ema.elboBpd);
  });

  it('sdn elbo and sdn sample take a run as sdn eval does: its EMA weights and data, or --raw', async () => {
    const full = join(dir, 'full');
    const run = (args: string[]) => runCli([...args, '--executor', 'cpu']);
    const eval8 = JSON.parse((await run(['eval', model, '--run', full, '--limit', '8', '--json'])).stdout) as { elboBpd: number };
    const elbo = await run(['elbo', model, '--run', full, '--limit', '8']);
    expect(elbo.code).toBe(0);
    expect(elbo.stdout).toContain(`−ELBO ${eval8.elboBpd.toFixed(4)} bits/dim`);
    expect(elbo.stdout).toContain(`EMA weights at step 16 of ${full}`);
    const rawElbo = await run(['elbo', model, '--run', full, '--limit', '8', '--raw']);
    expect(rawElbo.stdout).toContain(`raw weights at step 16 of ${full}`);
    expect(rawElbo.stdout).not.toContain(`−ELBO ${eval8.elboBpd.toFixed(4)} bits/dim`);
    const grid = (name: string) => join(dir, name);
    const fromRun = await run(['sample', model, '--run', full, '-n', '4', '-o', grid('run.png')]);
    expect(fromRun.code).toBe(0);
    expect(fromRun.stdout).toContain(`from EMA weights at step 16 of ${full}`);
    await run(['sample', model, '--weights', join(full, 'weights-ema.safetensors'), '-n', '4', '-o', grid('ema.png')]);
    await run(['sample', model, '--run', full, '--raw', '-n', '4', '-o', grid('raw.png')]);
    expect(readFileSync(grid('run.png')).equals(readFileSync(grid('ema.png')))).toBe(true);
    expect(readFileSync(grid('run.png')).equals(readFileSync(grid('raw.png')))).toBe(false);
  });
});
