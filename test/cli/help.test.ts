// CLI manners: strict flags with suggestions, per-command help with defaults, --version, a fast
// `sdn --help` that loads no compiler, and a README that lists every command.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/commands.js';
import { flagName } from '../../cli/args.js';
import { DEFAULT_RECIPE } from '../../runtime/train/trainer.js';
import { REPO } from '../runtime/train/helpers.js';
import { runCli, TSX } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'sdn-cli-help-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const noStack = (s: string) => expect(s).not.toMatch(/internal error|\n {4}at /);

describe('sdn flags and help', () => {
  it('prints the version of package.json', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`sdn ${(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version}\n`);
  });

  it.each(Object.keys(COMMANDS))('sdn %s --help and -h list every flag with its default', async (name) => {
    for (const h of ['--help', '-h']) {
      const r = await runCli([name, 'model.sdn', h]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: sdn ${name} `));
      for (const f of COMMANDS[name].flags) {
        const line = r.stdout.split('\n').find((l) => l.trimStart().startsWith(flagName(f.name)));
        expect(line, flagName(f.name)).toBeDefined();
        if (f.default !== undefined) expect(r.stdout).toContain(`(default: ${f.default})`);
      }
    }
  });

  it.each([
    [['train', 'm.sdn', '--stpes', '2'], 'unknown option --stpes for sdn train; did you mean --steps?'],
    [['sample', 'm.sdn', '--temprature', '1'], 'did you mean --temperature?'],
    [['diff', 'a.sdn', 'b.sdn', '--jsno'], 'did you mean --json?'],
    [['eval', 'm.sdn', '--wieghts', 'w'], 'did you mean --weights?'],
    [['check', 'm.sdn', '--frobnicate'], 'unknown option --frobnicate for sdn check (sdn check --help'],
    [['train', 'm.sdn', '--resume=yes'], '--resume takes no value'],
    [['sample', 'm.sdn', '--weights'], '--weights needs a value'],
    [['sample', 'm.sdn', '--seed', '1', '--seed', '2'], '--seed is given twice'],
    [['frob'], "unknown command 'frob'"],
  ])('%j is a usage error (exit 2): %s', async (argv, message) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    noStack(r.stderr);
  });

  it('documents the training recipe\'s defaults as runtime/train/trainer.ts has them', () => {
    const keys: Record<string, keyof typeof DEFAULT_RECIPE> = {
      steps: 'steps', batch: 'batch', lr: 'lr', 'lr-decay': 'lrDecay', ema: 'ema', 'eval-every': 'evalEvery', 'eval-images': 'evalImages',
      samples: 'samples', seed: 'seed', temperature: 'temperature', 'clip-grad': 'clipGrad', beta: 'betaFinal', 'beta-rate': 'betaRate', 'max-bad-steps': 'maxBadSteps',
    };
    for (const [flag, key] of Object.entries(keys)) {
      const f = COMMANDS.train.flags.find((x) => x.name === flag)!;
      expect(f.defaultNote?.split(';')[0], flag).toBe(String(DEFAULT_RECIPE[key]));
    }
  });

  it('sdn --help loads neither the compiler nor ts-morph', async () => {
    const log = join(dir, 'imports.log');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', join(REPO, 'test/cli/trace-imports.mjs'), join(REPO, 'cli/main.ts'), '--help'], {
      env: { ...process.env, SDN_TRACE_IMPORTS: log }, encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    const loaded = readFileSync(log, 'utf8');
    expect(loaded).toContain('/cli/commands.ts');
    expect(loaded).not.toMatch(/ts-morph|chevrotain|\/compiler\/|\/grammar\/|webgpu/);
  });

  // `script` gives the command a terminal, where colour is on unless NO_COLOR says otherwise.
  it.skipIf(spawnSync('script', ['--version']).status !== 0)('colours diagnostics on a terminal only, and never under NO_COLOR', () => {
    const bad = join(dir, 'bad.sdn');
    writeFileSync(bad, 'model m {\n  let x = nope\n}\n');
    const check = (env: Record<string, string>) => spawnSync('script', ['-qec', `${process.execPath} --import tsx cli/main.ts check ${bad}`, '/dev/null'], {
      cwd: REPO, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', ...env },
    }).stdout;
    const tty = check({}), plain = check({ NO_COLOR: '1' });
    expect(tty).toMatch(/\x1b\[[\d;]+m/);
    expect(plain).toContain(`${bad}:2:11`);
    expect(plain).not.toContain('\x1b[');
  });

  it('a large --json report through a slowly read pipe arrives whole', () => {
    // A shell pipe (64 KiB) read a second late: the CLI must wait for it to drain before exiting
    // (exiting at once used to cut the report at a multiple of 64 KiB).
    const cli = `'${process.execPath}' --import '${TSX}' cli/main.ts diff models/fmnist-sdn.sdn models/cifar10-sdn.sdn --json`;
    const r = spawnSync('bash', ['-c', `set -o pipefail; ${cli} | (sleep 1; cat)`], { cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(r.status).toBe(1);
    expect(r.stdout.length).toBeGreaterThan(200_000);
    const report = JSON.parse(r.stdout) as { same: boolean };
    expect(report.same).toBe(false);
  });

  it('the README lists every command and points to --help for the options', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    for (const name of Object.keys(COMMANDS)) expect(readme, name).toContain(`\`sdn ${name}`);
    expect(readme).toContain('sdn <command> --help');
  });
});
