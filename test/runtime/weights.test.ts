import { describe, expect, it } from 'vitest';
import type { IrParam } from '../../runtime/ir.js';
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
});
