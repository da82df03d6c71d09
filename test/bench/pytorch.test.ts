// bench/pytorch.ts: the exported module of each case is timed in PyTorch in the same run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { measurePytorch } from '../../bench/pytorch.js';
import { writeTinyModel } from '../runtime/train/helpers.js';
import { torchPython } from '../support/python.js';

const dir = mkdtempSync(join(tmpdir(), 'sdn-bench-pytorch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('measurePytorch', () => {
  it('is undefined without a Python that has torch, so the caller falls back to stored figures', () => {
    expect(measurePytorch([{ name: 'x', file: 'bench/sdn-layer.sdn', batch: 1, kind: 'forward', runs: 1 }], { python: '/bin/false' })).toBeUndefined();
  });

  it.skipIf(!torchPython())('times forward, forward + backward and a training step of exported models', () => {
    const tiny = writeTinyModel(dir);
    const cases = [
      { name: 'layer forward', file: 'bench/sdn-layer-16.sdn', batch: 1, kind: 'forward' as const, runs: 1 },
      { name: 'layer backward', file: 'bench/sdn-layer-16.sdn', batch: 1, kind: 'backward' as const, output: 'y', runs: 1 },
      { name: 'tiny step', file: tiny, batch: 2, kind: 'train' as const, weightNorm: true, runs: 2 },
    ];
    const t = measurePytorch(cases)!;
    expect([...t.keys()]).toEqual(cases.map((c) => c.name));
    for (const v of t.values()) {
      expect(v.firstS).toBeGreaterThan(0);
      expect(Number.isFinite(v.ms) && v.ms > 0).toBe(true);
    }
  });
});
