// The package as users get it: `npm pack` (which builds on prepack) ships the built JavaScript
// with .d.ts types and no tests; installed into an empty project, `npx sdn` runs and a TypeScript
// file importing the public entry points type-checks and runs.
// The install is done by hand (the tarball unpacked into node_modules/sdn, its dependencies
// linked to this checkout's), since nothing may be downloaded here.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../runtime/train/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sdn-pack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  name: string; version: string; dependencies: Record<string, string>; optionalDependencies: Record<string, string>;
};

const CONSUMER = `import { compileModel, buildArtifact, renderDiagnostic, type Diagnostic } from 'sdn/compiler';
import { ModelSession, cpuBackend, initParams, loadSafetensorsFile, type CompiledModel } from 'sdn/runtime';
import { readSafetensors, type ElboResult } from 'sdn/runtime/browser';
import { DEFAULT_RECIPE } from 'sdn/runtime/train/trainer.js';

const source = 'node_modules/sdn/models/fmnist-cnn.sdn';
const compiled = compileModel(source);
const problems: Diagnostic[] = compiled.diagnostics;
if (problems.length > 0) throw new Error(problems.map((d) => renderDiagnostic(d, () => undefined)).join('\\n'));
const model: CompiledModel = buildArtifact(compiled);
const session = new ModelSession(model, cpuBackend);
session.setParams(initParams(model.params, 1));
const [c, h, w] = model.graphs.elbo.inputs[0].shape;
const x = new Float32Array(c * h * w).map((_, i) => ((i * 7919) % 255) / 255 - 0.5);
const r: ElboResult = await session.elbo(x, { seed: 2 });
const apis = [typeof loadSafetensorsFile, typeof readSafetensors].join();
console.log(JSON.stringify({ model: model.model, elbo: Array.from(r.elbo), lr: DEFAULT_RECIPE.lr, apis }));
`;

describe('the npm package', () => {
  it('packs built JS and types, installs into an empty project, runs `npx sdn` and type-checks a consumer', () => {
    execFileSync('npm', ['pack', '--pack-destination', dir], { cwd: REPO, stdio: 'pipe' });
    const tarball = join(dir, `${pkg.name}-${pkg.version}.tgz`);
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    for (const f of ['bin/sdn.js', 'dist/cli/main.js', 'dist/compiler/index.js', 'dist/compiler/index.d.ts', 'dist/runtime/index.d.ts', 'dist/runtime/browser.js', 'models/fmnist-sdn.sdn']) {
      expect(files, f).toContain(`package/${f}`);
    }
    expect(files.filter((f) => /\/test\/|\.test\.|dist\/bench\//.test(f))).toEqual([]);

    const project = join(dir, 'consumer');
    const modules = join(project, 'node_modules');
    mkdirSync(join(modules, 'sdn'), { recursive: true });
    mkdirSync(join(modules, '.bin'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { sdn: tarball } }));
    execFileSync('tar', ['xzf', tarball, '-C', join(modules, 'sdn'), '--strip-components=1']);
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) symlinkSync(join(REPO, 'node_modules', dep), join(modules, dep));
    symlinkSync('../sdn/bin/sdn.js', join(modules, '.bin', 'sdn'));

    const version = spawnSync('npx', ['--offline', 'sdn', '--version'], { cwd: project, encoding: 'utf8' });
    expect(version.stderr).toBe('');
    expect(version.stdout).toBe(`sdn ${pkg.version}\n`);
    const check = spawnSync('npx', ['--offline', 'sdn', 'check', 'node_modules/sdn/models/fmnist-sdn.sdn'], { cwd: project, encoding: 'utf8' });
    expect(check.stdout).toBe('node_modules/sdn/models/fmnist-sdn.sdn: ok\n');
    expect(check.status).toBe(0);

    writeFileSync(join(project, 'use.ts'), CONSUMER);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true,
        types: ['node'], typeRoots: [join(REPO, 'node_modules/@types')],
      },
      files: ['use.ts'],
    }));
    const tsc = spawnSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: project, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);

    const ran = spawnSync(process.execPath, ['--import', join(REPO, 'node_modules/tsx/dist/loader.mjs'), 'use.ts'], { cwd: project, encoding: 'utf8' });
    expect(ran.stderr).toBe('');
    const out = JSON.parse(ran.stdout) as { model: string; elbo: number[]; lr: number; apis: string };
    expect(out.model).toBe('fmnist_cnn');
    expect(out.elbo).toHaveLength(1);
    expect(Number.isFinite(out.elbo[0])).toBe(true);
    expect(out.lr).toBe(0.002);
    expect(out.apis).toBe('function,function');
    expect(existsSync(join(modules, 'sdn', 'test'))).toBe(false);
  });
});
