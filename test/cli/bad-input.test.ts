// A corpus of bad inputs, one CLI run each: every case must end with exit 1 (bad input) or 2
// (usage), a message naming the culprit, no stack trace, and every file of the folder unchanged
// (nothing overwritten, nothing created).
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initParams } from '../../runtime/init.js';
import { saveSafetensorsFile } from '../../runtime/safetensors-node.js';
import { CHECKPOINT_FORMAT } from '../../runtime/train/checkpoint-node.js';
import { REPO, syntheticImages, writeIdxDataset } from '../runtime/train/helpers.js';
import { runCli } from './run-cli.js';
import { writeTinyModel } from './tiny-model.js';
import { MODEL_CASES } from './bad-models.js';

const dir = mkdtempSync(join(tmpdir(), 'sdn-bad-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const model = writeTinyModel(dir);
  cpSync(join(REPO, 'models/fmnist-sdn.sdn'), join(dir, 'fmnist-sdn.sdn'));
  const params = initParams(model.params, 0);
  const tensors = (values: Map<string, Float32Array>) => new Map(model.params.map((p) => [p.path, { shape: p.shape, data: values.get(p.path)! }]));
  await saveSafetensorsFile(join(dir, 'w.safetensors'), tensors(params));
  const nan = new Map(params);
  const victim = model.params[3].path;
  nan.set(victim, nan.get(victim)!.map((v, i) => (i === 2 ? NaN : v)));
  await saveSafetensorsFile(join(dir, 'nan.safetensors'), tensors(nan));
  // Finite weights whose products overflow float32: the −ELBO comes out non-finite.
  await saveSafetensorsFile(join(dir, 'huge.safetensors'), tensors(new Map([...params].map(([k, v]) => [k, v.map((x) => (x === 0 ? 1e30 : x * 1e30))]))));
  await saveSafetensorsFile(join(dir, 'checkpoint.safetensors'), tensors(params), { format: CHECKPOINT_FORMAT });
  writeFileSync(join(dir, 'model.pt'), Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(60)]));
  writeFileSync(join(dir, 'old.pth'), Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46]));
  writeFileSync(join(dir, 'garbage.safetensors'), Buffer.from('\xff\xff\xff\xff\xff\xff\xff\x7fnot a header', 'latin1'));
  writeFileSync(join(dir, 'afile'), 'a plain file\n');
  mkdirSync(join(dir, 'folder'));
  mkdirSync(join(dir, 'folder.sdn'));
  mkdirSync(join(dir, 'empty-run'));
  writeIdxDataset(join(dir, 'data'), syntheticImages(16), syntheticImages(8, 3));
  mkdirSync(join(dir, 'bad-data'));
  writeFileSync(join(dir, 'bad-data', 'train-images-idx3-ubyte'), 'not an IDX file\n');
  for (const [name, { text }] of Object.entries(MODEL_CASES)) writeFileSync(join(dir, name), text);
  state = snapshot();
});

let state = '';
/** Every file under `dir` with the hash of its bytes. */
function snapshot(): string {
  const lines: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) {
        lines.push(`${p}/`);
        walk(p);
      } else lines.push(`${p} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  walk(dir);
  return lines.join('\n');
}

type Case = [args: string[], code: 1 | 2, message: string | RegExp];
const cpu = ['--executor', 'cpu'];
const init = ['--init-seed', '0', ...cpu];

const RUN_CASES: Case[] = [
  // Outputs that would destroy an input, or cannot be files.
  [['sample', 'tiny.sdn', ...init, '-o', 'tiny.sdn'], 2, '-o tiny.sdn is also an input of this command (tiny.sdn)'],
  [['sample', 'tiny.sdn', '--weights', 'w.safetensors', ...cpu, '-o', './w.safetensors'], 2, '-o ./w.safetensors is also an input of this command (w.safetensors)'],
  [['sample', 'tiny.sdn', ...init, '-o', 'lib/../lib/density-vae.sdn'], 2, /-o lib\/\.\.\/lib\/density-vae\.sdn is also an input of this command \(.*lib\/density-vae\.sdn\)/],
  [['sample', 'tiny.sdn', ...init, '-o', 'folder'], 2, '-o folder is a folder; give a file name'],
  [['sample', 'tiny.sdn', ...init, '-o', 'afile/grid.png'], 2, /-o afile\/grid\.png: .*afile is a file, not a folder/],
  [['diff', 'tiny.sdn', 'tiny.sdn', '--weights', 'w.safetensors', '-o', 'w.safetensors'], 2, '-o w.safetensors is also an input of this command'],
  [['compile', 'tiny.sdn', '-o', 'afile'], 2, '-o afile is a file; give a folder'],
  [['train', 'tiny.sdn', '--data', 'data', ...cpu, '-o', 'afile'], 2, '-o afile is a file; give a folder'],
  [['train', 'missing.sdn', '--data', 'data', ...cpu, '-o', 'runs/x'], 2, 'model file not found: missing.sdn'],
  [['train', 'tiny.sdn', '--data', 'data', ...cpu, '--resume', '-o', 'runs/x'], 2, '--resume: no checkpoint at runs/x/checkpoint.safetensors'],
  [['train', 'tiny.sdn', '--data', 'data', '--executor', 'gpu', '-o', 'runs/x'], 2, "--executor must be webgpu or cpu, got 'gpu'"],
  [['harness', 'tiny.sdn', '-o', 'afile/train.ts'], 2, /afile is a file, not a folder/],
  [['export', 'tiny.sdn', '--to', 'pytorch', '-o', 'afile'], 2, '-o afile is a file; give a folder'],
  [['export', 'missing.sdn', '--to', 'pytorch', '-o', 'out'], 2, 'model file not found: missing.sdn'],
  [['export', 'folder.sdn', '--to', 'pytorch', '-o', 'out'], 1, 'folder.sdn is a folder, not a model file'],
  [['export', 'tiny.sdn', '--to', 'onnx', '-o', 'out'], 2, '--to onnx: the only export target is pytorch'],
  [['metrics', '--codes', 'w.safetensors', '--factor-sizes', '3,x'], 2, "--factor-sizes must be a comma-separated list of at least two integers ≥ 2, got '3,x'"],
  [['metrics', '--codes', 'w.safetensors'], 2, '--codes needs --factor-sizes'],
  [['metrics', 'tiny.sdn', '--codes', 'w.safetensors', '--factor-sizes', '2,2'], 2, '--codes scores a given representation; it takes no model'],
  [['metrics', 'tiny.sdn', '--weights', 'w.safetensors', '--seed', '-1'], 2, '--seed must be in [0, 4294967295], got -1'],
  [['metrics', 'tiny.sdn', '--weights', 'w.safetensors', '--pairs', '0', '-o', 'pics'], 2, '--pairs must be ≥ 1, got 0'],
  [['metrics', 'tiny.sdn', '--weights', 'w.safetensors', '-o', 'afile'], 2, '-o afile is a file; give a folder'],
  [['metrics', 'tiny.sdn', '--weights', 'w.safetensors', '--pictures-only'], 2, '--pictures-only needs --run or -o DIR'],
  [['metrics', 'tiny.sdn', '--run', 'empty-run'], 2, '--run empty-run: no checkpoint.safetensors in it'],
  [['metrics', 'tiny.sdn', '--weights', 'model.pt', ...cpu], 1, /model\.pt is a PyTorch checkpoint/],
  [['metrics', '--codes', 'afile', '--factor-sizes', '2,2'], 1, /afile/],
  [['metrics', 'tiny.sdn', '--weights', 'w.safetensors', ...cpu], 1, 'tiny: the disentanglement metrics need a model with one Gaussian posterior'],
  [['train', 'tiny.sdn', '--data', 'data', ...cpu, '--recipe', 'vae', '-o', 'runs/x'], 2, "--recipe must be density-vae or beta-vae, got 'vae'"],
  [['train', 'tiny.sdn', '--data', 'data', ...cpu, '--recipe', 'constructor', '-o', 'runs/x'], 2, "--recipe must be density-vae or beta-vae, got 'constructor'"],
  // --names: a choice of two, and only where tensors are written.
  [['train', 'tiny.sdn', '--data', 'data', ...cpu, '--names', 'pytorch', '-o', 'runs/x'], 2, "--names must be sdn (the compiler's paths) or torch (the authors' PyTorch names), got 'pytorch'"],
  [['diff', 'tiny.sdn', 'tiny.sdn', '--weights', 'w.safetensors', '-o', 'runs/b.safetensors', '--names', 'pt'], 2, "--names must be sdn (the compiler's paths) or torch"],
  [['diff', 'tiny.sdn', 'tiny.sdn', '--weights', 'w.safetensors', '--names', 'torch'], 2, '--names says how -o names the tensors it writes; give -o b-init.safetensors'],
  // Numbers out of range.
  [['sample', 'tiny.sdn', ...init, '-n', '0'], 2, '-n must be in [1, 4096], got 0'],
  [['sample', 'tiny.sdn', '--init-seed', '-1', ...cpu], 2, '--init-seed must be in [0, 4294967295], got -1'],
  [['sample', 'tiny.sdn', ...init, '--seed', '4294967296'], 2, '--seed must be in [0, 4294967295], got 4294967296'],
  [['sample', 'tiny.sdn', ...init, '--seed', '1.5'], 2, "--seed must be an integer, got '1.5'"],
  [['elbo', 'tiny.sdn', ...init, '--data', 'data', '--limit', '0'], 2, '--limit must be ≥ 1, got 0'],
  [['elbo', 'tiny.sdn', ...init, '--data', 'data', '--batch', '0'], 2, '--batch must be ≥ 1, got 0'],
  [['eval', 'tiny.sdn', '--weights', 'w.safetensors', '--data', 'data', ...cpu, '--k', '0'], 2, '-k must be ≥ 1, got 0'],
  [['train', 'tiny.sdn', '--data', 'data', ...cpu, '--batch', '0', '-o', 'runs/x'], 2, '--batch and --eval-batch must be positive'],
  [['train', 'tiny.sdn', '--data', 'data', ...cpu, '--seed', '4294967296', '-o', 'runs/x'], 2, '--seed must be in [0, 2^32), got 4294967296'],
  [['summary', 'tiny.sdn', '--memory', '--batch', '0'], 2, '--batch must be ≥ 1, got 0'],
  [['sample', 'tiny.sdn', '--weights', 'w.safetensors', '--init-seed', '1', ...cpu], 2, '--weights and --init-seed exclude each other'],
  [['elbo', 'tiny.sdn', '--run', 'empty-run', '--weights', 'w.safetensors', ...cpu], 2, '--run and --weights exclude each other'],
  [['sample', 'tiny.sdn', ...cpu], 2, 'pass --run DIR (a training run), --weights w.safetensors, or --init-seed N for freshly initialized weights'],
  [['sample', 'tiny.sdn', ...init, '--raw'], 2, '--raw needs a training run or checkpoint'],
  [['elbo', 'tiny.sdn', '--weights', 'w.safetensors', '--data', 'data', '--raw', ...cpu], 2, '--raw needs a training run or checkpoint'],
  [['sample', 'tiny.sdn', '--run', 'empty-run', ...cpu], 2, '--run empty-run: no checkpoint.safetensors in it'],
  [['elbo', 'tiny.sdn', '--run', 'empty-run', ...cpu], 2, '--run empty-run: no checkpoint.safetensors in it'],
  [['sample', 'tiny.sdn', '--run', '.', ...cpu, '-o', 'checkpoint.safetensors'], 2, '-o checkpoint.safetensors is also an input of this command (checkpoint.safetensors)'],
  // Weights that are not what --weights takes.
  [['diff', 'tiny.sdn', 'tiny.sdn', '--weights', 'checkpoint.safetensors'], 2, /checkpoint\.safetensors is a training checkpoint of sdn train .* pass the weights-ema\.safetensors beside it, or evaluate the run with sdn eval --run \./],
  [['sample', 'tiny.sdn', '--weights', 'model.pt', ...cpu], 1, /model\.pt is a PyTorch checkpoint \(a zip archive, as torch\.save writes\), not safetensors; convert it .*convert\.py that `sdn export` writes/],
  [['elbo', 'tiny.sdn', '--weights', 'old.pth', '--data', 'data', ...cpu], 1, /old\.pth is a PyTorch checkpoint \(a Python pickle/],
  [['sample', 'tiny.sdn', '--weights', 'nan.safetensors', ...cpu], 1, /nan\.safetensors: 1 problem:\n {2}- tensor '.*' holds non-finite values \(NaN at flat index 2\)/],
  [['eval', 'tiny.sdn', '--weights', 'nan.safetensors', '--data', 'data', ...cpu], 1, /tensor '.*' holds non-finite values/],
  [['elbo', 'tiny.sdn', '--weights', 'huge.safetensors', '--data', 'data', ...cpu], 1, /weights huge\.safetensors: the −ELBO over 8 data\/test images is (NaN|-?Infinity) \(not finite\): these weights overflow somewhere in tiny/],
  [['eval', 'tiny.sdn', '--weights', 'huge.safetensors', '--data', 'data', ...cpu], 1, /weights huge\.safetensors: the −ELBO over 8 data\/test images is (NaN|-?Infinity) \(not finite\)/],
  [['eval', 'tiny.sdn', '--weights', 'garbage.safetensors', '--data', 'data', ...cpu], 1, /--weights garbage\.safetensors: not a valid safetensors file: /],
  [['elbo', 'tiny.sdn', '--weights', 'garbage.safetensors', '--data', 'data', ...cpu], 1, /garbage\.safetensors: not a valid safetensors file/],
  [['eval', 'tiny.sdn', '--weights', 'folder', '--data', 'data', ...cpu], 1, '--weights folder is a folder, not a .safetensors file'],
  [['sample', 'tiny.sdn', '--weights', 'missing.safetensors', ...cpu], 1, '--weights missing.safetensors: no such file'],
  [['diff', 'tiny.sdn', 'tiny.sdn', '--weights', 'model.pt'], 2, /model\.pt is a PyTorch checkpoint/],
  [['eval', 'tiny.sdn', '--run', 'empty-run', ...cpu], 2, '--run empty-run: no checkpoint.safetensors in it'],
  [['elbo', 'tiny.sdn', ...init, '--data', 'no-such-data'], 1, /no-such-data: unknown dataset and no such folder/],
  [['elbo', 'tiny.sdn', ...init, '--data', 'bad-data'], 1, /bad-data\/train-images-idx3-ubyte: bad magic number/],
  [['train', 'tiny.sdn', '--data', 'afile', ...cpu, '-o', 'folder'], 1, /afile: unknown dataset and no such folder/],
  // The limits hold for every command that compiles, not only check.
  [['diff', 'deep-parens.sdn', 'tiny.sdn'], 2, /deep-parens\.sdn:2:\d+: error\[E-NESTING\]/],
  [['summary', 'doubling.sdn'], 1, /error\[E-LIMIT\]: elaborating the model takes over 1,000,000 steps/],
  // Model files that are not files.
  [['check', 'folder.sdn'], 1, /folder\.sdn:1:1: error\[E-READ\]: cannot read model file: \/.*\/folder\.sdn is a folder, not a model file/],
  [['sample', 'folder.sdn', ...init], 1, 'folder.sdn is a folder, not a model file'],
  [['check', 'missing.sdn'], 2, 'model file not found: missing.sdn'],
  // An override that breaks a library line: the diagnostic there names the flag.
  [['check', 'fmnist-sdn.sdn', '--set', 'depth=0'], 1, /lib\/density-vae\.sdn:\d+:\d+: error[\s\S]*= note: the model was compiled with --set depth=0; check the value given there/],
  [['check', 'fmnist-sdn.sdn', '--set', 'dpth=3'], 1, /--set dpth: the model has no param `dpth`/],
];

const MODEL_CHECKS: Case[] = Object.entries(MODEL_CASES).map(([name, c]) => [[...(c.command ?? ['check']), name, ...(c.args ?? [])], c.code ?? 1, c.message]);

describe('bad input ends in a clear error and leaves every file as it was', () => {
  it.each([...RUN_CASES, ...MODEL_CHECKS])('sdn %j → exit %i: %s', async (args, code, message) => {
    const r = await runCli(args, dir);
    expect(r.stderr).not.toMatch(/internal error|\n {4}at /);
    if (typeof message === 'string') expect(r.stderr).toContain(message);
    else expect(r.stderr).toMatch(message);
    expect(r.code).toBe(code);
    expect(snapshot()).toBe(state);
  });
});
