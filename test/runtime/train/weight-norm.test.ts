import { describe, expect, it } from 'vitest';
import type { IrGraph, IrParam } from '../../../runtime/ir.js';
import { WeightNorm, weightNormTargets } from '../../../runtime/train/weight-norm.js';
import { tinyModel } from './helpers.js';

function rand(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1);
}

const conv: IrParam = { path: 'c.weight', torch: 'c.weight', shape: [3, 2, 2, 2], init: { kind: 'orthogonal' }, layer: 0 };
const deconv: IrParam = { path: 'd.weight', torch: 'd.weight', shape: [2, 3, 2, 2], init: { kind: 'orthogonal' }, layer: 0 };
const bias: IrParam = { path: 'c.bias', torch: 'c.bias', shape: [3], init: { kind: 'zeros' }, layer: 0 };
const wn = new WeightNorm([conv, deconv, bias], new Map([['c.weight', 0], ['d.weight', 1]] as const));

describe('weight norm', () => {
  it('applies to conv and deconv weights only, with g shaped as torch.nn.utils.weight_norm', () => {
    const m = tinyModel();
    const targets = weightNormTargets(m.graphs.elbo.ir);
    expect([...targets.keys()].every((p) => p.endsWith('.weight'))).toBe(true);
    expect(targets.get('ladder_layers.1.down_b.sdn.in.weight')).toBe(1); // a transposed conv: dim 1
    expect(targets.get('ladder_layers.0.post_model.arnn.in.weight')).toBe(0); // masked conv
    expect([...targets.keys()].some((p) => p.includes('sweep'))).toBe(false); // GRU weights are not convs
    expect(wn.specs.map((s) => `${s.name} [${s.shape}]`)).toEqual([
      'c.weight_g [3,1,1,1]', 'c.weight_v [3,2,2,2]', 'd.weight_g [1,3,1,1]', 'd.weight_v [2,3,2,2]', 'c.bias [3]',
    ]);
  });

  it('leaves linear layers alone', () => {
    const g: IrGraph = {
      mode: 'elbo', params: [], layers: [], inputs: [], outputs: [],
      nodes: [
        { id: 0, op: 'input', inputs: [], attrs: {}, shape: [4], batched: true, layer: -1 },
        { id: 1, op: 'param', inputs: [], attrs: { path: 'l.weight' }, shape: [2, 4], batched: false, layer: 0 },
        { id: 2, op: 'linear', inputs: [0, 1], attrs: {}, shape: [2], batched: true, layer: 0 },
      ],
    };
    expect(weightNormTargets(g).size).toBe(0);
  });

  it('starts with g = ‖w‖ and v = w, so w is unchanged bit for bit', () => {
    const w = new Map([['c.weight', rand(24, 1)], ['d.weight', rand(24, 2)], ['c.bias', rand(3, 3)]]);
    const t = wn.fromWeights(w);
    const back = wn.weights(t);
    for (const [k, v] of w) expect(back.get(k)).toEqual(v);
    // dim 0: one norm per output channel over [in, kh, kw].
    const w0 = w.get('c.weight')!;
    expect(t.get('c.weight_g')![1]).toBeCloseTo(Math.hypot(...w0.subarray(8, 16)), 6);
    // dim 1 ([in, out, kh, kw]): the norm of output channel 2 gathers w[i, 2, :, :] over i.
    const w1 = w.get('d.weight')!;
    const ch2 = [0, 1].flatMap((i) => [...w1.subarray(i * 12 + 8, i * 12 + 12)]);
    expect(t.get('d.weight_g')![2]).toBeCloseTo(Math.hypot(...ch2), 6);
  });

  it('computes w = g·v/‖v‖ and its backward matches finite differences', () => {
    const t = new Map([
      ['c.weight_g', rand(3, 4)], ['c.weight_v', rand(24, 5)], ['d.weight_g', rand(3, 6)], ['d.weight_v', rand(24, 7)], ['c.bias', rand(3, 8)],
    ]);
    const w = wn.weights(t);
    const v = t.get('c.weight_v')!, g = t.get('c.weight_g')!;
    const n = Math.hypot(...v.subarray(0, 8));
    expect(w.get('c.weight')![3]).toBeCloseTo((g[0] * v[3]) / n, 6);
    // L = Σ c·w: ∂L/∂w = c; compare the chain rule with central differences of L(g, v) in float64.
    const c = new Map([...w].map(([k, x]) => [k, rand(x.length, 100 + x.length)]));
    const loss = (tt: Map<string, Float32Array>) => {
      let s = 0;
      for (const [k, x] of wn.weights(tt)) for (let i = 0; i < x.length; i++) s += c.get(k)![i] * x[i];
      return s;
    };
    const grads = wn.backward(t, c);
    const h = 1e-2;
    for (const [name, x] of t) {
      for (let i = 0; i < x.length; i += 5) {
        const orig = x[i];
        x[i] = orig + h;
        const up = loss(t);
        x[i] = orig - h;
        const down = loss(t);
        x[i] = orig;
        expect(grads.get(name)![i], `${name}[${i}]`).toBeCloseTo((up - down) / (2 * h), 2);
      }
    }
  });
});
