// What the run commands share: compile to an artifact, pick an executor, bind weights.
import { basename } from 'node:path';
import { buildArtifact } from '../compiler/compile.js';
import type { CompiledModel } from '../runtime/program.js';
import { initParams } from '../runtime/init.js';
import { loadSafetensorsFile } from '../runtime/safetensors-node.js';
import { cpuBackend, ModelSession, type Backend } from '../runtime/session.js';
import { bindWeights, WeightsError } from '../runtime/weights.js';
import { createWebGpuBackend } from '../runtime/webgpu/backend.js';
import { InputError, UsageError, type ParsedArgs } from './args.js';
import { compileOrReport } from './compile-or-report.js';

export function compileArtifact(file: string, sets: Record<string, string>): CompiledModel | undefined {
  const compiled = compileOrReport(file, sets);
  return compiled.graphs ? buildArtifact(compiled) : undefined;
}

export async function backendFor(args: ParsedArgs): Promise<Backend> {
  const name = String(args.flags.get('executor') ?? 'webgpu');
  if (name === 'cpu') return cpuBackend;
  if (name === 'webgpu') {
    try {
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
      const msg = (e as Error).message.replace(/^ENOENT: /, '');
      throw new WeightsError(msg.startsWith(`${weights}: `) ? msg : `${weights}: ${msg}`);
    }
    return bindWeights(model.params, file.tensors, { source: basename(weights) });
  }
  const seed = args.flags.get('init-seed');
  if (seed === undefined) throw new UsageError('pass --weights w.safetensors, or --init-seed N for freshly initialized weights');
  return initParams(model.params, intFlag(args, 'init-seed', 0));
}

export function intFlag(args: ParsedArgs, name: string, fallback: number): number {
  const v = args.flags.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be an integer, got '${v}'`);
  return n;
}

export function numberFlag(args: ParsedArgs, name: string, fallback: number): number {
  const v = args.flags.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${v}'`);
  return n;
}

export async function openSession(args: ParsedArgs, model: CompiledModel): Promise<ModelSession> {
  const params = await paramsFor(args, model);
  const session = new ModelSession(model, await backendFor(args));
  session.setParams(params);
  return session;
}
