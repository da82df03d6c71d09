// `sdn compile` writes WGSL kernels, a manifest with one file per graph and a typed TypeScript
// module; the module type-checks on its own (tsc --noEmit) and runs, giving the same ELBO as the
// runtime directly; a page that only samples loads only the sample graph.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildArtifact } from '../../compiler/compile.js';
import { compileModel } from '../../compiler/pipeline.js';
import { loadCompiledModelFile } from '../../runtime/program-files-node.js';
import { REPO } from '../runtime/train/helpers.js';
import { runCli } from './run-cli.js';

describe('sdn compile', () => {
  it('emits kernels, a manifest and a typed module that type-checks and runs', async () => {
    // Inside the repository: the generated module imports `sdn/runtime/…`, which resolves to this
    // package (a self-reference), its TypeScript sources under the `sdn-source` condition.
    const out = mkdtempSync(join(REPO, 'test', '.tmp-compile-'));
    try {
      const r = await runCli(['compile', 'models/3dshapes-sdn.sdn', '-o', out]);
      expect(r.stderr).not.toContain('error');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/compiled shapes3d_sdn to .*elbo: \d+ kernels from \d+ IR nodes/);
      const kernels = readdirSync(join(out, 'kernels'));
      expect(kernels.length).toBeGreaterThan(10);
      expect(readFileSync(join(out, 'kernels', kernels[0]), 'utf8')).toMatch(/@compute/);
      const files = JSON.parse(readFileSync(join(out, '3dshapes-sdn.json'), 'utf8'));
      expect(files.format).toBe('sdn-manifest/1');
      expect(files.graphs).toEqual({ elbo: '3dshapes-sdn.elbo.json', sample: '3dshapes-sdn.sample.json', train: '3dshapes-sdn.train.json' });
      const manifest = await loadCompiledModelFile(join(out, '3dshapes-sdn.json'));
      // The files hold exactly the artifact the compiler built.
      const built = buildArtifact(compileModel(join(REPO, 'models/3dshapes-sdn.sdn')));
      expect(JSON.stringify(manifest)).toBe(JSON.stringify(built));
      // A sampling page reads the manifest and the sample graph only: far fewer bytes than the training graph.
      const size = (f: string) => statSync(join(out, f)).size;
      expect(size('3dshapes-sdn.sample.json') * 2).toBeLessThan(size('3dshapes-sdn.train.json'));
      const sampler = await loadCompiledModelFile(join(out, '3dshapes-sdn.json'), ['sample']);
      expect(sampler.graphs.sample.kernels.length).toBe(manifest.graphs.sample.kernels.length);
      expect(sampler.likelihood).toEqual({ kind: 'DL', nbits: 8 });
      expect(() => sampler.graphs.train).toThrow(/3dshapes-sdn\.json: the train graph was not loaded/);
      // Each distinct kernel is written once, headed by its kind and, per model-file location
      // using it, the number of uses in each graph.
      const programs = Object.values(manifest.graphs);
      const distinct = new Set(programs.flatMap((p) => p.kernels.map((k) => k.wgsl)));
      const variants = new Set(programs.flatMap((p) => p.kernels.flatMap((k) => (k.subgroup ? [k.subgroup.wgsl] : []))));
      expect(variants.size).toBeGreaterThan(0);
      expect(kernels).toHaveLength(distinct.size + variants.size);
      expect(r.stdout).toContain(`${distinct.size} distinct kernels, ${variants.size} of them also as a subgroup variant`);
      const headers = kernels.map((f) => readFileSync(join(out, 'kernels', f), 'utf8').split('\n').filter((l) => l.startsWith('// ')));
      const uses = headers.flat().reduce((n, l) => n + [...l.matchAll(/(elbo|sample|train) ×(\d+)/g)].reduce((m, u) => m + Number(u[2]), 0), 0);
      expect(uses).toBe(programs.reduce((n, p) => n + p.kernels.length + p.kernels.filter((k) => k.subgroup).length, 0));
      expect(headers.flat()).toContain('// models/lib/beta-vae.sdn:42:11: elbo ×1, sample ×1, train ×1');
      const module = readFileSync(join(out, '3dshapes-sdn.ts'), 'utf8');
      expect(module).toContain('export class Shapes3dSdn');
      expect(module).toContain('from "sdn/runtime/session.js"');
      expect(module).toContain('"decoder.9.sweep.0.w_ih": [600, 600]');

      // A user program of the generated class, type-checked strictly against the runtime.
      writeFileSync(join(out, 'use.ts'), [
        "import { Shapes3dSdn, SHAPES3D_SDN_PARAM_SHAPES, type Shapes3dSdnParams } from './3dshapes-sdn.js';",
        "import { cpuBackend, initParams, loadCompiledModelFile } from 'sdn/runtime';",
        "const compiled = await loadCompiledModelFile(new URL('./3dshapes-sdn.json', import.meta.url), ['elbo']);",
        'const model = Shapes3dSdn.create(compiled, cpuBackend);',
        'const params = Object.fromEntries(initParams(compiled.params, 5)) as Shapes3dSdnParams;',
        'model.setParams(params);',
        'const x = new Float32Array(2 * 3 * 64 * 64).map((_, i) => ((i * 7919) % 255) / 255 - 0.5);',
        'const r = await model.elbo(x, 3);',
        'const shapes: number = Object.keys(SHAPES3D_SDN_PARAM_SHAPES).length;',
        'console.log(JSON.stringify({ elbo: Array.from(r.elbo), shapes }));',
      ].join('\n'));
      writeFileSync(join(out, 'tsconfig.json'), JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', customConditions: ['sdn-source'], strict: true, noEmit: true, skipLibCheck: true, types: ['node', '@webgpu/types'] },
        files: ['use.ts'],
      }));
      execFileSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', join(out, 'tsconfig.json')], { cwd: out, stdio: 'pipe' });

      const ran = JSON.parse(execFileSync(process.execPath, ['--conditions=sdn-source', '--import', 'tsx', join(out, 'use.ts')], { cwd: REPO, encoding: 'utf8' }).trim().split('\n').pop()!);
      expect(ran.shapes).toBe(manifest.params.length);
      expect(ran.elbo).toHaveLength(2);

      // The same computation through the runtime directly.
      const { ModelSession, cpuBackend } = await import('../../runtime/session.js');
      const { initParams } = await import('../../runtime/init.js');
      const session = new ModelSession(manifest, cpuBackend);
      session.setParams(initParams(manifest.params, 5));
      const x = new Float32Array(2 * 3 * 64 * 64).map((_, i) => ((i * 7919) % 255) / 255 - 0.5);
      const direct = await session.elbo(x, { seed: 3 });
      expect(ran.elbo).toEqual(Array.from(direct.elbo));
      expect(ran.elbo.every((v: number) => Number.isFinite(v))).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('writes fmnist-sdn\'s kernels, headers included, in under 1 MB of WGSL', async () => {
    const out = mkdtempSync(join(REPO, 'test', '.tmp-compile-'));
    try {
      const r = await runCli(['compile', 'models/fmnist-sdn.sdn', '-o', out]);
      expect(r.code).toBe(0);
      const files = readdirSync(join(out, 'kernels'));
      const bytes = files.reduce((n, f) => n + statSync(join(out, 'kernels', f)).size, 0);
      console.log(`[compile] fmnist-sdn: ${files.length} kernel files, ${(bytes / 1e6).toFixed(3)} MB`);
      expect(files.length).toBeGreaterThan(100);
      expect(bytes).toBeLessThan(1e6);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
