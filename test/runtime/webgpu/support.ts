// Helpers for the WebGPU tests: deterministic data, and running a graph (hand-built with
// bench/graph-builder.ts, or compiled) on both executors (CPU reference interpreter and the
// lowered kernels) with the same Philox noise.
import type { GraphBuilder } from '../../../bench/graph-builder.js';
import { lowerGraph } from '../../../compiler/lower/index.js';
import type { LowerOptions } from '../../../compiler/lower/state.js';
import { runGraph } from '../../../runtime/cpu/interpreter.js';
import { numel, type IrGraph } from '../../../runtime/ir.js';
import type { GraphProgram } from '../../../runtime/program.js';
import { noiseFor } from '../../../runtime/session.js';
import { createExecutor } from '../../../runtime/webgpu/executor.js';
import { expect } from 'vitest';
import { relErr } from '../../support/golden.js';

/** Deterministic values in [lo, hi) (an LCG; no statistical quality needed). */
export function fill(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((hi - lo) * s) / 2 ** 32;
  }
  return out;
}

export interface CompareOptions {
  batch?: number;
  seed?: number;
  scalars?: Record<string, number>;
  /** Per-parameter value ranges (default [-0.5, 0.5)); inputs use `inputRange`. */
  paramRange?: (path: string) => [number, number];
  inputRange?: [number, number];
  inputs?: Record<string, Float32Array>;
  lower?: LowerOptions;
  maxWorkgroupsPerDimension?: number;
}

export interface Comparison {
  program: GraphProgram;
  errors: Record<string, number>;
  gpu: Record<string, Float32Array>;
  cpu: Record<string, Float32Array>;
}

/** Runs graph g on the CPU interpreter and on `device`; the relative error of every output. */
export async function compareOnDevice(device: GPUDevice, g: IrGraph, o: CompareOptions = {}): Promise<Comparison> {
  const batch = o.batch ?? 2, seed = o.seed ?? 3;
  const params = new Map<string, Float32Array>();
  g.params.forEach((p, k) => {
    const [lo, hi] = o.paramRange?.(p.path) ?? [-0.5, 0.5];
    params.set(p.path, fill(numel(p.shape), 100 + k, lo, hi));
  });
  const inputs: Record<string, Float32Array> = { ...o.inputs };
  g.inputs.forEach((i, k) => {
    inputs[i.name] ??= fill(batch * numel(i.shape), 7 + k, ...(o.inputRange ?? [-1, 1]));
  });
  const cpu = runGraph(g, { batch, params, inputs, scalars: o.scalars, noise: noiseFor(seed) }).outputs;
  const program = lowerGraph(g, o.lower);
  const ex = await createExecutor(device, JSON.parse(JSON.stringify(program)) as GraphProgram, { batch, maxWorkgroupsPerDimension: o.maxWorkgroupsPerDimension });
  try {
    ex.setParams(params);
    const gpu = await ex.run({ inputs, scalars: o.scalars, seed });
    const errors: Record<string, number> = {};
    for (const k of Object.keys(cpu)) errors[k] = relErr(gpu[k], cpu[k]);
    return { program, errors, gpu, cpu };
  } finally {
    ex.destroy();
  }
}

/** The largest error of a comparison, NaN-safe (NaN counts as failure). */
export const worst = (errors: Record<string, number>) =>
  Object.values(errors).reduce((w, e) => (Number.isNaN(e) || e > w ? e : w), 0);

/** Runs b on both executors and expects every output to agree within `tol` (relative). */
export async function expectAgreement(device: GPUDevice, b: GraphBuilder, o: CompareOptions = {}, tol = 1e-4): Promise<Comparison> {
  const r = await compareOnDevice(device, b.g, o);
  expect(Object.keys(r.errors).length).toBe(b.g.outputs.length);
  for (const [name, e] of Object.entries(r.errors)) expect(e, `${name}: rel err ${e}`).toBeLessThanOrEqual(tol);
  return r;
}

/** The ops each kernel of a comparison's program computes, kernel by kernel. */
export const kernelOps = (r: { program: { kernels: { nodes: number[] }[] } }, b: GraphBuilder) =>
  r.program.kernels.map((k) => k.nodes.map((n) => b.g.nodes[n].op));
