import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/args.js';
import { diffCommand, type DiffIo } from '../../cli/commands/diff.js';
import { diffModels, transferWeights, type DiffModel, type DiffReport } from '../../compiler/diff/diff.js';
import { renderMarkdown, renderText } from '../../compiler/diff/render.js';
import { compileModel } from '../../compiler/pipeline.js';
import { numel } from '../../runtime/ir.js';
import { loadSafetensorsFile, saveSafetensorsFile } from '../../runtime/safetensors-node.js';
import { WeightsError } from '../../runtime/weights.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const model = (name: string) => join(root, 'models', name);
const tmp = mkdtempSync(join(tmpdir(), 'sdn-diff-'));
afterAll(() => void (process.env.SDN_KEEP_TMP || rmSync(tmp, { recursive: true, force: true })));

function compile(file: string, overrides: Record<string, string> = {}): DiffModel {
  const c = compileModel(file, { overrides });
  expect(c.diagnostics).toEqual([]);
  return { name: file, graphs: c.graphs! };
}

function capture(color = false) {
  const out: string[] = [], err: string[] = [];
  const io: DiffIo = { out: (s) => void out.push(s), err: (s) => void err.push(s), color, errColor: false };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

async function diffJson(argv: string[]): Promise<{ code: number; report: DiffReport & { transfer?: { tensors: string[] } }; err: string }> {
  const c = capture();
  const code = await diffCommand([...argv, '--json'], c.io);
  return { code, report: c.out() ? JSON.parse(c.out()) : undefined, err: c.err() };
}

const changed = (r: DiffReport) => r.modules.filter((m) => m.status !== 'same');

/** A copy of a model and the library it imports, under tmp/<name>/ (models/ and models/lib/). */
function copyModel(name: string, file: string, edit: { main?: (s: string) => string; lib?: (s: string) => string } = {}): string {
  const dir = join(tmp, name);
  cpSync(join(root, 'models/lib'), join(dir, 'lib'), { recursive: true });
  const main = join(dir, file);
  writeFileSync(main, (edit.main ?? ((s) => s))(readFileSync(model(file), 'utf8')));
  const lib = join(dir, 'lib/density-vae.sdn');
  writeFileSync(lib, (edit.lib ?? ((s) => s))(readFileSync(lib, 'utf8')));
  return main;
}

describe('sdn diff: comparing architectures', () => {
  it('cifar10-sdn vs cifar10-cnn: exactly the SDN modules change, 79,131,172 fewer parameters', () => {
    const a = compile(model('cifar10-sdn.sdn')), b = compile(model('cifar10-cnn.sdn'));
    const r = diffModels(a, b);
    const sdnModules = a.graphs.elbo.layers.filter((l) => l.kind === 'ressdn').map((l) => l.path);
    const expected = [...Array(15).keys()].flatMap((i) => [`ladder_layers.${i}.down_a`, `ladder_layers.${i}.down_b`]).concat('last_layer.2');
    expect(sdnModules.sort()).toEqual([...expected].sort());
    expect(changed(r).map((m) => m.path).sort()).toEqual([...expected].sort());
    expect(changed(r).every((m) => m.status === 'changed' && m.changes[0].what === 'kind')).toBe(true);
    expect(r.same).toBe(false);
    expect(r.totals.a.params - r.totals.b.params).toBe(79_131_172);
    expect(r.blocks.reduce((s, x) => s + x.a.params - x.b.params, 0)).toBe(79_131_172);
    const down = r.modules.find((m) => m.path === 'ladder_layers.0.down_a')!;
    expect(down.a).toMatchObject({ kind: 'ressdn', attrs: { out: 316, features: 360, dirs: [0, 1] }, outShape: [316, 32, 32] });
    expect(down.b).toMatchObject({ kind: 'conv', attrs: { out: 316, k: 3, s: 1 }, outShape: [316, 32, 32] });
    expect(down.a!.source).toMatch(/density-vae\.sdn:\d+$/);
    expect(down.changes).toContainEqual({ what: 'param', name: 'weight', b: [316, 200, 3, 3] });
    expect(r.totals.a.flops).toBeGreaterThan(r.totals.b.flops);
    expect(r.totals.a.activationBytes).toBeGreaterThan(r.totals.b.activationBytes);
  });

  it('a file against itself is no change, exit 0', async () => {
    const c = capture();
    expect(await diffCommand([model('fmnist-sdn.sdn'), model('fmnist-sdn.sdn')], c.io)).toBe(0);
    expect(c.out()).toContain('no architectural change');
  });

  it('a reformatted copy (params and blocks reordered, whitespace, comments, a renamed let, independent lets swapped) is no change', async () => {
    const copy = copyModel('reformatted', 'fmnist-sdn.sdn', {
      main: (s) => {
        const params = s.split('\n').filter((l) => l.startsWith('param '));
        const body = s.split('\n').filter((l) => !l.startsWith('param ')).join('\n').replace('model fmnist_sdn {', `${params.reverse().join('\n\n')}\n\n// reformatted\nmodel fmnist_sdn {`);
        return body.replace(/, /g, ',   ').replace(/\n {2}/g, '\n\t');
      },
      lib: (s) => {
        const up = s.slice(s.indexOf('// Bottom-up half'), s.indexOf('// Top-down half'));
        const swapped = s.replace(up, '').replace('// The whole model.', `${up}// The whole model.`);
        expect(swapped).not.toBe(s);
        return swapped
          .replace(/\bgate\b/g, 'mix')
          .replace(/( {2}let mix = sigmoid\(g - 1\)\n)( {2}let skip = down \? downsample\(x, 2\) : x\n)/, '$2  // swapped\n$1');
      },
    });
    expect(readFileSync(join(tmp, 'reformatted/lib/density-vae.sdn'), 'utf8')).toContain('// swapped');
    const r = diffModels(compile(model('fmnist-sdn.sdn')), compile(copy));
    expect(changed(r)).toEqual([]);
    expect(r.same).toBe(true);
    const c = capture();
    expect(await diffCommand([model('fmnist-sdn.sdn'), copy], c.io)).toBe(0);
  });

  it('a change inside a block that keeps kinds and shapes is still found', () => {
    const copy = copyModel('gate', 'fmnist-sdn.sdn', { lib: (s) => s.replace('let gate = sigmoid(g - 1)\n  let skip = down', 'let gate = sigmoid(g - 2)\n  let skip = down') });
    const r = diffModels(compile(model('fmnist-sdn.sdn')), compile(copy));
    // The top ladder layer's bottom-up output feeds nothing, so its gate is dead code there.
    expect(changed(r).map((m) => [m.path, m.changes])).toEqual(
      [...Array(5).keys()].map((i) => [`ladder_layers.${i}`, [{ what: 'computation', modes: ['elbo'] }]]),
    );
  });

  it('two --set variants of one file list the changed sweeps', async () => {
    const { code, report } = await diffJson([model('fmnist-sdn.sdn'), model('fmnist-sdn.sdn'), '--set-b', 'dirs=4']);
    expect(code).toBe(1);
    expect(report.b).toMatch(/\[dirs=4\]$/);
    const sdn = [3, 4, 5].flatMap((i) => [`ladder_layers.${i}.down_a`, `ladder_layers.${i}.down_b`]);
    expect(changed(report).map((m) => m.path)).toEqual(sdn);
    for (const m of changed(report)) {
      expect(m.changes.find((c) => c.what === 'attr')).toMatchObject({ key: 'dirs', b: [0, 1, 2, 3] });
      const added = m.changes.filter((c) => c.what === 'param' && !c.a).map((c) => (c as { name: string }).name);
      expect(added).toEqual([2, 3].flatMap((i) => ['w_ih', 'w_hh', 'b_ih', 'b_hh'].map((w) => `sdn.sweep.${i}.${w}`)));
    }
    // --set applies to both sides, --set-a/--set-b to one, so these are the same two architectures.
    const same = await diffJson([model('fmnist-sdn.sdn'), model('fmnist-sdn.sdn'), '--set', 'dirs=4', '--set-a', 'dirs=2', '--set-a', 'features=32']);
    expect(changed(same.report).map((m) => m.path)).toEqual(sdn);
  });

  it('renders text (coloured only when asked), Markdown and JSON', async () => {
    const r = diffModels(compile(model('fmnist-sdn.sdn')), compile(model('fmnist-cnn.sdn')));
    const text = renderText(r);
    expect(text).not.toContain('\x1b[');
    expect(text).toMatch(/~ ladder_layers\.3\.down_a {2}ressdn → conv/);
    expect(text).toContain('params: 86,748 → 42,772 (-43,976)');
    expect(renderText(r, true)).toContain('\x1b[33m~ ladder_layers.3.down_a');
    const md = renderMarkdown(r);
    expect(md).toContain('| ~ | `ladder_layers.3.down_a` | ressdn → conv | [B, 148, 16, 16] | 86,748 → 42,772 |');
    expect(md).toContain(`| params | 1,791,032 | 1,442,324 | -348,708 |`);
  });
});

describe('sdn diff: weight transfer', () => {
  it('writes exactly the same-path same-shape parameters of a checkpoint of a, and b loads them', async () => {
    const a = compile(model('fmnist-sdn.sdn')).graphs.elbo, b = compile(model('fmnist-cnn.sdn')).graphs.elbo;
    // Half the tensors by compiler path, half by the authors' PyTorch name.
    const tensors = new Map(a.params.map((p, i) => [i % 2 ? p.torch : p.path, { shape: p.shape, data: Float32Array.from({ length: numel(p.shape) }, () => Math.random() - 0.5) }]));
    const weights = join(tmp, 'fmnist-sdn.safetensors'), out = join(tmp, 'fmnist-cnn-init.safetensors');
    await saveSafetensorsFile(weights, tensors);
    const { code, report } = await diffJson([model('fmnist-sdn.sdn'), model('fmnist-cnn.sdn'), '--weights', weights, '-o', out]);
    expect(code).toBe(1);
    const bShape = new Map(b.params.map((p) => [p.path, p.shape.join()]));
    const expected = a.params.filter((p) => bShape.get(p.path) === p.shape.join()).map((p) => p.path);
    expect(expected.length).toBeGreaterThan(50);
    expect(report.weights.transferable.map((p) => p.path)).toEqual(expected);
    expect(report.transfer!.tensors).toEqual(expected);
    const written = (await loadSafetensorsFile(out)).tensors;
    expect([...written.keys()]).toEqual(expected);
    // Loading into b: every tensor names a parameter of b by path, with its shape.
    for (const [name, t] of written) {
      expect(bShape.get(name), name).toBe(t.shape.join());
      const i = a.params.findIndex((p) => p.path === name);
      const src = tensors.get(i % 2 ? a.params[i].torch : name)!.data;
      expect(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(Buffer.from(src.buffer)), name).toBe(true);
    }
    expect(report.weights.missingInB.map((p) => p.path)).toContain('ladder_layers.3.down_a.sdn.sweep.0.w_ih');
    expect(report.weights.newInB.map((p) => p.path)).toContain('ladder_layers.3.down_a.weight');
  });

  it('does not transfer a GRU sweep whose direction changed, and says why', async () => {
    const a = compile(model('fmnist-sdn.sdn')).graphs.elbo;
    const tensors = new Map(a.params.map((p) => [p.path, { shape: p.shape, data: new Float32Array(numel(p.shape)) }]));
    const weights = join(tmp, 'dirs.safetensors'), out = join(tmp, 'dirs4-init.safetensors');
    await saveSafetensorsFile(weights, tensors);
    const { code, report } = await diffJson([model('fmnist-sdn.sdn'), model('fmnist-sdn.sdn'), '--set-b', 'dirs=4', '--weights', weights, '-o', out]);
    expect(code).toBe(1);
    // down_b sweeps directions [2, 3] in a and [0, 1, 2, 3] in b: its sweep.0 now runs direction 0.
    const moved = 'ladder_layers.3.down_b.sdn.sweep.0.w_ih';
    expect(report.weights.roleDiffers).toContainEqual({ path: moved, module: 'ladder_layers.3.down_b', a: 'sdn_sweep direction 2', b: 'sdn_sweep direction 0' });
    // down_a sweeps [0, 1] → [0, 1, 2, 3]: sweep.0 and sweep.1 keep their directions.
    const kept = report.weights.transferable.map((p) => p.path);
    expect(kept).toContain('ladder_layers.3.down_a.sdn.sweep.1.w_hh');
    expect(kept).not.toContain(moved);
    const written = [...(await loadSafetensorsFile(out)).tensors.keys()];
    expect(written).toEqual(kept);
    const c = capture();
    await diffCommand([model('fmnist-sdn.sdn'), model('fmnist-sdn.sdn'), '--set-b', 'dirs=4'], c.io);
    const text = c.out();
    expect(text).toContain('  used differently (a → b):\n');
    expect(text).toContain(`\n    ${moved}: sdn_sweep direction 2 → sdn_sweep direction 0\n`);
  });

  it('rejects a tensor that is not a parameter of a, or has the wrong shape, naming it and both shapes', async () => {
    const a = compile(model('fmnist-sdn.sdn')).graphs.elbo;
    const p = a.params[0];
    const bad = join(tmp, 'bad.safetensors'), out = join(tmp, 'never.safetensors');
    await saveSafetensorsFile(bad, { [p.path]: { shape: [2, 2], data: [1, 2, 3, 4] }, 'no.such.param': { shape: [1], data: [0] } });
    const failure = await diffCommand([model('fmnist-sdn.sdn'), model('fmnist-cnn.sdn'), '--weights', bad, '-o', out], capture().io).catch((e: unknown) => e);
    // The binding every weights file gets (runtime/weights.ts), its messages naming the file and model a.
    expect(failure).toBeInstanceOf(WeightsError);
    const message = (failure as Error).message;
    expect(message).toMatch(/bad\.safetensors is not a checkpoint of .*fmnist-sdn\.sdn: 2 problems:/);
    expect(message).toContain(`tensor '${p.path}' has shape [2, 2] but parameter '${p.path}' (PyTorch '${p.torch}') has shape [${p.shape.join(', ')}]`);
    expect(message).toContain(`extra tensor 'no.such.param' [1]: the model has no such parameter`);
    expect(existsSync(out)).toBe(false);
  });

  it('binds the checkpoint as every weights file: a weight-normed g/v pair transfers as its weight; errors are the runtime\'s WeightsError', () => {
    const a = compile(model('fmnist-sdn.sdn')).graphs.elbo, b = compile(model('fmnist-cnn.sdn')).graphs.elbo;
    const inB = new Map(b.params.map((q) => [q.path, q.shape.join()]));
    const p = a.params.find((q) => q.shape.length === 4 && inB.get(q.path) === q.shape.join())!;
    const [O] = p.shape, per = numel(p.shape) / O;
    const v = Float32Array.from({ length: numel(p.shape) }, (_, i) => ((i * 7) % 11) - 5);
    const g = Float32Array.from({ length: O }, (_, o) => o + 1);
    const r = transferWeights(a, b, new Map([[`${p.torch}_g`, { shape: [O, 1, 1, 1], data: g }], [`${p.torch}_v`, { shape: p.shape, data: v }]]));
    expect([...r.tensors.keys()]).toEqual([p.path]);
    expect(r.notInFile.length).toBe(a.params.length - 1);
    const w = r.tensors.get(p.path)!.data;
    for (let o = 0; o < O; o++) {
      const row = v.subarray(o * per, (o + 1) * per), norm = Math.hypot(...row);
      for (let j = 0; j < per; j++) expect(w[o * per + j]).toBeCloseTo((g[o] * row[j]) / norm, 5);
    }
    expect(() => transferWeights(a, b, new Map([['nope', { shape: [1], data: new Float32Array(1) }]]), { source: 'x.safetensors' }))
      .toThrow(WeightsError);
  });
});

describe('sdn diff: exit codes and git', () => {
  const cli = async (...args: string[]) => {
    try {
      await promisify(execFile)('npx', ['tsx', 'cli/main.ts', 'diff', ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
      return 0;
    } catch (e) {
      return (e as { code: number }).code;
    }
  };

  it('exits 0 when the same, 1 when different, 2 on error, and 0 on error as git\'s driver (via the CLI)', async () => {
    const broken = join(tmp, 'broken.sdn');
    writeFileSync(broken, 'model broken {\n  input x: image(1, 28, 28)\n  output y = nope(x)\n}\n');
    const codes = await Promise.all([
      cli('models/fmnist-cnn.sdn', 'models/fmnist-cnn.sdn'),
      cli('models/fmnist-sdn.sdn', 'models/fmnist-cnn.sdn', '--markdown'),
      cli('models/fmnist-sdn.sdn', broken),
      cli('models/fmnist-sdn.sdn', 'models/missing.sdn'),
      cli('--git', 'models/fmnist-sdn.sdn'),
      cli('--git', '--exit-code', 'models/fmnist-sdn.sdn'),
    ]);
    expect(codes).toEqual([0, 1, 2, 2, 0, 2]);
    // The command itself throws; cli/main.ts maps usage errors and bad input to diff's 2.
    const direct = (...args: string[]) => diffCommand(args, capture().io);
    await expect(direct('models/fmnist-sdn.sdn', 'models/missing.sdn')).rejects.toThrow(/model file not found: models\/missing\.sdn/);
    await expect(direct('models/fmnist-sdn.sdn', 'models/fmnist-cnn.sdn', '--set-a', 'nope=1')).rejects.toThrow(/fmnist-sdn\.sdn: 1 error/);
    await expect(direct('models/fmnist-sdn.sdn')).rejects.toThrow(UsageError);
    await expect(direct('models/fmnist-sdn.sdn', 'models/fmnist-cnn.sdn', '-o', 'x.safetensors')).rejects.toThrow(UsageError);
  });

  it('--git takes git\'s 7 arguments, compiles temp files at their repo path, and exits 0 even when they differ', async () => {
    const old = join(tmp, 'old-fmnist.sdn');
    writeFileSync(old, readFileSync(model('fmnist-sdn.sdn'), 'utf8').replace('param dirs: int = 2', 'param dirs: int = 4'));
    const args = ['models/fmnist-sdn.sdn', old, 'abc123', '100644', 'models/fmnist-sdn.sdn', '.', '100644'];
    const c = capture();
    expect(await diffCommand(['--git', ...args], c.io)).toBe(0);
    expect(c.out()).toContain('a: a/models/fmnist-sdn.sdn');
    expect(c.out()).toContain('dirs: [0, 1, 2, 3] → [0, 1]');
    expect(await diffCommand(['--git', '--exit-code', ...args], capture().io)).toBe(1);
    const added = capture();
    expect(await diffCommand(['--git', 'models/x.sdn', '/dev/null', '.', '.', model('fmnist-sdn.sdn'), 'abc', '100644'], added.io)).toBe(0);
    expect(added.out()).toContain('new model models/x.sdn');
  });
});
