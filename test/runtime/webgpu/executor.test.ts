// The executor's contract: limits checked before anything is allocated, compile errors that name
// the kernel and the model line, parameter shape checks, pipelines shared across executors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../../compiler/pipeline.js';
import { lowerGraph } from '../../../compiler/lower/index.js';
import type { GraphProgram } from '../../../runtime/program.js';
import { acquireDevice } from '../../../runtime/webgpu/device.js';
import { checkBufferLimits, createExecutor, splitGroups } from '../../../runtime/webgpu/executor.js';
import { CompileInterrupted, pipelineCount } from '../../../runtime/webgpu/pipelines.js';
import { GraphBuilder } from '../../../bench/graph-builder.js';
import { fill } from './support.js';

let device: GPUDevice;
beforeAll(async () => {
  ({ device } = await acquireDevice());
});
afterAll(() => device?.destroy());

/** A device whose createBuffer calls are counted. */
function counting(d: GPUDevice): { device: GPUDevice; buffers: () => number } {
  let n = 0;
  const proxy = new Proxy(d, {
    get(target, p) {
      if (p === 'createBuffer') return (desc: GPUBufferDescriptor) => (n++, target.createBuffer(desc));
      const v = Reflect.get(target, p, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { device: proxy, buffers: () => n };
}

function small(): GraphProgram {
  const b = new GraphBuilder();
  const x = b.input('x', [3, 4, 4]);
  b.output('y', b.add('elu', [b.add('conv2d', [x, b.param('w', [5, 3, 3, 3]), b.param('b', [5])], { stride: 1, padding: 1 })]));
  return lowerGraph(b.g);
}

describe('executor', () => {
  it('rejects a batch whose buffers exceed the device limits before allocating anything', async () => {
    const c = compileModel('models/fmnist-sdn.sdn');
    const program = lowerGraph(c.graphs!.elbo);
    const { device: d, buffers } = counting(device);
    const err = await createExecutor(d, program, { batch: 100_000 }).then(() => undefined, (e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toMatch(/buffer "[^"]+" \(\w+, #\d+\) needs \d+ bytes, over the device's (maxStorageBufferBindingSize|maxBufferSize) of \d+ bytes; use a smaller batch \(at most \d+/);
    expect(buffers()).toBe(0);
    expect(() => checkBufferLimits(program, 2, device.limits)).not.toThrow();
  });

  it('reports a WGSL error with the kernel name, the model line it came from and the compiler message', async () => {
    const program = small();
    const k = program.kernels.findIndex((x) => x.name.startsWith('conv2d'));
    // The device may run the kernel's subgroup variant: break both texts.
    const broken = (wgsl: string) => wgsl.replace('let wid', 'let wid: f32 = 1.0; let widx');
    const { subgroup } = program.kernels[k];
    program.kernels[k] = { ...program.kernels[k], wgsl: broken(program.kernels[k].wgsl), ...(subgroup ? { subgroup: { ...subgroup, wgsl: broken(subgroup.wgsl) } } : {}) };
    const err = await createExecutor(device, program, { batch: 2 }).then(() => undefined, (e: Error) => e);
    expect(err?.message).toContain(`kernel "${program.kernels[k].name}" (from hand.sdn:${program.kernels[k].source!.line})`);
    expect(err?.message).toMatch(/error:/);
  });

  it('checks parameter shapes (naming the tensor and both shapes), inputs and unset parameters', async () => {
    const ex = await createExecutor(device, small(), { batch: 2 });
    try {
      expect(() => ex.setParams(new Map([['w', { data: new Float32Array(45), shape: [5, 9] }]]))).toThrow("parameter 'w': expected shape [5,3,3,3] (135 values), got [5,9] (45 values)");
      expect(() => ex.setParams(new Map([['b', new Float32Array(4)]]))).toThrow("parameter 'b': expected shape [5] (5 values), got 4 values");
      await expect(ex.run({ inputs: { x: fill(96, 1) } })).rejects.toThrow(/parameters never set: w, b/);
      ex.setParams(new Map([['w', fill(135, 2)], ['b', fill(5, 3)]]));
      await expect(ex.run({ inputs: { x: fill(95, 1) } })).rejects.toThrow("input 'x' has 95 values, expected 96");
      expect((await ex.run({ inputs: { x: fill(96, 1) } })).y).toHaveLength(160);
    } finally {
      ex.destroy();
    }
  });

  it('compiles each distinct kernel once per device, shared across executors and batch sizes', async () => {
    const program = small();
    const a = await createExecutor(device, program, { batch: 2 });
    const before = pipelineCount(device);
    const b = await createExecutor(device, JSON.parse(JSON.stringify(program)), { batch: 7 });
    expect(pipelineCount(device)).toBe(before);
    a.destroy();
    b.destroy();
  });

  it('compiles new kernels up front with progress, stops when the callback says so, and skips warm ones', async () => {
    const { device: fresh } = await acquireDevice();
    try {
      const b = new GraphBuilder();
      const x = b.input('x', [7, 5, 6]);
      b.output('y', b.add('tanh', [b.add('conv2d', [x, b.param('w', [9, 7, 3, 3]), b.param('b', [9])], { stride: 1, padding: 1 })]));
      b.output('z', b.add('sigmoid', [b.add('conv_transpose2d', [x, b.param('wt', [7, 4, 3, 3])], { stride: 1, padding: 1 })]));
      const program = lowerGraph(b.g);
      const distinct = new Set(program.kernels.map((k) => k.wgsl)).size;
      await expect(createExecutor(fresh, program, { batch: 2, onCompile: (done) => done < 1 })).rejects.toThrow(CompileInterrupted);
      const seen: [number, number][] = [], compiled: (string | undefined)[] = [];
      const ex = await createExecutor(fresh, program, { batch: 2, onCompile: (done, total, k) => void (seen.push([done, total]), compiled.push(k?.name)) });
      // The kernel compiled before the interruption is warm already.
      expect(seen).toEqual(Array.from({ length: distinct }, (_, i) => [i, distinct - 1]));
      // Each report after the first names the kernel whose pipeline it compiled, each once.
      expect(compiled[0]).toBeUndefined();
      const names = compiled.slice(1) as string[];
      expect(new Set(names).size).toBe(distinct - 1);
      for (const name of names) expect(program.kernels.map((k) => k.name)).toContain(name);
      ex.destroy();
      const again: number[] = [];
      const warm = await createExecutor(fresh, program, { batch: 3, onCompile: (done) => void again.push(done) });
      expect(again).toEqual([]);
      warm.setParams(new Map(b.g.params.map((p, i) => [p.path, fill(p.shape.reduce((m, v) => m * v, 1), i)])));
      const out = await warm.run({ inputs: { x: fill(3 * 7 * 5 * 6, 9) } });
      expect(out.y.every(Number.isFinite)).toBe(true);
      warm.destroy();
    } finally {
      fresh.destroy();
    }
  });

  it('splits grids over y under the per-dimension workgroup limit', () => {
    expect(splitGroups(10, 65535)).toEqual([10, 1]);
    const [x, y] = splitGroups(200_000, 65535);
    expect(x).toBeLessThanOrEqual(65535);
    expect(x * y).toBeGreaterThanOrEqual(200_000);
    expect(() => splitGroups(10, 3)).toThrow(/exceed/);
  });
});
