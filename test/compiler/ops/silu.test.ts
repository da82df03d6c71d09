// silu(x) = x·σ(x), the worked example of adding an op (docs/architecture.md): in the language,
// its gradient rule against central differences of the CPU interpreter in float64 (no tape, no
// golden), and its torch rule. WebGPU against the CPU: test/runtime/webgpu/ops.test.ts; the
// exported module: test/compiler/export/silu.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { differentiate } from '../../../compiler/autodiff/differentiate.js';
import { OPS } from '../../../compiler/ops/index.js';
import { compileModel } from '../../../compiler/pipeline.js';
import { runGraph, type RunEnv } from '../../../runtime/cpu/interpreter.js';
import { gradOutput, seedInput, type IrNode } from '../../../runtime/ir.js';
import { dot, numericGrad, rand } from '../../support/gradcheck.js';
import { relErr } from '../../support/golden.js';
import { handGraph } from '../../support/hand-graph.js';

const models = join(import.meta.dirname, '../../../models');

describe('silu', () => {
  it('is a function of the language, elaborated to a silu node', () => {
    const lib = join(models, 'lib/beta-vae.sdn');
    const source = readFileSync(lib, 'utf8').replace('let e = relu(', 'let e = silu(');
    const c = compileModel(join(models, '3dshapes-cnn.sdn'), { readFile: (p) => (p === lib ? source : readFileSync(p, 'utf8')) });
    expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const silu = c.graphs!.elbo.nodes.filter((n) => n.op === 'silu');
    expect(silu).toHaveLength(1);
    expect(silu[0].shape).toEqual([32, 32, 32]);
  });

  it('computes x·σ(x) on the CPU, and its differentiated graph gives the central differences of it (float64)', () => {
    const g = handGraph();
    const x = g.input('x', [3, 4]), p = g.param('p', [3, 4]);
    g.out('y', g.op('silu', [g.op('mul', [x, p])]));
    const graph = g.finish();
    const batch = 2;
    const env: RunEnv<Float64Array> = {
      batch, dtype: Float64Array,
      inputs: { x: rand(batch * 12, 1, -6, 6) }, params: new Map([['p', rand(12, 2, 0.5, 1.5)]]),
    };
    const xs = env.inputs.x as Float64Array, ps = env.params.get('p') as Float64Array;
    const y = runGraph(graph, env).outputs.y;
    y.forEach((v, i) => {
      const u = xs[i] * ps[i % 12];
      expect(v).toBeCloseTo(u / (1 + Math.exp(-u)), 14);
    });

    const seed = rand(batch * 12, 3);
    const d = differentiate(graph, { seeds: ['y'], inputs: ['x'] });
    const grads = runGraph(d, { ...env, inputs: { ...env.inputs, [seedInput('y')]: seed } }).outputs;
    const loss = () => dot(runGraph(graph, env).outputs.y, seed);
    expect(relErr(grads[gradOutput('x')], numericGrad(loss, xs))).toBeLessThan(1e-8);
    expect(relErr(grads[gradOutput('p')], numericGrad(loss, ps))).toBeLessThan(1e-8);
  });

  it('exports as F.silu', () => {
    const node: IrNode = { id: 1, op: 'silu', inputs: [0], attrs: {}, shape: [2], batched: true, layer: -1 };
    const rule = OPS.silu.torch!;
    expect(rule({ node, ins: [{ expr: 't0', shape: [2], batched: true }], data: () => 't0', param: () => '', noise: () => '', scalar: () => '', input: () => '' })).toBe('F.silu(t0)');
  });
});
