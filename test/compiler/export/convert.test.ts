// convert.py: a Lightning-style checkpoint of the exported module (weight-normed state_dict under a
// `model.` prefix, floats, a hyperparameter object and a payload that would run a shell command,
// pickled by torch.save) becomes a safetensors file whose plain weights equal what sdn makes of the
// weight_g / weight_v tensors themselves, without running anything from the file; a checkpoint that
// doesn't fit is refused, naming the tensor.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/run-cli.js';
import { compileModel } from '../../../compiler/pipeline.js';
import { loadSafetensorsFile } from '../../../runtime/safetensors-node.js';
import { bindWeights } from '../../../runtime/weights.js';
import { writeTinyModel } from '../../runtime/train/helpers.js';
import { relErr } from '../../support/golden.js';
import { PYTHON, runPython, torchPython } from '../../support/python.js';

const python = torchPython();
const dir = mkdtempSync(join(tmpdir(), 'sdn-export-convert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!python)('convert.py', () => {
  const model = writeTinyModel(dir), out = join(dir, 'export');
  const ckpt = join(dir, 'epoch=3.ckpt'), partial = join(dir, 'partial.ckpt'), gv = join(dir, 'gv.safetensors'), converted = join(dir, 'converted.safetensors');

  beforeAll(async () => {
    const r = await runCli(['export', model, '--to', 'pytorch', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    runPython(['-c', `
import argparse, sys, torch
sys.path.insert(0, ${JSON.stringify(out)})
import model
m = model.build(weight_norm=True, seed=5)
with torch.no_grad():
    for name, p in m.named_parameters():
        if name.endswith("_g"):
            p.mul_(1.5)
sd = m.state_dict()
class Evil:
    def __reduce__(self):
        import os
        return (os.system, ("touch " + ${JSON.stringify(join(dir, 'pwned'))},))
# As a Lightning checkpoint: floats, hyperparameters in a class of the training code, optimizer state.
torch.save({"epoch": 3, "global_step": 120, "hyper_parameters": argparse.Namespace(lr=0.002, evil=Evil()),
            "optimizer_states": [{"lr": 0.002, "betas": (0.9, 0.999)}],
            "state_dict": {"model." + k: v for k, v in sd.items()}}, ${JSON.stringify(ckpt)})
model.save_safetensors(${JSON.stringify(gv)}, sd)
torch.save({"state_dict": {"model." + k: v for k, v in sd.items() if k != "h"}}, ${JSON.stringify(partial)})
`]);
  });

  it('writes plain weights under PyTorch names that sdn binds, equal to sdn\'s reading of weight_g / weight_v', async () => {
    runPython([join(out, 'convert.py'), ckpt, converted]);
    expect(existsSync(join(dir, 'pwned')), 'code in the checkpoint ran').toBe(false);
    const params = compileModel(model).graphs!.elbo.params;
    const plain = bindWeights(params, (await loadSafetensorsFile(converted)).tensors);
    const fromGv = bindWeights(params, (await loadSafetensorsFile(gv)).tensors);
    expect([...(await loadSafetensorsFile(gv)).tensors.keys()].some((k) => k.endsWith('weight_g'))).toBe(true);
    for (const p of params) expect(relErr(plain.get(p.path)!, fromGv.get(p.path)!), p.path).toBeLessThanOrEqual(1e-6);
  });

  it('refuses a checkpoint that lacks a tensor, naming it, and sdn points a pickle to convert.py', async () => {
    const r = spawnSync(PYTHON, [join(out, 'convert.py'), partial, join(dir, 'x.safetensors')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("missing tensor 'h'");
    const sdn = await runCli(['sample', model, '--executor', 'cpu', '--weights', ckpt, '-o', join(dir, 'never.png')]);
    expect(sdn.code).toBe(1);
    expect(sdn.stderr.trim().split('\n')).toHaveLength(1);
    expect(sdn.stderr).toContain(`${ckpt} is a PyTorch checkpoint (a zip archive, as torch.save writes), not safetensors`);
    expect(sdn.stderr).toContain('convert.py');
  });
});
