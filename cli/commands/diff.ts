// sdn diff a.sdn b.sdn [--set k=v] [--set-a k=v] [--set-b k=v] [--json|--markdown]
//                      [--weights a.safetensors [-o b-init.safetensors [--names sdn|torch]]]
// sdn diff --git [--exit-code] path old-file old-hex old-mode new-file new-hex new-mode
// Exit code: 0 same architecture, 1 different, 2 error (like diff(1); cli/main.ts maps the
// errors). With --git (git's external diff driver) 0 either way, since git takes any non-zero exit
// as the driver dying; --git --exit-code gives 0/1/2 for git's diff.<driver>.trustExitCode.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { diffModels, transferWeights, type DiffModel, type DiffReport } from '../../compiler/diff/diff.js';
import { renderJson, renderMarkdown, renderText } from '../../compiler/diff/render.js';
import { renderDiagnostic } from '../../diagnostics/render.js';
import { compileModel } from '../../compiler/pipeline.js';
import { readSourceFile } from '../../compiler/load.js';
import { saveSafetensorsFile } from '../../runtime/safetensors-node.js';
import { WeightsError } from '../../runtime/weights.js';
import { readWeightsFile } from '../model-io.js';
import { InputError, keyValue, namesFlag, parseArgs, UsageError } from '../args.js';
import { COMMANDS, usageLine } from '../commands.js';
import { checkOutputFile } from '../output.js';
import { colorOn } from '../terminal.js';

const DIFF_USAGE = usageLine('diff');

export interface DiffIo {
  out(s: string): void;
  err(s: string): void;
  /** Colour stdout / stderr. */
  color: boolean;
  errColor: boolean;
}

const processIo = (): DiffIo => ({
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  color: colorOn(process.stdout),
  errColor: colorOn(process.stderr),
});

interface DiffArgs {
  positionals: string[];
  sets: { a: Record<string, string>; b: Record<string, string> };
  format: 'text' | 'json' | 'markdown';
  git: boolean;
  exitCode: boolean;
  weights?: string;
  out?: string;
  names: 'sdn' | 'torch';
}

export function parseDiffArgs(argv: string[]): DiffArgs {
  const p = parseArgs(argv, COMMANDS.diff.flags, 'diff');
  if (p.flags.has('json') && p.flags.has('markdown')) throw new UsageError('--json and --markdown exclude each other');
  const weights = p.flags.get('weights') as string | undefined;
  const out = p.flags.get('o') as string | undefined;
  if (out && !weights) throw new UsageError('-o writes the transferable subset of --weights; give --weights a.safetensors');
  const side = (flag: string) => Object.assign({}, p.sets, ...(p.lists.get(flag) ?? []).map((kv) => keyValue(`--${flag}`, kv))) as Record<string, string>;
  if (p.flags.has('names') && !out) throw new UsageError('--names says how -o names the tensors it writes; give -o b-init.safetensors');
  return {
    positionals: p.positionals,
    sets: { a: side('set-a'), b: side('set-b') },
    format: p.flags.has('json') ? 'json' : p.flags.has('markdown') ? 'markdown' : 'text',
    git: p.flags.has('git'),
    exitCode: p.flags.has('exit-code'),
    weights,
    out,
    names: namesFlag(p.flags.get('names')),
  };
}

export async function diffCommand(argv: string[], io: DiffIo = processIo()): Promise<number> {
  const args = parseDiffArgs(argv);
  const code = await run(args, io);
  return args.git && !args.exitCode ? 0 : code;
}

/** A side that cannot be diffed: a missing file, one that doesn't compile, or one without a model. */
class SideError extends InputError {
  constructor(message: string, readonly noModel = false) {
    super(message);
  }
}

/** git's own text diff of two files, its header naming them by their repo paths. */
function textDiff([oldFile, oldPath]: string[], [newFile, newPath]: string[], io: DiffIo): number {
  const r = spawnSync('git', ['diff', '--no-index', '--no-ext-diff', '--no-color', '--', oldFile, newFile], { encoding: 'utf8' });
  const text = r.stdout ?? '';
  const cut = text.indexOf('\n@@');
  const rename = (h: string) => h.split(`a/${oldFile.replace(/^\//, '')}`).join(`a/${oldPath}`).split(`b/${newFile.replace(/^\//, '')}`).join(`b/${newPath}`);
  io.out(cut < 0 ? text : rename(text.slice(0, cut)) + text.slice(cut));
  return r.status === 0 ? 0 : 1;
}

async function run(args: DiffArgs, io: DiffIo): Promise<number> {
  const pos = args.positionals;
  let a: DiffModel, b: DiffModel;
  const sources: string[] = [];
  if (args.git) {
    // git passes path old-file old-hex old-mode new-file new-hex new-mode, plus new-path and
    // rename info for a rename. Temp files lie outside the repo, so each is compiled as if it
    // were at its repo path, which is where its imports resolve (in the working tree).
    if (pos.length !== 7 && pos.length !== 9) throw new UsageError(`--git expects git's 7 (or 9) arguments, got ${pos.length}\n${DIFF_USAGE}`);
    const [path, oldFile, , , newFile] = pos;
    const newPath = pos.length === 9 ? pos[7] : path;
    if (oldFile === '/dev/null' || newFile === '/dev/null') {
      io.out(`sdn diff: ${oldFile === '/dev/null' ? `new model ${newPath}` : `deleted model ${path}`}\n`);
      return 1;
    }
    try {
      a = compileSide(`a/${path}`, oldFile, path, args.sets.a, io);
      b = compileSide(`b/${newPath}`, newFile, newPath, args.sets.b, io);
    } catch (e) {
      // A library of blocks (no model) or a revision that doesn't compile: show the text diff.
      if (!(e instanceof SideError)) throw e;
      if (!e.noModel) io.err(`sdn: ${e.message}; showing the text diff\n`);
      return textDiff([oldFile, path], [newFile, newPath], io);
    }
  } else {
    if (pos.length !== 2) throw new UsageError(DIFF_USAGE);
    if (args.out) checkOutputFile('-o', args.out, [args.weights!, ...pos]);
    a = compileSide(pos[0], pos[0], pos[0], args.sets.a, io, sources);
    b = compileSide(pos[1], pos[1], pos[1], args.sets.b, io, sources);
  }
  if (args.out) checkOutputFile('-o', args.out, sources);
  const report = diffModels(a, b, { displayFile: (f) => relative(process.cwd(), f) || f });
  const transfer = args.weights ? await transferFile(args.weights, args.out, args.names, a, b, report) : undefined;
  if (args.format === 'json') io.out(renderJson(transfer ? { ...report, transfer } as DiffReport : report) + '\n');
  else if (args.format === 'markdown') io.out(renderMarkdown(report));
  else io.out(renderText(report, io.color) + '\n');
  if (transfer && args.format === 'text') io.out(`${transferLine(transfer)}\n`);
  else if (transfer && args.format === 'markdown') io.err(`${transferLine(transfer)}\n`);
  return report.same ? 0 : 1;
}

/** Compiles `file` as if it were at `logicalPath` (they differ for git's temp files). */
function compileSide(name: string, file: string, logicalPath: string, overrides: Record<string, string>, io: DiffIo, sources: string[] = []): DiffModel {
  if (!existsSync(file)) throw new SideError(`model file not found: ${file}`);
  const main = resolve(logicalPath);
  const compiled = compileModel(logicalPath, { overrides, readFile: (p) => readSourceFile(p === main ? file : p) });
  sources.push(file, ...[...compiled.sources.keys()].filter((p) => p !== main));
  if (compiled.diagnostics.length > 0 && compiled.diagnostics.every((d) => d.code === 'E-NO-MODEL')) throw new SideError(`${name} declares no model`, true);
  for (const d of compiled.diagnostics) io.err(renderDiagnostic(d, (f) => compiled.sources.get(f), io.errColor) + '\n\n');
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error').length;
  if (!compiled.graphs) throw new SideError(`${name}: ${errors} error${errors === 1 ? '' : 's'}`);
  const sets = Object.entries(overrides).map(([k, v]) => `${k}=${v}`);
  return { name: sets.length ? `${name} [${sets.join(', ')}]` : name, graphs: compiled.graphs };
}

interface Transfer {
  weights: string;
  out?: string;
  /** Compiler paths of the tensors that initialize b. */
  tensors: string[];
  /** Parameters of `a` the weights file lacks. */
  notInFile: string[];
}

async function transferFile(weightsPath: string, out: string | undefined, names: 'sdn' | 'torch', a: DiffModel, b: DiffModel, report: DiffReport): Promise<Transfer> {
  let file;
  try {
    file = await readWeightsFile(weightsPath);
  } catch (e) {
    // readWeightsFile's messages start with the flag; diff's name the file.
    throw new WeightsError((e as Error).message.replace(/^--weights /, ''));
  }
  const picked = transferWeights(a.graphs.elbo, b.graphs.elbo, file.tensors, { source: `${weightsPath} is not a checkpoint of ${report.a}` });
  if (out) {
    const torchOf = new Map(b.graphs.elbo.params.map((p) => [p.path, p.torch]));
    const named = names === 'torch' ? new Map([...picked.tensors].map(([k, t]) => [torchOf.get(k) ?? k, t])) : picked.tensors;
    await saveSafetensorsFile(out, named, { 'sdn.diff.from': report.a, 'sdn.diff.to': report.b });
  }
  return { weights: weightsPath, out, tensors: [...picked.tensors.keys()], notInFile: picked.notInFile };
}

function transferLine(t: Transfer): string {
  const missing = t.notInFile.length ? ` (${t.notInFile.length} parameters of a are not in ${t.weights})` : '';
  return t.out ? `wrote ${t.tensors.length} tensors to ${t.out}${missing}` : `${t.tensors.length} tensors of ${t.weights} can initialize b${missing}`;
}
