// Every `sdn` command: its synopsis, its flags with their defaults (the one place they are
// written down: the help prints them and the commands read them), and its module, imported only
// when the command runs so that `sdn --help` never loads the compiler or ts-morph.
import { parseArgs, type Flag, type ParsedArgs } from './args.js';

/** Runs a command on its arguments (after the command name). */
export type CommandRun = (argv: string[]) => number | Promise<number>;

export interface Command {
  synopsis: string;
  summary: string;
  flags: Flag[];
  load(): Promise<CommandRun>;
}

const parsed = (name: string, run: (args: ParsedArgs) => number | Promise<number>): CommandRun => (argv) => run(parseArgs(argv, COMMANDS[name].flags, name));

const SET: Flag = { name: 'set', value: 'k=v', help: 'override a model-level param', repeat: true };
const EXECUTOR: Flag = { name: 'executor', value: 'webgpu|cpu', default: 'webgpu', help: 'run on WebGPU or on the CPU reference interpreter' };
const DATA: Flag = { name: 'data', value: 'SPEC', default: 'fashion-mnist', help: 'dataset: fashion-mnist[:DIR], mnist:DIR, cifar10:DIR, png:DIR or a folder' };
const WEIGHTS: Flag = { name: 'weights', value: 'FILE', help: 'a .safetensors file (compiler paths or PyTorch state_dict names)' };
const INIT_SEED: Flag = { name: 'init-seed', value: 'N', help: 'instead of --weights: the authors\' initialization with this seed' };
const SEED: Flag = { name: 'seed', value: 'N', default: '0', help: 'noise seed, 0 to 2^32-1' };
const LIMIT: Flag = { name: 'limit', value: 'N', defaultNote: 'the whole test set', help: 'evaluate the first N test images' };
const BATCH16: Flag = { name: 'batch', value: 'B', default: '16', help: 'images per batch' };
const RUN: Flag = { name: 'run', value: 'DIR', help: 'a training run folder (its EMA weights, or raw ones where the recipe keeps no EMA)' };
const RAW: Flag = { name: 'raw', help: 'the run\'s raw weights instead of the EMA' };
const RUN_DATA: Flag = { ...DATA, default: undefined, defaultNote: 'the run\'s, else fashion-mnist' };

/** The training recipe's flags; their defaults are runtime/train/trainer.ts's DEFAULT_RECIPE (a test holds them equal). */
const RECIPE: Flag[] = [
  { name: 'steps', value: 'N', defaultNote: '1000', help: 'train up to this step' },
  { name: 'batch', value: 'B', defaultNote: '32', help: 'images per step' },
  { name: 'lr', value: 'X', defaultNote: '0.002', help: 'Adamax learning rate' },
  { name: 'lr-decay', value: 'X', defaultNote: '0.999; 1 for β-VAEs', help: 'learning-rate factor per epoch' },
  { name: 'ema', value: 'X', defaultNote: '0.999; 0 for β-VAEs', help: 'EMA decay of the evaluated weights, 0 for none' },
  { name: 'no-weight-norm', help: 'train the weights directly; weight norm is on by default except for β-VAEs' },
  { name: 'eval-every', value: 'N', defaultNote: '100', help: 'evaluate, sample and checkpoint every N steps, 0 for only at the end' },
  { name: 'eval-images', value: 'N', defaultNote: '500', help: 'test images per evaluation' },
  { name: 'eval-batch', value: 'B', defaultNote: 'as --batch', help: 'images per evaluation batch' },
  { name: 'samples', value: 'N', defaultNote: '16', help: 'sample grid size at each evaluation, 0 for none' },
  { name: 'seed', value: 'N', defaultNote: '0', help: 'seeds the init, the data order and all noise, 0 to 2^32-1' },
];

const TRAIN_ONLY: Flag[] = [
  { name: 'eval-raw', help: 'also evaluate the raw (non-EMA) weights' },
  { name: 'temperature', value: 'T', defaultNote: '1', help: 'prior temperature of the sample grids' },
  { name: 'clip-grad', value: 'X', defaultNote: '0', help: 'global gradient-norm clipping, 0 for off' },
  { name: 'beta', value: 'X', defaultNote: '1', help: 'β-VAEs: final β' },
  { name: 'beta-rate', value: 'X', defaultNote: '1', help: 'β-VAEs: β annealing per step, 1 for none' },
  { name: 'max-bad-steps', value: 'N', defaultNote: '5', help: 'stop after this many non-finite steps in a row' },
  { name: 'recipe', value: 'density-vae|beta-vae', defaultNote: 'beta-vae for models whose loss takes β, else density-vae', help: 'the authors\' recipe to start from: weight norm, EMA and lr decay (density-vae) or plain Adamax (beta-vae)' },
  { ...EXECUTOR, default: undefined, defaultNote: 'webgpu; a resumed run keeps its own' },
  { name: 'names', value: 'sdn|torch', defaultNote: 'sdn; a resumed run keeps its own', help: 'name the checkpoint\'s and weights-ema\'s tensors by compiler paths (sdn) or the authors\' PyTorch names (torch)' },
  { name: 'resume', help: 'continue the run in -o from its checkpoint' },
];

const TRAIN_FLAGS: Flag[] = [
  { name: 'o', value: 'DIR', help: 'the run folder (metrics.jsonl, checkpoints, sample grids, loss.svg); required' },
  { ...DATA, default: undefined, defaultNote: 'fashion-mnist; a resumed run keeps its own' }, SET, ...RECIPE, ...TRAIN_ONLY,
];

/** What `sdn demo` changes from `sdn train`'s defaults (the reference curve's settings). */
export const DEMO_DEFAULTS: Record<string, string | true> = {
  data: 'fashion-mnist', steps: '20', batch: '32', 'eval-every': '20', 'eval-images': '500', 'eval-raw': true, samples: '64',
};

const DEMO_FLAGS: Flag[] = TRAIN_FLAGS.map((f) => {
  if (f.name === 'o') return { ...f, help: 'the run folder', defaultNote: 'runs/demo-<time>' };
  const d = DEMO_DEFAULTS[f.name];
  if (d === undefined) return f;
  return d === true ? { ...f, help: `${f.help}; on in the demo` } : { ...f, default: undefined, defaultNote: d };
});

const HARNESS_FLAGS: Flag[] = [
  { name: 'o', value: 'FILE.ts', help: 'the script to write (its manifest goes beside it); required' },
  SET, DATA, { name: 'out', value: 'DIR', defaultNote: 'runs/<model>', help: 'the run folder the script trains into' },
  ...RECIPE,
];

export const COMMANDS: Record<string, Command> = {
  check: {
    synopsis: 'model.sdn... [--set k=v]', summary: 'Checks models: diagnostics only (file:line:col, code frame); exit 1 on errors.',
    flags: [SET], load: async () => parsed('check', (await import('./commands/check.js')).checkCommand),
  },
  summary: {
    synopsis: 'model.sdn [--set k=v] [--json] [--memory [--batch 32]]', summary: 'Layers, output shapes, parameters and forward FLOPs; or, with --memory, the memory plan of each compiled graph.',
    flags: [SET, { name: 'json', help: 'print JSON' }, { name: 'memory', help: 'the memory plan instead' }, { name: 'batch', value: 'B', default: '32', help: 'batch size of the memory plan' }],
    load: async () => parsed('summary', (await import('./commands/summary.js')).summaryCommand),
  },
  fmt: {
    synopsis: 'file.sdn... [--check | --stdout]', summary: 'Canonical formatting that keeps comments, in place (atomically).',
    flags: [{ name: 'check', help: 'list unformatted files and exit 1; write nothing' }, { name: 'stdout', help: 'print the formatted text instead of writing it' }],
    load: async () => parsed('fmt', (await import('./commands/fmt.js')).fmtCommand),
  },
  diff: {
    synopsis: 'a.sdn b.sdn [options]\n       sdn diff --git [--exit-code] path old-file old-hex old-mode new-file new-hex new-mode',
    summary: 'What differs between two elaborated architectures. Exit 0: same, 1: different, 2: error.',
    flags: [
      SET, { name: 'set-a', value: 'k=v', help: 'override a param of a only', repeat: true }, { name: 'set-b', value: 'k=v', help: 'override a param of b only', repeat: true },
      { name: 'json', help: 'the whole report as JSON' }, { name: 'markdown', help: 'a Markdown table' },
      { name: 'weights', value: 'FILE', help: 'a checkpoint of a: which tensors can initialize b' },
      { name: 'o', value: 'FILE', aliases: ['out'], help: 'with --weights: write the transferable subset here' },
      { name: 'names', value: 'sdn|torch', default: 'sdn', help: 'with -o: name the written tensors by compiler paths (sdn) or the authors\' PyTorch names (torch)' },
      { name: 'git', help: 'run as git\'s external diff driver (exit 0)' }, { name: 'exit-code', help: 'with --git: exit 0/1/2 as without it' },
    ],
    // diff parses its own arguments: as git's driver, even a usage error must exit 0.
    load: async () => (await import('./commands/diff.js')).diffCommand,
  },
  compile: {
    synopsis: 'model.sdn -o DIR [--set k=v]', summary: 'Fused WGSL kernels (DIR/kernels/*.wgsl), a manifest (DIR/<model>.json) and a typed TypeScript class (DIR/<model>.ts).',
    flags: [
      { name: 'o', value: 'DIR', help: 'output folder; required' }, SET,
      { name: 'runtime', value: 'SPECIFIER', default: 'sdn/runtime', help: 'module specifier of the runtime folder the generated class imports (SPECIFIER/session.js, …)' },
    ],
    load: async () => parsed('compile', (await import('./commands/compile.js')).compileCommand),
  },
  sample: {
    synopsis: 'model.sdn (--run DIR | --weights FILE | --init-seed N) [options]', summary: 'A PNG grid of samples from the prior; a run\'s EMA weights unless --raw.',
    flags: [
      RUN, WEIGHTS, INIT_SEED, RAW, { name: 'n', value: 'N', default: '64', help: 'number of samples' }, { name: 'temperature', value: 'T', default: '1', help: 'prior temperature' },
      SEED, { name: 'o', value: 'FILE', default: 'samples.png', help: 'the PNG to write' }, EXECUTOR, SET,
    ],
    load: async () => parsed('sample', (await import('./commands/sample.js')).sampleCommand),
  },
  elbo: {
    synopsis: 'model.sdn (--run DIR | --weights FILE | --init-seed N) [options]', summary: 'Test-set −ELBO in bits/dim (one posterior sample per image); a run\'s EMA weights unless --raw.',
    flags: [RUN, WEIGHTS, INIT_SEED, RAW, RUN_DATA, LIMIT, BATCH16, SEED, EXECUTOR, SET],
    load: async () => parsed('elbo', (await import('./commands/elbo.js')).elboCommand),
  },
  eval: {
    synopsis: 'model.sdn (--run DIR | --weights FILE) [options]', summary: 'Test-set importance-weighted NLL and −ELBO in bits/dim; a run\'s EMA weights unless --raw.',
    flags: [
      RUN, WEIGHTS, RUN_DATA,
      { name: 'k', value: 'K', default: '1', help: 'importance samples per image' }, LIMIT, BATCH16, SEED,
      RAW, { name: 'json', help: 'print JSON' }, EXECUTOR, SET,
    ],
    load: async () => parsed('eval', (await import('./commands/eval.js')).evalCommand),
  },
  train: {
    synopsis: 'model.sdn -o DIR [--data SPEC] [--steps N] [--batch B] [options]',
    summary: 'Trains with the authors\' recipe (Adamax, weight norm, EMA, free bits). Ctrl-C, SIGTERM or SIGHUP checkpoint and stop; --resume continues exactly.',
    flags: TRAIN_FLAGS, load: async () => parsed('train', (await import('./commands/train.js')).trainCommand),
  },
  demo: {
    synopsis: '[model.sdn] [any train option]', summary: 'The main job: a short training of fmnist-sdn on Fashion-MNIST with the reference settings.',
    flags: DEMO_FLAGS, load: async () => parsed('demo', (await import('./commands/demo.js')).demoCommand),
  },
  export: {
    synopsis: 'model.sdn --to pytorch -o DIR [--set k=v]',
    summary: 'A standalone PyTorch project: model.py (the nn.Module, authors\' state_dict names), train.py (sdn train\'s recipe, DDP via torchrun), data.py, convert.py, README.md.',
    flags: [
      { name: 'to', value: 'pytorch', help: 'the export target (pytorch is the only one); required' },
      { name: 'o', value: 'DIR', help: 'output folder; required' }, SET,
    ],
    load: async () => parsed('export', (await import('./commands/export.js')).exportCommand),
  },
  metrics: {
    synopsis: '--codes FILE --factor-sizes 10,10,10,8,4,15 [--seed 0] [--json]\n       sdn metrics model.sdn (--run DIR | --weights FILE) [--data shapes3d|FILE.h5] [options]',
    summary: 'Disentanglement scores (β-VAE, FactorVAE, MIG, DCI, SAP, as disentanglement_lib) of given codes or of a β-VAE\'s posterior means over the 3D Shapes grid; ' +
      'from a run also codes.safetensors, disentanglement.json and the latent pictures (traversal.png, interpolation.png).',
    flags: [
      { name: 'codes', value: 'FILE', help: 'score these codes: a .safetensors with float32 [N, z], one row per factor-grid point (last factor fastest)' },
      { name: 'factor-sizes', value: 'LIST', defaultNote: 'the data\'s full grid; required with --codes', help: 'the factor grid, or an evenly spaced coarser one of the data\'s' },
      RUN, WEIGHTS, RAW,
      { name: 'data', value: 'SPEC', defaultNote: 'the run\'s when it is 3D Shapes, else shapes3d', help: 'the factor grid\'s images: shapes3d (procedural) or a 3dshapes .h5 file' },
      SEED, { name: 'batch', value: 'B', default: '64', help: 'images per encoder batch' }, { name: 'json', help: 'print the scores as JSON' },
      { name: 'o', value: 'DIR', defaultNote: 'the --run folder', help: 'where traversal.png and interpolation.png go' },
      { name: 'pictures-only', help: 'draw the latent pictures, score nothing' },
      { name: 'index', value: 'N', defaultNote: 'a seeded random one', help: 'grid index of the traversal\'s image' },
      { name: 'steps', value: 'N', default: '9', help: 'interpolation steps between two images' }, { name: 'pairs', value: 'N', default: '4', help: 'interpolated image pairs' },
      EXECUTOR, SET,
    ],
    load: async () => parsed('metrics', (await import('./commands/metrics.js')).metricsCommand),
  },
  harness: {
    synopsis: 'model.sdn -o FILE.ts [options]', summary: 'A standalone, readable TypeScript training script for the model.',
    flags: HARNESS_FLAGS, load: async () => parsed('harness', (await import('./commands/harness.js')).harnessCommand),
  },
};

/** The short usage a command's usage errors end with. */
export function usageLine(name: string): string {
  return `usage: sdn ${name} ${COMMANDS[name].synopsis}\n(sdn ${name} --help lists every option)`;
}
