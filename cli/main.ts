// The `sdn` command line. Bad input ends with a message and exit code 1 (2 for usage
// errors), never a stack trace.
import { InputError, parseArgs, UsageError, type ParsedArgs } from './args.js';
import { WeightsError } from '../runtime/weights.js';
import { DatasetError } from '../runtime/data/types.js';
import { PngError } from '../runtime/image/png.js';
import { checkCommand } from './commands/check.js';
import { fmtCommand } from './commands/fmt.js';
import { diffCommand } from './commands/diff.js';
import { summaryCommand } from './commands/summary.js';
import { compileCommand } from './commands/compile.js';
import { sampleCommand } from './commands/sample.js';
import { elboCommand } from './commands/elbo.js';
import { demoCommand } from './commands/demo.js';
import { trainCommand } from './commands/train.js';
import { evalCommand } from './commands/eval.js';
import { harnessCommand } from './commands/harness.js';

interface Command {
  run(args: ParsedArgs): number | Promise<number>;
  booleanFlags: string[];
  help: string;
}

const COMMANDS: Record<string, Command> = {
  check: { run: checkCommand, booleanFlags: [], help: 'check model.sdn [--set k=v]        diagnostics only' },
  // diff parses its own argv: its --set-a/--set-b may repeat.
  diff: { run: () => diffCommand(process.argv.slice(3)), booleanFlags: ['json', 'markdown', 'git', 'exit-code'], help: 'diff a.sdn b.sdn [--set(-a|-b) k=v] [--json|--markdown] [--weights a.safetensors -o b.safetensors]   compare architectures' },
  fmt: { run: fmtCommand, booleanFlags: ['check', 'stdout'], help: 'fmt file.sdn... [--check] [--stdout]   canonical formatting, in place' },
  compile: { run: compileCommand, booleanFlags: [], help: 'compile model.sdn -o out/ [--set k=v]   WGSL kernels, a typed TypeScript module (ts-morph) and a manifest' },
  sample: { run: sampleCommand, booleanFlags: [], help: 'sample model.sdn (--weights w.safetensors | --init-seed N) [-n 64] [--temperature 0.85] [--seed 1] [-o grid.png] [--executor webgpu|cpu]   a PNG grid of samples' },
  elbo: { run: elboCommand, booleanFlags: [], help: 'elbo model.sdn (--weights w.safetensors | --init-seed N) [--data fashion-mnist] [--limit N] [--batch 16]   test-set −ELBO in bits/dim' },
  demo: { run: demoCommand, booleanFlags: ['no-weight-norm', 'resume', 'eval-raw'], help: 'demo [-o runs/demo-TIME] [--steps 30] [--executor webgpu|cpu] [train flags]   the main job on the embedded default: a short training of fmnist-sdn on Fashion-MNIST' },
  summary: { run: summaryCommand, booleanFlags: ['json', 'memory'], help: 'summary model.sdn [--set k=v] [--json] [--memory [--batch 32]]   layers, shapes, parameters, FLOPs; or the memory plan of each graph' },
  eval: { run: evalCommand, booleanFlags: ['raw', 'json'], help: 'eval model.sdn (--run runs/NAME | --weights w.safetensors) [--data fashion-mnist] [--k 1] [--limit N] [--raw]   test NLL (importance-weighted) and −ELBO, bits/dim' },
  harness: { run: harnessCommand, booleanFlags: ['no-weight-norm'], help: 'harness model.sdn -o train.ts [--set k=v] [--data fashion-mnist] [--steps N] [--batch B]   a standalone TypeScript training script' },
  metrics: { run: async (a) => (await import('./commands/metrics.js')).metricsCommand(a), booleanFlags: ['json', 'raw', 'pictures-only'], help: 'metrics (--codes codes.safetensors --factor-sizes 10,10,10,8,4,15 | model.sdn --run runs/NAME [--data shapes3d|3dshapes.h5] [--factor-sizes …] [--pictures-only]) [--seed 0] [--json]   disentanglement scores (β-VAE, FactorVAE, MIG, DCI, SAP), latent traversal and interpolation PNGs' },
  train: { run: trainCommand, booleanFlags: ['no-weight-norm', 'resume', 'eval-raw'], help: 'train model.sdn --data fashion-mnist --steps N --batch B -o runs/NAME [--lr 0.002] [--ema 0.999] [--no-weight-norm] [--eval-every 100] [--seed 0] [--executor webgpu|cpu] [--resume]   train (WebGPU, or the CPU reference engine)' },
};

export function usage(): string {
  return ['usage: sdn <command> [options]', '', 'commands:', ...Object.values(COMMANDS).map((c) => `  ${c.help}`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) throw new UsageError(`unknown command '${name}'\n${usage()}`);
  return cmd.run(parseArgs(rest, cmd.booleanFlags));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`sdn: ${e.message}\n`);
      process.exit(2);
    }
    if (e instanceof InputError || e instanceof WeightsError || e instanceof DatasetError || e instanceof PngError) {
      process.stderr.write(`sdn: ${e.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`sdn: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(3);
  },
);
