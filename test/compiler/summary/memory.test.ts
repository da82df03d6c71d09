// The memory plan: what each lowered graph holds on the device at a batch size.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildArtifact } from '../../../compiler/compile.js';
import { compileModel } from '../../../compiler/pipeline.js';
import { memoryPlan, renderMemoryPlan } from '../../../compiler/summary/memory.js';
import { numel } from '../../../runtime/ir.js';

describe('memory plan', () => {
  const model = buildArtifact(compileModel(join(import.meta.dirname, '../../../models/fmnist-cnn.sdn')));
  // The parameters the loss reaches (the top layer's unused up_b, for one, is not bound).
  const bound = model.graphs.train.params;
  const paramBytes = 4 * bound.reduce((s, p) => s + numel(p.shape), 0);

  it('counts parameters, gradients and activations of the training graph, and what backward keeps', () => {
    const plan = memoryPlan('train', model.graphs.train, 8);
    const row = (what: string) => plan.rows.find((r) => r.what === what);
    expect(row('parameters')?.bytes).toBe(paramBytes);
    expect(row('gradients')?.bytes).toBe(paramBytes);
    expect(row('gradients')?.buffers).toBe(bound.length);
    expect(plan.totalBytes).toBe(plan.rows.reduce((s, r) => s + r.bytes, 0));
    expect(plan.keptForBackward!.values).toBeGreaterThan(0);
    // Activations scale with the batch; parameters don't.
    const big = memoryPlan('train', model.graphs.train, 16);
    expect(big.rows.find((r) => r.what === 'parameters')?.bytes).toBe(paramBytes);
    expect(big.totalBytes).toBeGreaterThan(plan.totalBytes);
    expect(renderMemoryPlan('m', [plan])).toMatch(/m train graph at batch 8: .* MiB in \d+ buffers, \d+ kernels\n {2}.*\n[\s\S]*forward values the backward pass reads: \d+/);
  });

  it('a forward graph keeps nothing for a backward pass', () => {
    expect(memoryPlan('elbo', model.graphs.elbo, 8).keptForBackward).toBeUndefined();
  });
});
