// What the run commands share: compile to an artifact, pick an executor, bind weights.
import { basename } from 'node:path';
import { buildArtifact } from '../compiler/compile.js';
import type { CompiledModel } from '../runtime/program.js';
import { initParams } from '../runtime/init.js';
import { loadSafetensorsFile } from '../runtime/safetensors-node.js';
import { cpuBackend, ModelSession, type Backend } from '../runtime/session.js';
import { bindWeights, WeightsError } from '../runtime/weights.js';
import { flagName, flagValue, InputError, UsageError, type ParsedArgs } from './args.js';
import { compileOrReport } from './compile-or-report.js';

/** The compiled model and the files it was read from (the model file and its imports). */
export function compileArtifact(file: string, sets: Record<string, string>): { model: CompiledModel; sources: string[] } | undefined {
  const compiled = compileOrReport(file, sets);
  return compiled.graphs ? { model: buildArtifact(compiled), sources: [...compiled.sources.keys()] } : undefined;
}

export async function backendFor(args: ParsedArgs): Promise<Backend> {
  const name = String(flagValue(args, 'executor') ?? 'webgpu');
  if (name === 'cpu') return cpuBackend;
  if (name === 'webgpu') {
    try {
      const { createWebGpuBackend } = await import('../runtime/webgpu/backend.js');
      return await createWebGpuBackend();
    } catch (e) {
      throw new InputError(`${(e as Error).message}\n(--executor cpu runs the model on the CPU reference interpreter instead)`);
    }
  }
  throw new UsageError(`--executor must be webgpu or cpu, got '${name}'`);
}

/** Weights from `--weights file` (compiler paths or PyTorch names), or a fresh init from `--init-seed`. */
export async function paramsFor(args: ParsedArgs, model: CompiledModel): Promise<Map<string, Float32Array>> {
  const weights = args.flags.get('weights');
  if (typeof weights === 'string') {
    let file;
    try {
      file = await loadSafetensorsFile(weights);
    } catch (e) {
      throw new WeightsError(`${weights}: ${(e as Error).message.replace(/^ENOENT: /, '')}`);
    }
    return bindWeights(model.params, file.tensors, { source: basename(weights) });
  }
  const seed = args.flags.get('init-seed');
  if (seed === undefined) throw new UsageError('pass --weights w.safetensors, or --init-seed N for freshly initialized weights');
  return initParams(model.params, seedFlag(args, 'init-seed'));
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

export async function openSession(args: ParsedArgs, model: CompiledModel): Promise<ModelSession> {
  const params = await paramsFor(args, model);
  const session = new ModelSession(model, await backendFor(args));
  session.setParams(params);
  return session;
}
