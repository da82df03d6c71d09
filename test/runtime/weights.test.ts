import { describe, expect, it } from 'vitest';
import type { IrParam } from '../../runtime/ir.js';
import { WeightNorm } from '../../runtime/train/weight-norm.js';
import { bindWeights, WeightsError } from '../../runtime/weights.js';

const params: IrParam[] = [
  { path: 'l.sdn.in.weight', torch: 'l.sdn.project_in_stage.weight', shape: [2, 3], init: { kind: 'zeros' }, layer: 0 },
  { path: 'h', torch: 'h', shape: [4], init: { kind: 'zeros' }, layer: 0 },
];
const t = (shape: number[]) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1) });

describe('bindWeights', () => {
  it('binds by compiler path or by PyTorch name', () => {
    const a = bindWeights(params, new Map([['l.sdn.in.weight', t([2, 3])], ['h', t([4])]]));
    const b = bindWeights(params, new Map([['l.sdn.project_in_stage.weight', t([2, 3])], ['h', t([4])]]));
    expect([...a.keys()]).toEqual([...b.keys()]);
  });

  it('reports missing, extra and wrongly shaped tensors by name with both shapes', () => {
    const bad = new Map([['l.sdn.project_in_stage.weight', t([3, 2])], ['bogus', t([1])]]);
    let message = '';
    try {
      bindWeights(params, bad, { source: 'w.safetensors' });
    } catch (e) {
      expect(e).toBeInstanceOf(WeightsError);
      message = (e as Error).message;
    }
    expect(message).toContain('w.safetensors: 3 problems');
    expect(message).toContain("tensor 'l.sdn.project_in_stage.weight' has shape [3, 2] but parameter 'l.sdn.in.weight' (PyTorch 'l.sdn.project_in_stage.weight') has shape [2, 3]");
    expect(message).toContain("extra tensor 'bogus' [1]");
    expect(message).toContain("missing tensor for parameter 'h' (PyTorch 'h') [4]");
  });

  it('allows a partial file when asked', () => {
    expect(bindWeights(params, new Map([['h', t([4])]]), { allowMissing: true }).size).toBe(1);
  });

  it('binds weight-normed pairs (<name>_g, <name>_v, as torch.nn.utils.weight_norm) as w = g · v / ‖v‖', () => {
    const convs: IrParam[] = [
      { path: 'a.in.weight', torch: 'a.conv_a.weight', shape: [3, 2, 2, 2], init: { kind: 'zeros' }, layer: 0 },
      { path: 'b.weight', torch: 'b.weight', shape: [2, 3, 2, 2], init: { kind: 'zeros' }, layer: 0 },
    ];
    const w = new Map(convs.map((p, k) => [p.path, Float32Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.3 + k) * (1 + (i % 5)))]));
    const wn = new WeightNorm(convs, new Map([['a.in.weight', 0], ['b.weight', 1]]));
    const gv = wn.fromWeights(w);
    // g scaled, so that w = g · v / ‖v‖ is not v itself.
    for (const [name, g] of gv) if (name.endsWith('_g')) g.forEach((x, i) => (g[i] = x * (i + 2)));
    const expected = wn.weights(gv);
    const byTorch = new Map(wn.specs.map((s) => [s.torch, { shape: s.shape, data: gv.get(s.name)! }]));
    const bound = bindWeights(convs, byTorch);
    for (const p of convs) {
      const e = expected.get(p.path)!, b = bound.get(p.path)!;
      b.forEach((x, i) => expect(x).toBeCloseTo(e[i], 5));
    }
  });

  it('names a weight-normed pair that does not fit its parameter', () => {
    const conv: IrParam = { path: 'c.weight', torch: 'c.weight', shape: [2, 1, 1, 1], init: { kind: 'zeros' }, layer: 0 };
    expect(() => bindWeights([conv], new Map([['c.weight_g', t([3, 1, 1, 1])], ['c.weight_v', t([2, 1, 1, 1])]]))).toThrow(/extra tensor 'c.weight_g' \[3, 1, 1, 1\]/);
  });
});
