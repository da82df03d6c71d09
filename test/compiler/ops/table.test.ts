// The op table's fields agree with each other and with the IR's op list.
import { describe, expect, it } from 'vitest';
import { GRAD_OPS, type OpName } from '../../../runtime/ir.js';
import { OP_NAMES, OPS } from '../../../compiler/ops/index.js';
import { DENSE } from '../../../compiler/ops/dense.js';
import { ELEMENTWISE } from '../../../compiler/ops/elementwise.js';
import { GRAD } from '../../../compiler/ops/grad.js';
import { LAYOUT } from '../../../compiler/ops/layout.js';
import { LIKELIHOODS } from '../../../compiler/ops/likelihoods.js';
import { SOURCES } from '../../../compiler/ops/sources.js';
import { SWEEP } from '../../../compiler/ops/sweep.js';
import { FORWARD } from '../../../runtime/cpu/ops.js';
import { GRAD_FORWARD, SUMS_BATCH } from '../../../runtime/cpu/grad-ops.js';

const families = [SOURCES, DENSE, SWEEP, ELEMENTWISE, LAYOUT, LIKELIHOODS, GRAD].map((f) => Object.keys(f));

describe('op table', () => {
  it('has each op in exactly one family file', () => {
    const all = families.flat();
    expect(all.length).toBe(new Set(all).size);
    expect(new Set(all)).toEqual(new Set(OP_NAMES));
  });

  it('has a CPU implementation for every op, and the same batch-summing ops as the CPU interpreter', () => {
    expect(new Set(Object.keys({ ...FORWARD, ...GRAD_FORWARD }))).toEqual(new Set(OP_NAMES));
    expect(OP_NAMES.filter((op) => OPS[op].batch === 'sums').sort()).toEqual([...SUMS_BATCH].sort());
  });

  it('differentiates and exports exactly the forward ops', () => {
    const grad = new Set<OpName>(GRAD_OPS);
    for (const op of OP_NAMES) {
      expect(OPS[op].grad === null, op).toBe(grad.has(op));
      expect(OPS[op].torch === null, op).toBe(grad.has(op));
    }
  });

  it('lowers each op the way its fusion class says', () => {
    for (const op of OP_NAMES) {
      const { fusion, lower } = OPS[op];
      const kind = 'uploaded' in lower ? 'uploaded' : 'inline' in lower ? 'inline' : 'dense' in lower ? 'dense' : 'weightGrad' in lower ? 'weightGrad' : 'kernel';
      const want = { source: ['uploaded'], const: ['inline'], map: ['inline'], remap: ['inline'], view: ['inline'], dense: ['dense'], 'reads-inline': ['kernel'], kernel: ['kernel', 'weightGrad'], scan: ['kernel'] }[fusion];
      expect(want, `${op}: ${fusion} lowered as ${kind}`).toContain(kind);
      if (fusion === 'view') expect('inline' in lower && lower.view, op).toBeTruthy();
    }
  });
});
