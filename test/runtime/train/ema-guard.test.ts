import { describe, expect, it } from 'vitest';
import { Ema } from '../../../runtime/train/ema.js';
import { clipGradNorm, globalNorm } from '../../../runtime/train/grad-norm.js';
import { firstNonFinite, NanGuard, TrainingDiverged } from '../../../runtime/train/guard.js';

describe('EMA', () => {
  it('starts at the parameters and moves by (1 − decay) toward them each update', () => {
    const p = new Map([['a', Float32Array.from([1, 2])]]);
    const ema = new Ema(p, 0.9);
    p.get('a')!.set([3, 0]);
    ema.update(p);
    expect(ema.shadow.get('a')![0]).toBeCloseTo(0.9 * 1 + 0.1 * 3, 6);
    expect(ema.shadow.get('a')![1]).toBeCloseTo(0.9 * 2, 6);
    ema.update(p);
    expect(ema.shadow.get('a')![0]).toBeCloseTo(0.9 * 1.2 + 0.1 * 3, 6);
    // The shadow is a copy, not the live parameters.
    expect(ema.shadow.get('a')).not.toBe(p.get('a'));
  });

  it('with decay 0 tracks the parameters exactly', () => {
    const p = new Map([['a', Float32Array.from([1, 2])]]);
    const ema = new Ema(p, 0);
    p.get('a')!.set([0.1, -7.3]);
    ema.update(p);
    expect(ema.shadow.get('a')).toEqual(p.get('a'));
  });
});

describe('gradient norm', () => {
  it('is the global L2 norm, and clipping scales as clip_grad_norm_', () => {
    const g = new Map([['a', Float32Array.from([3, 0])], ['b', Float32Array.from([4])]]);
    expect(globalNorm(g)).toBe(5);
    expect(clipGradNorm(g, 10)).toBe(5);
    expect([...g.get('a')!]).toEqual([3, 0]);
    expect(clipGradNorm(g, 1)).toBe(5);
    expect(globalNorm(g)).toBeCloseTo(1, 5);
  });
});

describe('NaN guard', () => {
  const good = new Map([['w', Float32Array.from([1, 2])]]);

  it('names the first tensor holding a NaN or Inf', () => {
    expect(firstNonFinite([['a', [1, 2]], ['b', [0, NaN]], ['c', [Infinity]]])).toEqual({ tensor: 'b', index: 1, value: NaN });
    expect(firstNonFinite([['a', [1]]])).toBeUndefined();
  });

  it('skips bad steps, names the tensor, and stops after N in a row', () => {
    const guard = new NanGuard(3);
    expect(guard.check(1, [1, 2], good)).toBeUndefined();
    const bad = new Map([['w', Float32Array.from([1, Infinity])]]);
    expect(guard.check(2, [1, 2], bad)).toMatch(/step 2: the gradient of 'w' is Infinity at element 1; step skipped \(1 in a row\)/);
    expect(guard.check(3, [NaN, 2], good)).toMatch(/the loss of image 0 is NaN/);
    expect(guard.check(4, [1, 2], good)).toBeUndefined(); // a good step resets the count
    guard.check(5, [NaN], good);
    guard.check(6, [NaN], good);
    expect(() => guard.check(7, [NaN], good)).toThrow(TrainingDiverged);
    expect(guard.skipped).toBe(5);
  });
});
