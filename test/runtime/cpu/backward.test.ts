// Every gradient rule against float64 central differences of the interpreter itself.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileModel } from '../../../compiler/pipeline.js';
import { handGraph as graph } from '../../support/hand-graph.js';
import { numel, type IrGraph, type OpName } from '../../../runtime/ir.js';
import { gradients } from '../../../runtime/cpu/backward.js';
import { runGraph, type RunEnv } from '../../../runtime/cpu/interpreter.js';
import { dot, gradErr, rand } from '../../support/gradcheck.js';


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

describe('CPU autodiff: elementwise', () => {
  const unary: OpName[] = ['neg', 'exp', 'log', 'tanh', 'sigmoid', 'elu', 'relu', 'softplus', 'square'];
  it.each(unary)('%s', (op) => {
    const g = graph();
    g.out('y', g.op(op, [g.input('x', [3, 2])]));
    fdCheck(g.finish(), { ranges: op === 'log' ? { x: [0.5, 2] } : {} });
  });

  const binary: OpName[] = ['add', 'sub', 'mul', 'div', 'max'];
  it.each(binary)('%s with batched, constant, per-example scalar and unbatched operands', (op) => {
    const g = graph();
    const x = g.input('x', [2, 2]), y = g.input('y', [2, 2]), p = g.param('p', [2, 2]);
    const s = g.op('sum_per_example', [g.input('z', [3])]);
    g.out('xy', g.op(op, [x, y]));
    g.out('xc', g.op(op, [x, g.c(0.7)]));
    g.out('cx', g.op(op, [g.c(1.3), x]));
    g.out('sx', g.op(op, [s, x]));
    g.out('xs', g.op(op, [x, s]));
    g.out('px', g.op(op, [p, x]));
    fdCheck(g.finish(), { ranges: { x: [0.5, 2], y: [0.5, 2], z: [0.2, 0.8], p: [0.5, 2] } });
  });
});

describe('CPU autodiff: layers', () => {
  it('conv2d: stride 2, masks A and B; conv_transpose2d; linear', () => {
    const g = graph();
    const x = g.input('x', [3, 5, 5]);
    g.out('s2', g.op('conv2d', [x, g.param('w1', [2, 3, 3, 3]), g.param('b1', [2])], { stride: 2, padding: 1 }));
    for (const mask of ['A', 'B']) {
      g.out(mask, g.op('conv2d', [x, g.param(`w${mask}`, [4, 3, 3, 3]), g.param(`b${mask}`, [4])], { stride: 1, padding: 1, mask }));
    }
    g.out('t', g.op('conv_transpose2d', [x, g.param('wt', [3, 2, 4, 4]), g.param('bt', [2])], { stride: 2, padding: 1 }));
    g.out('l', g.op('linear', [g.op('reshape', [x], { shape: [75] }), g.param('wl', [3, 75]), g.param('bl', [3])]));
    fdCheck(g.finish());
  });

  it.each([0, 1, 2, 3])('sdn_sweep direction %i', (direction) => {
    const g = graph();
    const F = 3;
    const ps = [g.param('w_ih', [3 * F, 3 * F]), g.param('w_hh', [3 * F, F]), g.param('b_ih', [3 * F]), g.param('b_hh', [3 * F])];
    g.out('y', g.op('sdn_sweep', [g.input('x', [F, 4, 3]), ...ps], { direction }));
    fdCheck(g.finish());
  });

  it('gru_cell', () => {
    const g = graph();
    const ps = [g.param('w_ih', [6, 4]), g.param('w_hh', [6, 2]), g.param('b_ih', [6]), g.param('b_hh', [6])];
    g.out('h', g.op('gru_cell', [g.input('x', [4]), g.input('h', [2]), ...ps]));
    fdCheck(g.finish(), { batch: 3 });
  });
});

describe('CPU autodiff: layout and reductions', () => {
  it('slice, concat (with an unbatched operand), pad, crop, resampling, reshape, expand', () => {
    const g = graph();
    const x = g.input('x', [3, 5, 5]);
    const e = g.op('expand', [g.param('h', [2])], { shape: [2, 5, 5] });
    g.out('cat', g.op('concat_channels', [g.op('slice_channels', [x], { start: 1, size: 2 }), e, x]));
    g.out('pad', g.op('pad2d', [x], { pad: 2 }));
    g.out('crop', g.op('crop2d', [x], { crop: 1 }));
    g.out('up', g.op('upsample_nearest', [x], { factor: 2 }));
    g.out('down', g.op('downsample_nearest', [x], { factor: 2 }));
    g.out('flat', g.op('reshape', [x], { shape: [75] }));
    g.out('vec', g.op('concat_channels', [g.param('v', [4]), g.input('u', [3])]));
    fdCheck(g.finish());
  });

  it.each([[100, 'λ wins'], [-100, 'the mean wins']] as const)('sum_per_example and free_bits (λ = %d: %s)', (lambda, _regime) => {
    const g = graph();
    const kl = g.op('sum_per_example', [g.input('x', [2, 2])]);
    g.out('kl', kl);
    g.out('fb', g.op('free_bits', [kl], { lambda }));
    fdCheck(g.finish(), { batch: 3 });
  });

  it('free_bits: while λ wins each example gets −Σg/B² extra, else nothing', () => {
    for (const [lambda, shift] of [[10, -1 / 4], [-10, 0]]) {
      const g = graph();
      g.out('fb', g.op('free_bits', [g.op('sum_per_example', [g.input('x', [1])])], { lambda }));
      const env = { batch: 2, inputs: { x: [1, 2] }, params: new Map(), dtype: Float64Array };
      expect(Array.from(gradients(g.finish(), env, { fb: [0.5, 0.5] }).inputs.x)).toEqual([0.5 + shift, 0.5 + shift]);
    }
  });
});

describe('CPU autodiff: likelihoods and modes', () => {
  it.each([[1, 3], [3, 2]])('dml_logp with %i channels, %i mixtures', (C, M) => {
    const g = graph();
    g.out('lp', g.op('dml_logp', [g.input('p', [M * (1 + 3 * C), 2, 3]), g.input('x', [C, 2, 3])], { mixtures: M, bits: 5 }));
    fdCheck(g.finish(), { skip: ['x'], ranges: { x: [-0.95, 0.95], p: [-2, 2] } });
  });

  it('dl_logp and bernoulli_logp', () => {
    const g = graph();
    const x = g.input('x', [2, 2, 2]);
    g.out('dl', g.op('dl_logp', [g.input('m', [2, 2, 2]), g.param('ls', [1]), x], { bits: 5 }));
    g.out('bern', g.op('bernoulli_logp', [g.input('l', [2, 2, 2]), x]));
    fdCheck(g.finish(), { skip: ['x'], ranges: { x: [-0.5, 0.5], m: [-0.45, 0.45], ls: [-3, -2] } });
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
