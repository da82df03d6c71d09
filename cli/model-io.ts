// What the run commands share: compile to an artifact, pick an executor, read weights files.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildArtifact } from '../compiler/compile.js';
import type { CompiledModel } from '../runtime/program.js';
import { loadSafetensorsFile } from '../runtime/safetensors-node.js';
import type { SafetensorsFile } from '../runtime/safetensors.js';
import { CHECKPOINT_FORMAT } from '../runtime/train/checkpoint-node.js';
import { cpuBackend, ModelSession, type Backend } from '../runtime/session.js';
import { WeightsError } from '../runtime/weights.js';
import { flagName, flagValue, InputError, UsageError, type ParsedArgs } from './args.js';
import { compileOrReport } from './compile-or-report.js';
import { compileReporter } from './compile-progress.js';

/** The compiled model and the files it was read from (the model file and its imports). */
export function compileArtifact(file: string, sets: Record<string, string>): { model: CompiledModel; sources: string[] } | undefined {
  const compiled = compileOrReport(file, sets);
  return compiled.graphs ? { model: buildArtifact(compiled), sources: [...compiled.sources.keys()] } : undefined;
}

/** The --executor backend; WebGPU reports kernel compilation on stderr, stopping when `shouldStop` says so. */
export async function backendFor(args: ParsedArgs, shouldStop?: () => boolean): Promise<Backend> {
  const name = String(flagValue(args, 'executor') ?? 'webgpu');
  if (name === 'cpu') return cpuBackend;
  if (name === 'webgpu') {
    try {
      const { createWebGpuBackend } = await import('../runtime/webgpu/backend.js');
      return await createWebGpuBackend(undefined, { onCompile: compileReporter(shouldStop) });
    } catch (e) {
      throw new InputError(`${(e as Error).message}\n(--executor cpu runs the model on the CPU reference interpreter instead)`);
    }
  }
  throw new UsageError(`--executor must be webgpu or cpu, got '${name}'`);
}

/**
 * A safetensors file given as `--weights`, with an answer for what people pass instead: a folder,
 * a PyTorch checkpoint, a training checkpoint (when `checkpoints` is false), a damaged file.
 */
export async function readWeightsFile(path: string, { checkpoints = false } = {}): Promise<SafetensorsFile> {
  if (!existsSync(path)) throw new WeightsError(`--weights ${path}: no such file`);
  if (statSync(path).isDirectory()) {
    const run = existsSync(join(path, 'checkpoint.safetensors')) ? `; it is a training run: pass ${join(path, 'weights-ema.safetensors')}, or evaluate it with sdn eval --run ${path}` : '';
    throw new WeightsError(`--weights ${path} is a folder, not a .safetensors file${run}`);
  }
  const head = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  const torch = head.toString('latin1', 0, 4) === 'PK\x03\x04' ? 'a zip archive, as torch.save writes' : head[0] === 0x80 && head[1] >= 2 && head[1] <= 5 ? 'a Python pickle, as older torch.save writes' : undefined;
  if (torch) throw new WeightsError(`--weights ${path} is a PyTorch checkpoint (${torch}), not safetensors; convert it to safetensors with the convert.py that \`sdn export\` writes`);
  let file;
  try {
    file = await loadSafetensorsFile(path);
  } catch (e) {
    throw new WeightsError(`--weights ${(e as Error).message.replace(/^safetensors: /, '').replace(`${path}: safetensors: `, `${path}: not a valid safetensors file: `)}`);
  }
  if (!checkpoints && file.metadata.format === CHECKPOINT_FORMAT) {
    throw new WeightsError(`--weights ${path} is a training checkpoint of sdn train (trainable tensors, Adamax state, EMA); ` +
      `pass the weights-ema.safetensors beside it, or evaluate the run with sdn eval --run ${dirname(path)}`);
  }
  return file;
}

interface Range {
  min?: number;
  max?: number;
  /** When the flag is absent and has no default in the command's table. */
  fallback?: number;
}

function checked(name: string, n: number, v: string, { min, max }: Range): number {
  const flag = flagName(name);
  if (min !== undefined && max !== undefined && (n < min || n > max)) throw new UsageError(`${flag} must be in [${min}, ${max}], got ${v}`);
  if (min !== undefined && n < min) throw new UsageError(`${flag} must be ≥ ${min}, got ${v}`);
  if (max !== undefined && n > max) throw new UsageError(`${flag} must be ≤ ${max}, got ${v}`);
  return n;
}

function rawFlag(args: ParsedArgs, name: string, fallback: number | undefined): string | undefined {
  const v = flagValue(args, name);
  if (v === true) throw new UsageError(`${flagName(name)} needs a value`);
  if (v === undefined && fallback === undefined) throw new Error(`no value and no default for ${flagName(name)}`);
  return v;
}

export function intFlag(args: ParsedArgs, name: string, range: Range = {}): number {
  const v = rawFlag(args, name, range.fallback);
  if (v === undefined) return range.fallback!;
  const n = Number(v);
  if (v.trim() === '' || !Number.isSafeInteger(n)) throw new UsageError(`${flagName(name)} must be an integer, got '${v}'`);
  return checked(name, n, v, range);
}

export function numberFlag(args: ParsedArgs, name: string, range: Range = {}): number {
  const v = rawFlag(args, name, range.fallback);
  if (v === undefined) return range.fallback!;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flagName(name)} must be a number, got '${v}'`);
  return checked(name, n, v, range);
}

/** Seeds are unsigned 32-bit (Philox keys). */
export const seedFlag = (args: ParsedArgs, name: string, fallback?: number): number => intFlag(args, name, { min: 0, max: 0xffffffff, fallback });

/** A session of the --executor backend holding these weights. */
export async function openSession(args: ParsedArgs, model: CompiledModel, params: Map<string, Float32Array>): Promise<ModelSession> {
  const session = new ModelSession(model, await backendFor(args));
  session.setParams(params);
  return session;
}
