// The tape oracle (test/support/tape.ts): every gradient rule against float64 central differences of the interpreter itself.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileModel } from '../../../compiler/pipeline.js';
import { handGraph as graph } from '../../support/hand-graph.js';
import { numel, type IrGraph } from '../../../runtime/ir.js';
import { gradients } from '../../support/tape.js';
import { runGraph, type RunEnv } from '../../../runtime/cpu/interpreter.js';
import { dot, gradErr, rand } from '../../support/gradcheck.js';
import { OP_CASES } from '../../support/op-cases.js';


interface Check {
  batch?: number;
  /** Value range per input or parameter name (default [−1, 1]). */
  ranges?: Record<string, [number, number]>;
  /** Inputs that are data, not differentiated (likelihood targets). */
  skip?: string[];
  noise?: RunEnv<Float64Array>['noise'];
  tol?: number;
  /** Finite-difference step (larger for deep graphs, where round-off dominates). */
  h?: number;
  /** Which parameters to check (all by default). */
  only?: (path: string, size: number) => boolean;
}

/** Seeds every output randomly and compares every input and parameter gradient with central differences. */
function fdCheck(g: IrGraph, opts: Check = {}): Record<string, number> {
  const batch = opts.batch ?? 2;
  let seed = 1;
  const data = (name: string, n: number) => rand(n, seed++, ...(opts.ranges?.[name] ?? [-1, 1]));
  const inputs = Object.fromEntries(g.inputs.map((i) => [i.name, data(i.name, batch * numel(i.shape))]));
  const params = new Map(g.params.map((p) => [p.path, data(p.path, numel(p.shape))]));
  const env: RunEnv<Float64Array> = { batch, inputs, params, dtype: Float64Array, noise: opts.noise };
  const first = runGraph(g, env).outputs;
  const seeds = Object.fromEntries(Object.entries(first).map(([n, v]) => [n, rand(v.length, seed++)]));
  const f = () => Object.entries(runGraph(g, env).outputs).reduce((s, [n, v]) => s + dot(v, seeds[n]), 0);
  const grads = gradients(g, env, seeds);
  const errs: Record<string, number> = {};
  for (const [n, v] of Object.entries(inputs)) if (!opts.skip?.includes(n)) errs[n] = gradErr(f, v, grads.inputs[n], opts.h);
  for (const [p, v] of params) if (opts.only?.(p, v.length) ?? true) errs[p] = gradErr(f, v, grads.params.get(p)!, opts.h);
  for (const [n, e] of Object.entries(errs)) expect(e, `gradient w.r.t. ${n}`).toBeLessThan(opts.tol ?? 1e-6);
  return errs;
}

describe('CPU autodiff: every rule against finite differences', () => {
  it.each(OP_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    fdCheck(c.graph, { batch: c.batch, ranges: c.ranges, skip: c.data });
  });
});

describe('CPU autodiff: special cases', () => {
  it('free_bits: while λ wins each example gets −Σg/B² extra, else nothing', () => {
    for (const [lambda, shift] of [[10, -1 / 4], [-10, 0]]) {
      const g = graph();
      g.out('fb', g.op('free_bits', [g.op('sum_per_example', [g.input('x', [1])])], { lambda }));
      const env = { batch: 2, inputs: { x: [1, 2] }, params: new Map(), dtype: Float64Array };
      expect(Array.from(gradients(g.finish(), env, { fb: [0.5, 0.5] }).inputs.x)).toEqual([0.5 + shift, 0.5 + shift]);
    }
  });

  it('passes no gradient through modes, noise or data', () => {
    const g = graph();
    const p = g.input('p', [4, 1, 1]);
    g.out('a', g.op('dml_mode', [p], { mixtures: 1 }));
    g.out('b', g.op('dl_mode', [p]));
    g.out('c', g.op('mul', [g.op('noise', [], { shape: [4, 1, 1], stream: 'n' }), g.c(2)]));
    const env = { batch: 1, inputs: { p: [0.1, 0.2, 0.3, 0.4] }, params: new Map(), noise: () => [1, 2, 3, 4] };
    const grads = gradients(g.finish(), env, { a: [1], b: [1, 1, 1, 1], c: [1, 1, 1, 1] });
    expect(Array.from(grads.inputs.p)).toEqual([0, 0, 0, 0]);
    expect(() => gradients(g.finish(), env, { nope: [1] })).toThrow(/no output 'nope'/);
    expect(() => gradients(g.finish(), env, { b: [1] })).toThrow(/has 1 values, the output has 4/);
  });
});

describe('CPU autodiff: a compiled model', () => {
  it('matches finite differences through a tiny density VAE (IAF posterior, free bits, DML)', () => {
    const path = resolve(dirname(fileURLToPath(import.meta.url)), '../../../models/__backward_test.sdn');
    const source = `import "lib/density-vae.sdn"
model t {
  input x: image(1, 4, 4)
  density_vae(x, channels = 1, size = 4, depth = 2, h = 4, z = 1, context = 2, downsample_at = [1], sdn_min_scale = 4,
              sdn_max_scale = 4, features = 2, features_step = 0, dirs = 1, mixtures = 2, bits = 8, free_bits = 0.5)
}`;
    const c = compileModel(path, { readFile: (p) => (p === path ? source : readFileSync(p, 'utf8')) });
    expect(c.diagnostics).toEqual([]);
    const g = c.graphs!.elbo;
    expect(g.nodes.some((n) => n.op === 'sdn_sweep')).toBe(true);
    const eps = rand(2 * 16, 77);
    const ranges = Object.fromEntries(g.params.map((p) => [p.path, [-0.4, 0.4] as [number, number]]));
    // Every small tensor (biases, the sweeps' GRU weights, `h`): finite differences of the whole graph are slow.
    const errs = fdCheck(g, {
      skip: ['x'], ranges, noise: (stream) => (stream.includes('.0.') ? eps : eps.subarray(0, 8)), h: 1e-4, only: (_p, n) => n <= 40,
    });
    expect(Object.keys(errs).filter((n) => n.includes('sweep')).length).toBeGreaterThan(0);
    expect(Object.keys(errs).filter((n) => n.includes('post_model')).length).toBeGreaterThan(0);
  });
});
