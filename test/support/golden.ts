// Golden-vector helpers: locate the golden folder, load a case, compare tensors.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { readSafetensors } from '../../runtime/safetensors.js';
import type { GruWeights } from '../../runtime/cpu/kernels/gru.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** $SDN_GOLDEN_DIR when set, else <repo>/../shared/golden. */
export function goldenDir(): string {
  return process.env.SDN_GOLDEN_DIR || resolve(repoRoot, '../shared/golden');
}

export interface GoldenCase {
  name: string;
  config: Record<string, any>;
  /** Tensor data by name; throws naming the case when missing. */
  get(name: string): Float32Array;
  shape(name: string): number[];
  has(name: string): boolean;
  names(): string[];
}

export function loadGolden(name: string): GoldenCase {
  const path = join(goldenDir(), `${name}.safetensors`);
  const { tensors, metadata } = readSafetensors(new Uint8Array(readFileSync(path)));
  const config = metadata.config ? JSON.parse(metadata.config) : {};
  const entry = (t: string) => {
    const e = tensors.get(t);
    if (!e) throw new Error(`golden case ${name}: no tensor '${t}'`);
    return e;
  };
  return {
    name,
    config,
    get: (t) => entry(t).data,
    shape: (t) => entry(t).shape,
    has: (t) => tensors.has(t),
    names: () => [...tensors.keys()],
  };
}

/** ‖a − b‖₂ / ‖b‖₂ (‖a‖₂ when b is all zero); NaN when either contains NaN or lengths differ. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return NaN;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/**
 * Compares each actual tensor with the golden tensor of the same name (relative error ≤ tol, no NaN),
 * logs the per-case maximum and returns the errors by name.
 */
export function expectGolden(
  c: GoldenCase, actual: Record<string, ArrayLike<number>>, tol = 1e-4,
): Record<string, number> {
  const errs: Record<string, number> = {};
  for (const [name, a] of Object.entries(actual)) errs[name] = relErr(a, c.get(name));
  const worst = Object.entries(errs).reduce((w, e) => (!(e[1] <= w[1]) ? e : w), ['', 0] as [string, number]);
  console.log(`[golden] ${c.name}: max rel err ${worst[1].toExponential(2)} (${worst[0]}) over ${Object.keys(errs).length} tensors`);
  for (const [name, e] of Object.entries(errs)) {
    expect(e, `${c.name}: ${name} rel err ${e}`).toBeLessThanOrEqual(tol);
  }
  return errs;
}

/** GRU weights stored as `<prefix>weight_ih`, `weight_hh`, `bias_ih`, `bias_hh` (PyTorch names). */
export function goldenGru(c: GoldenCase, prefix: string): GruWeights {
  return {
    wIh: c.get(`${prefix}weight_ih`),
    wHh: c.get(`${prefix}weight_hh`),
    bIh: c.get(`${prefix}bias_ih`),
    bHh: c.get(`${prefix}bias_hh`),
  };
}
