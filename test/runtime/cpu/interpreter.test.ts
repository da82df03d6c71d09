import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileModel } from '../../../compiler/pipeline.js';
import { handGraph as graph } from '../../support/hand-graph.js';
import type { IrGraph, OpName } from '../../../runtime/ir.js';
import { runGraph, type RunEnv } from '../../../runtime/cpu/interpreter.js';
import {
  bernoulliLogProb, conv2d, convMask, convTranspose2d, dlLogProb, dmlLogProb, gruCell, linear, sdnSweep,
} from '../../../runtime/cpu/kernels/index.js';
import { rand } from '../../support/gradcheck.js';


const f32 = (a: ArrayLike<number>) => Float32Array.from(a);
const env = (batch: number, inputs: Record<string, ArrayLike<number>>, params: Record<string, ArrayLike<number>> = {}): RunEnv =>
  ({ batch, inputs, params: new Map(Object.entries(params)), noise: () => { throw new Error('no noise'); } });
const close = (a: ArrayLike<number>, b: ArrayLike<number>, digits = 6) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], digits);
};

function compile(source: string): { elbo: IrGraph; sample: IrGraph } {
  const path = '/virtual/interp.sdn';
  const c = compileModel(path, { readFile: (p) => (p === path ? source : readFileSync(p, 'utf8')) });
  if (!c.graphs) throw new Error(c.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message}`).join('\n'));
  return c.graphs;
}

describe('CPU interpreter: elementwise and broadcasting', () => {
  it('runs every unary op', () => {
    const x = [-1.5, -0.2, 0.3, 2];
    const cases: [OpName, (v: number) => number][] = [
      ['neg', (v) => -v], ['exp', Math.exp], ['tanh', Math.tanh], ['sigmoid', (v) => 1 / (1 + Math.exp(-v))],
      ['elu', (v) => (v > 0 ? v : Math.exp(v) - 1)], ['relu', (v) => Math.max(v, 0)],
      ['softplus', (v) => Math.log1p(Math.exp(v))], ['square', (v) => v * v], ['log', (v) => Math.log(Math.abs(v))],
    ];
    for (const [op, f] of cases) {
      const g = graph();
      const i = g.input('x', [2]);
      g.out('y', g.op(op, [op === 'log' ? g.op('max', [i, g.op('neg', [i])]) : i]));
      close(runGraph(g.finish(), env(2, { x })).outputs.y, x.map(f));
    }
  });

  it('broadcasts constants, per-example scalars and unbatched params in binary ops', () => {
    const g = graph();
    const x = g.input('x', [2, 1, 2]);
    const p = g.param('p', [2, 1, 2]);
    const s = g.op('sum_per_example', [x]);
    g.out('c', g.op('sub', [g.c(1), x]));
    g.out('s', g.op('mul', [x, s]));
    g.out('p', g.op('div', [x, p]));
    g.out('m', g.op('max', [p, x]));
    const xs = [1, 2, 3, 4, -1, -2, -3, -4];
    const { outputs: o } = runGraph(g.finish(), env(2, { x: xs }, { p: [2, 2, 4, 4] }));
    close(o.c, xs.map((v) => 1 - v));
    close(o.s, xs.map((v, i) => v * (i < 4 ? 10 : -10)));
    close(o.p, [0.5, 1, 0.75, 1, -0.5, -1, -0.75, -1]);
    close(o.m, [2, 2, 4, 4, 2, 2, 4, 4]);
  });

  it('sums per example and applies free bits across the batch', () => {
    for (const lambda of [0.5, 10]) {
      const g = graph();
      const kl = g.op('sum_per_example', [g.input('x', [3])]);
      g.out('kl', kl);
      g.out('fb', g.op('free_bits', [kl], { lambda }));
      const { outputs: o } = runGraph(g.finish(), env(2, { x: [1, 1, 1, 0, 0, 1] }));
      close(o.kl, [3, 1]);
      const extra = (Math.max(2, lambda) - 2) / 2;
      close(o.fb, [3 + extra, 1 + extra]);
    }
  });
});

describe('CPU interpreter: layout', () => {
  it('slices and concatenates on dim 1 of NCHW maps and of vectors', () => {
    const g = graph();
    const x = g.input('x', [3, 1, 2]);
    const v = g.input('v', [3]);
    const a = g.op('slice_channels', [x], { start: 1, size: 2 });
    g.out('a', a);
    g.out('cat', g.op('concat_channels', [a, g.op('slice_channels', [x], { start: 0, size: 1 })]));
    g.out('v', g.op('concat_channels', [g.op('slice_channels', [v], { start: 2, size: 1 }), v]));
    const { outputs: o } = runGraph(g.finish(), env(2, { x: [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15], v: [1, 2, 3, 4, 5, 6] }));
    close(o.a, [2, 3, 4, 5, 12, 13, 14, 15]);
    close(o.cat, [2, 3, 4, 5, 0, 1, 12, 13, 14, 15, 10, 11]);
    close(o.v, [3, 1, 2, 3, 6, 4, 5, 6]);
  });

  it('pads, crops, resamples (nearest, downsampling takes pixel 2i) and reshapes', () => {
    const g = graph();
    const x = g.input('x', [1, 5, 5]);
    const down = g.op('downsample_nearest', [x], { factor: 2 });
    g.out('down', down);
    g.out('crop', g.op('crop2d', [x], { crop: 2 }));
    g.out('up', g.op('upsample_nearest', [down], { factor: 2 }));
    g.out('pad', g.op('pad2d', [g.op('crop2d', [x], { crop: 2 })], { pad: 1 }));
    g.out('flat', g.op('reshape', [x], { shape: [25] }));
    const xs = Array.from({ length: 25 }, (_, i) => i);
    const { outputs: o } = runGraph(g.finish(), env(1, { x: xs }));
    close(o.down, [0, 2, 10, 12]);
    close(o.crop, [12]);
    close(o.up, [0, 0, 2, 2, 0, 0, 2, 2, 10, 10, 12, 12, 10, 10, 12, 12]);
    close(o.pad, [0, 0, 0, 0, 12, 0, 0, 0, 0]);
    close(o.flat, xs);
  });

  it('expands an unbatched [C] parameter to a batched [C, H, W] map', () => {
    const g = graph();
    const e = g.op('expand', [g.param('h', [2])], { shape: [2, 1, 2] });
    g.out('e', g.op('add', [e, g.input('x', [2, 1, 2])]));
    const { outputs: o } = runGraph(g.finish(), env(2, { x: new Array(8).fill(0) }, { h: [3, 7] }));
    close(o.e, [3, 3, 7, 7, 3, 3, 7, 7]);
  });
});

describe('CPU interpreter: layers and likelihoods', () => {
  it('runs conv, masked conv, deconv, linear, sweep and GRU cell as the kernels do', () => {
    const { elbo } = compile(`model t {
  input x: image(3, 5, 5)
  input v: vector(4)
  input hv: vector(2)
  output a = conv(x, 2, k = 3, s = 2) as c1
  output b = masked_conv(x, 2, mask = "A") as c2
  output d = deconv(x, 2) as c3
  output e = linear(v, 3) as l1
  output f = sweep(x, 1) as s1
  output g = gru(v, hv) as g1
}`);
    const P = new Map(elbo.params.map((p, i) => [p.path, f32(rand(p.shape.reduce((a, b) => a * b, 1), 100 + i, -0.5, 0.5))]));
    const x = f32(rand(2 * 75, 1)), v = f32(rand(8, 2)), hv = f32(rand(4, 3));
    const { outputs: o } = runGraph(elbo, { batch: 2, params: P, inputs: { x, v, hv } });
    const w = (k: string) => P.get(k)!;
    close(o.a, conv2d(x, [2, 3, 5, 5], w('c1.weight'), [2, 3, 3, 3], w('c1.bias'), 2, 1).y);
    close(o.b, conv2d(x, [2, 3, 5, 5], w('c2.weight'), [2, 3, 3, 3], w('c2.bias'), 1, 1, convMask('A', 2, 3, 3, 3)).y);
    close(o.d, convTranspose2d(x, [2, 3, 5, 5], w('c3.weight'), [3, 2, 4, 4], w('c3.bias'), 2, 1).y);
    close(o.e, linear(v, 2, 4, w('l1.weight'), 3, w('l1.bias')));
    const gru = (pre: string) => ({ wIh: w(`${pre}.w_ih`), wHh: w(`${pre}.w_hh`), bIh: w(`${pre}.b_ih`), bHh: w(`${pre}.b_hh`) });
    close(o.f, sdnSweep(x, [2, 3, 5, 5], gru('s1'), 1));
    close(o.g, gruCell(v, hv, 2, gru('g1')));
  });

  it('runs the likelihoods (DML, DL, Bernoulli) as the kernels do, and their modes', () => {
    const g = graph();
    const p = g.input('p', [20, 1, 2]), x = g.input('x', [3, 1, 2]), ls = g.param('ls', [1]);
    g.out('dml', g.op('dml_logp', [p, x], { mixtures: 2, bits: 8 }));
    g.out('dl', g.op('dl_logp', [g.op('slice_channels', [p], { start: 0, size: 3 }), ls, x], { bits: 8 }));
    g.out('bern', g.op('bernoulli_logp', [g.op('slice_channels', [p], { start: 3, size: 3 }), x]));
    g.out('dlm', g.op('dl_mode', [g.op('slice_channels', [p], { start: 0, size: 3 })]));
    g.out('mode', g.op('dml_mode', [p], { mixtures: 2 }));
    const ps = f32(rand(2 * 40, 7, -2, 2)), xs = f32(rand(12, 8, -0.9, 0.9));
    const { outputs: o } = runGraph(g.finish(), env(2, { p: ps, x: xs }, { ls: [-1.5] }));
    close(o.dml, dmlLogProb(ps, xs, [2, 3, 1, 2], 2, 8), 4);
    const sl = (k: number) => f32(Array.from({ length: 12 }, (_, i) => ps[Math.floor(i / 6) * 40 + k * 2 + (i % 6)]));
    close(o.dl, dlLogProb(sl(0), -1.5, xs, [2, 3, 1, 2], 8), 4);
    close(o.bern, bernoulliLogProb(sl(3), xs, [2, 3, 1, 2]), 4);
    close(o.dlm, Array.from(sl(0), (v) => Math.min(Math.max(v, -0.5 + 1 / 512), 0.5 - 1 / 512)));
    // DML mode per pixel: the argmax component's means, coupled through tanh coefficients, clamped.
    const at = (b: number, k: number, s: number) => ps[(b * 20 + k) * 2 + s];
    const want: number[] = new Array(12);
    for (let b = 0; b < 2; b++) {
      for (let s = 0; s < 2; s++) {
        const m = at(b, 1, s) > at(b, 0, s) ? 1 : 0;
        const mean = (c: number) => at(b, 2 + 6 * c + m, s), coeff = (c: number) => Math.tanh(at(b, 2 + 6 * c + 4 + m, s));
        const cl = (v: number) => Math.min(Math.max(v, -1), 1);
        const x0 = cl(mean(0)), x1 = cl(mean(1) + coeff(0) * x0), x2 = cl(mean(2) + coeff(1) * x0 + coeff(2) * x1);
        [x0, x1, x2].forEach((v, c) => (want[(b * 3 + c) * 2 + s] = v));
      }
    }
    close(o.mode, want);
    expect(want.some((v) => Math.abs(v) === 1)).toBe(true); // the clamp is exercised
  });
});

describe('CPU interpreter: sources, dtype and errors', () => {
  const src = `model t {
  input x: image(2, 1, 2)
  let prior = IsoGaussian(conv(x, 4, k = 1) as enc)
  output s = prior.sample(temperature)
}`;

  it('reads noise streams and scalar inputs', () => {
    const { sample } = compile(src);
    const params = new Map([['enc.weight', f32(rand(8, 1))], ['enc.bias', f32(rand(4, 2))]]);
    const x = f32(rand(8, 3));
    const calls: unknown[] = [];
    const noise = (stream: string, shape: number[], batch: number) => (calls.push([stream, shape, batch]), f32([1, -1, 0.5, 2, 0, 0, 1, 1]));
    const o = runGraph(sample, { batch: 2, params, inputs: { x }, scalars: { temperature: 0.5 }, noise }).outputs.s;
    expect(calls).toEqual([['sample', [2, 1, 2], 2]]);
    const enc = conv2d(x, [2, 2, 1, 2], params.get('enc.weight')!, [4, 2, 1, 1], params.get('enc.bias')!, 1, 0).y;
    const eps = [1, -1, 0.5, 2, 0, 0, 1, 1];
    close(o, eps.map((e, i) => {
      const b = Math.floor(i / 4), j = i % 4;
      return enc[b * 8 + j] + e * Math.exp(0.5 * enc[b * 8 + 4 + j]) * 0.5;
    }));
    expect(() => runGraph(sample, { batch: 2, params, inputs: { x }, noise })).toThrow(/scalar_input .*interp\.sdn:\d+:\d+.*'temperature'/);
  });

  it('runs in float64 when asked', () => {
    const g = graph();
    g.out('y', g.op('exp', [g.input('x', [1])]));
    const y = runGraph(g.finish(), { batch: 1, inputs: { x: [1] }, params: new Map(), dtype: Float64Array }).outputs.y;
    expect(y).toBeInstanceOf(Float64Array);
    expect(y[0]).toBe(Math.E);
  });

  it('names the op, its source and the missing or mis-shaped value', () => {
    const { elbo } = compile(src);
    const x = f32(rand(8, 3));
    const base = { batch: 2, inputs: { x }, scalars: { temperature: 1 }, noise: () => new Float32Array(8) };
    expect(() => runGraph(elbo, { ...base, params: new Map([['enc.bias', new Float32Array(4)]]) }))
      .toThrow(/param \(node \d+\) at \/virtual\/interp\.sdn:3:\d+: missing parameter 'enc\.weight'/);
    expect(() => runGraph(elbo, { ...base, params: new Map([['enc.weight', new Float32Array(7)], ['enc.bias', new Float32Array(4)]]) }))
      .toThrow(/parameter 'enc\.weight' has 7 values, expected 8 \(shape \[4,2,1,1\]\)/);
    expect(() => runGraph(elbo, { ...base, inputs: {}, params: new Map() })).toThrow(/input \(node 0\) at .*: missing input 'x'/);
    expect(() => runGraph(elbo, { ...base, inputs: { x: new Float32Array(3) }, params: new Map() })).toThrow(/input 'x' has 3 values, expected 8/);
    const g = graph();
    g.out('y', g.op('exp', [g.input('x', [1])]));
    const bad = g.finish();
    bad.nodes[1] = { ...bad.nodes[1], op: 'fancy' as OpName };
    expect(() => runGraph(bad, env(1, { x: [1] }))).toThrow(/no implementation of op 'fancy'/);
  });
});
