// Conformance: every golden case becomes a small .sdn model, compiled by the real compiler and run
// by each executor: forward and backward on the CPU interpreter and on WebGPU (the same IR lowered
// to WGSL kernels), the backward on both as the differentiated graph that training runs (the
// hand-written tape is held to it by test/compiler/autodiff). The golden tensors
// are bound through each IR parameter's PyTorch name, and the golden noise replaces each
// executor's own. The model's module label `m` is the prefix stripped
// from PyTorch names and noise streams.
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lowerGraph } from '../../compiler/lower/index.js';
import type { Gradients } from '../support/tape.js';
import { runGraph, type RunEnv } from '../../runtime/cpu/interpreter.js';
import { differentiate } from '../../compiler/autodiff/differentiate.js';
import { eliminateDeadCode } from '../../compiler/ir/dce.js';
import { gradOutput, numel, seedInput, type IrGraph } from '../../runtime/ir.js';
import { acquireDevice } from '../../runtime/webgpu/device.js';
import { createExecutor } from '../../runtime/webgpu/executor.js';
import { goldenDir, loadGolden, relErr, type GoldenCase } from '../support/golden.js';
import { CASES, compileCase, strip, type CaseSpec } from '../support/golden-models.js';

/** A golden case compiled and bound: everything an executor needs to run it. */
interface BoundCase {
  name: string;
  c: GoldenCase;
  spec: CaseSpec;
  graph: IrGraph;
  batch: number;
  params: Map<string, Float32Array>;
  inputs: Record<string, Float32Array>;
  /** The golden tensor of a noise stream of the compiled graph. */
  noise(stream: string): Float32Array;
  /** A golden tensor, recorded as used. */
  get(name: string): Float32Array;
  used: Set<string>;
}

function bindCase(file: string): BoundCase {
  const name = file.replace(/\.safetensors$/, '');
  const c = loadGolden(name);
  const build = CASES[c.config.op];
  if (!build) throw new Error(`golden case ${name}: unknown op '${c.config.op}' (known: ${Object.keys(CASES).join(', ')})`);
  const spec = build(c);
  const graph = compileCase(name, spec);
  const used = new Set<string>();
  const get = (n: string) => (used.add(n), c.get(n));

  const params = new Map<string, Float32Array>();
  for (const p of graph.params) {
    const t = strip(p.torch);
    expect(c.shape(t), `${name}: shape of parameter ${t}`).toEqual(p.shape);
    params.set(p.path, get(t));
  }
  const inputs: Record<string, Float32Array> = {};
  for (const i of graph.inputs) inputs[i.name] = get(i.name);
  const noise = (stream: string) => {
    const t = spec.noise?.[strip(stream)];
    if (!t) throw new Error(`golden case ${name}: no golden tensor for noise stream '${stream}'`);
    return get(t);
  };
  return { name, c, spec, graph, batch: c.shape(graph.inputs[0].name)[0], params, inputs, noise, get, used };
}

/** An executor under test: forward always; `backward` (gradients of Σ⟨output, seed⟩) once it has one. */
interface Engine {
  name: string;
  forward(k: BoundCase): Promise<Record<string, ArrayLike<number>>>;
  backward?(k: BoundCase, seeds: Record<string, ArrayLike<number>>): Promise<Gradients>;
}

const cpuEnv = (k: BoundCase): RunEnv => ({ batch: k.batch, params: k.params, inputs: k.inputs, noise: k.noise });

/**
 * Gradients of Σ⟨output, seed⟩ from the case's graph differentiated (compiler/autodiff), run by
 * `run` with the seeds as inputs; zeros for what the seeded outputs don't depend on.
 */
async function differentiated(
  k: BoundCase, seeds: Record<string, ArrayLike<number>>,
  run: (graph: IrGraph, inputs: Record<string, Float32Array>) => Promise<Record<string, Float32Array>>,
): Promise<Gradients> {
  const wrt = k.graph.inputs.map((i) => i.name);
  const graph = eliminateDeadCode(differentiate(k.graph, { seeds: Object.keys(seeds), inputs: wrt }));
  const given = Object.fromEntries(Object.entries(seeds).map(([o, v]) => [seedInput(o), Float32Array.from(v)]));
  const out = await run(graph, { ...k.inputs, ...given });
  const zeros = (shape: number[], rows: number) => new Float32Array(rows * numel(shape));
  return {
    params: new Map(k.graph.params.map((p) => [p.path, out[gradOutput(p.path)] ?? zeros(p.shape, 1)])),
    inputs: Object.fromEntries(k.graph.inputs.map((i) => [i.name, out[gradOutput(i.name)] ?? zeros(i.shape, k.batch)])),
  };
}

const cpu: Engine = {
  name: 'cpu',
  forward: async (k) => runGraph(k.graph, cpuEnv(k)).outputs,
  backward: (k, seeds) => differentiated(k, seeds, async (graph, inputs) => runGraph(graph, { ...cpuEnv(k), inputs }).outputs),
};

/** Runs a graph on WebGPU with the case's parameters and golden noise; returns every output. */
async function onDevice(device: GPUDevice, k: BoundCase, graph: IrGraph, inputs: Record<string, Float32Array>) {
  const program = lowerGraph(graph);
  const noise = Object.fromEntries(program.noise.map((n) => [n.stream, k.noise(n.stream)]));
  const ex = await createExecutor(device, program, { batch: k.batch });
  try {
    ex.setParams(k.params);
    return await ex.run({ inputs, noise });
  } finally {
    ex.destroy();
  }
}

// Backward: the differentiated graph lowered like any graph.
const webgpu = (device: () => GPUDevice): Engine => ({
  name: 'webgpu',
  forward: (k) => onDevice(device(), k, k.graph, k.inputs),
  backward: (k, seeds) => differentiated(k, seeds, (graph, inputs) => onDevice(device(), k, graph, inputs)),
});

const isGradient = (t: string) => t.startsWith('g_') || t.startsWith('grad.') || t.startsWith('lossgrad.');

async function runCase(file: string, engine: Engine) {
  const k = bindCase(file);
  const { name, c } = k;
  const errs: Record<string, Record<string, number>> = { forward: {}, grad: {}, lossgrad: {} };
  const outputs = await engine.forward(k);
  for (const [o, v] of Object.entries(outputs)) errs.forward[o] = relErr(v, k.get(o));

  if (engine.backward) {
    // grad.<n> / lossgrad.<n>: n is an input name or a parameter's PyTorch name.
    const byTorch = new Map(k.graph.params.map((p) => [strip(p.torch), p.path]));
    const compare = async (kind: 'grad' | 'lossgrad', seeds: Record<string, ArrayLike<number>>) => {
      const g = await engine.backward!(k, seeds);
      for (const t of c.names().filter((n) => n.startsWith(`${kind}.`))) {
        const n = t.slice(kind.length + 1);
        const path = byTorch.get(n);
        const ours = n in g.inputs ? g.inputs[n] : path !== undefined ? g.params.get(path) : undefined;
        if (!ours) throw new Error(`golden case ${name}: ${t} names neither an input nor a parameter of the compiled model`);
        errs[kind][n] = relErr(ours, k.get(t));
      }
    };
    const seeds: Record<string, Float32Array> = {};
    for (const t of c.names().filter((n) => n.startsWith('g_'))) seeds[t.slice(2)] = k.get(t);
    await compare('grad', seeds);
    if (k.spec.lossgrad) await compare('lossgrad', { loss: new Float32Array(k.batch).fill(1 / k.batch) });
  }

  // Gradient tensors are only expected to be used by an executor with a backward pass.
  const unused = c.names().filter((n) => !k.used.has(n) && (engine.backward || !isGradient(n)));
  expect(unused, `${name}: golden tensors the compiled model has no use for`).toEqual([]);
  const worst = (e: Record<string, number>) =>
    Object.entries(e).reduce((w, x) => (!(x[1] <= w[1]) ? x : w), ['-', -1] as [string, number]);
  console.log(`[golden] ${engine.name} ${name}: ` + Object.entries(errs).filter(([, e]) => Object.keys(e).length)
    .map(([kind, e]) => `${kind} max ${worst(e)[1].toExponential(2)} (${worst(e)[0]})`).join(', '));
  const tol = { forward: 1e-4, grad: k.spec.gradTol, lossgrad: 1e-3 };
  for (const [kind, e] of Object.entries(errs)) {
    for (const [n, v] of Object.entries(e)) expect(v, `${name}: ${engine.name} ${kind} ${n} rel err`).toBeLessThanOrEqual(tol[kind as keyof typeof tol]);
  }
  expect(Object.keys(errs.forward).length).toBeGreaterThan(0);
  if (engine.backward) expect(Object.keys(errs.grad).length).toBeGreaterThan(0);
}

const files = readdirSync(goldenDir()).filter((f) => f.endsWith('.safetensors')).sort();

describe('golden conformance', () => {
  it('finds golden cases', () => expect(files.length).toBeGreaterThan(0));

  describe('CPU interpreter, forward and autodiff', () => {
    it.each(files)('%s', (file) => runCase(file, cpu));
  });

  describe('WebGPU kernels, forward and the differentiated graph', () => {
    let device: GPUDevice;
    beforeAll(async () => {
      ({ device } = await acquireDevice());
    });
    afterAll(() => device?.destroy());
    // density_vae_tiny_sdn compiles 69 distinct kernels: about 7 min on a cold shader cache.
    it.each(files)('%s', (file) => runCase(file, webgpu(() => device)), 1_200_000);
  });
});
