// The exported PyTorch module of every golden case (layers and whole models), with the golden
// tensors loaded by PyTorch name and the golden noise as eps, reproduces the golden outputs in
// float64 to 1e-6 and the gradients (grad.*, and lossgrad.* of mean(loss)) to 1e-5.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderModelPy } from '../../../compiler/export/model-py.js';
import { goldenDir, loadGolden } from '../../support/golden.js';
import { CASES, compileCaseGraphs, LABEL } from '../../support/golden-models.js';
import { runPython, torchPython } from '../../support/python.js';

interface CaseErrors {
  error?: string;
  forward: Record<string, number>;
  grad: Record<string, number>;
  lossgrad: Record<string, number>;
  unused: string[];
}

const files = readdirSync(goldenDir()).filter((f) => f.endsWith('.safetensors')).sort();
const python = torchPython();

describe.skipIf(!python)('exported PyTorch module on the golden vectors (float64)', () => {
  let dir: string;
  let results: Record<string, CaseErrors>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sdn-export-golden-'));
    const cases = files.map((file) => {
      const name = file.replace(/\.safetensors$/, '');
      const c = loadGolden(name);
      const spec = CASES[c.config.op](c);
      const graphs = compileCaseGraphs(name, spec);
      const out = join(dir, name);
      mkdirSync(out);
      writeFileSync(join(out, 'model.py'), renderModelPy({ model: name, sourcePath: `${name}.sdn`, sets: {}, ...graphs }));
      return { name, dir: out, golden: join(goldenDir(), file), label: LABEL, noise: spec.noise ?? {}, lossgrad: spec.lossgrad ?? false };
    });
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases));
    runPython([join(import.meta.dirname, 'golden_check.py'), join(dir, 'cases.json'), join(dir, 'results.json')]);
    results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds golden cases', () => expect(files.length).toBeGreaterThan(0));

  it.each(files)('%s', (file) => {
    const name = file.replace(/\.safetensors$/, '');
    const r = results[name];
    expect(r.error, `${name}: the exported module failed`).toBeUndefined();
    const worst = (e: Record<string, number>) => Math.max(...Object.values(e));
    console.log(`[export golden] ${name}: forward ${worst(r.forward).toExponential(2)}, grad ${worst(r.grad).toExponential(2)}` +
      (Object.keys(r.lossgrad).length ? `, lossgrad ${worst(r.lossgrad).toExponential(2)}` : ''));
    expect(r.unused, `${name}: golden tensors the exported module has no use for`).toEqual([]);
    expect(Object.keys(r.forward).length).toBeGreaterThan(0);
    expect(Object.keys(r.grad).length).toBeGreaterThan(0);
    for (const [o, e] of Object.entries(r.forward)) expect(e, `${name}: output ${o}`).toBeLessThanOrEqual(1e-6);
    for (const kind of ['grad', 'lossgrad'] as const) {
      for (const [t, e] of Object.entries(r[kind])) expect(e, `${name}: ${kind}.${t}`).toBeLessThanOrEqual(1e-5);
    }
    if (loadGolden(name).config.op === 'density_vae') expect(Object.keys(r.lossgrad).length).toBeGreaterThan(0);
  });
});
