// bench/generators.ts: every kernel of a differentiated conv graph is counted for the generator
// that wrote it, and a kernel's FLOPs scale with the batch where its nodes read batched values.
import { describe, expect, it } from 'vitest';
import { differentiate } from '../../compiler/autodiff/differentiate.js';
import { eliminateDeadCode } from '../../compiler/ir/dce.js';
import { lowerGraph } from '../../compiler/lower/index.js';
import { nodeFlops } from '../../compiler/summary/summary.js';
import { generatorOf, kernelFlops } from '../../bench/generators.js';
import { GraphBuilder } from '../../bench/graph-builder.js';

describe('bench/generators', () => {
  const b = new GraphBuilder();
  const x = b.input('x', [3, 6, 5]);
  const conv = b.add('conv2d', [x, b.param('w', [4, 3, 3, 3]), b.param('bias', [4])], { stride: 1, padding: 1 });
  b.output('y', b.add('tanh', [conv]));
  const program = lowerGraph(eliminateDeadCode(differentiate(b.g, { seeds: ['y'] })));

  it('names the generator of each kernel', () => {
    const generators = program.kernels.map((k) => generatorOf(program, k));
    const conv = program.kernels.findIndex((k) => k.nodes.some((n) => program.ir.nodes[n].op === 'conv2d'));
    const grad = program.kernels.findIndex((k) => k.nodes.some((n) => program.ir.nodes[n].op === 'conv2d_grad_weight'));
    expect(generators[conv]).toBe('conv, transposed conv, linear (conv.ts)');
    expect(generators[grad]).toBe('weight gradients (weight-grad.ts, weight-grad-taps.ts)');
    expect(generators).toContain('fused elementwise chains (common.ts)');
  });

  it('counts batched nodes batch times, the batch-summing weight gradient too', () => {
    const perExample = kernelFlops(program, 1), atFive = kernelFlops(program, 5);
    const total = nodeFlops(program.ir).reduce((s, f) => s + f, 0);
    expect(perExample.reduce((s, f) => s + f, 0)).toBeGreaterThan(0);
    expect(perExample.reduce((s, f) => s + f, 0)).toBeLessThanOrEqual(total);
    const grad = program.kernels.findIndex((k) => k.nodes.some((n) => program.ir.nodes[n].op === 'conv2d_grad_weight'));
    expect(perExample[grad]).toBeGreaterThan(0);
    expect(atFive[grad]).toBe(5 * perExample[grad]);
  });
});
