// The WebGPU lowering without a device: which passes run, how much fuses, views, layouts,
// binding limits, names and sources, and that the artifact is plain JSON.
import { describe, expect, it } from 'vitest';
import { compileModel } from '../../../compiler/pipeline.js';
import { lowerGraph, PASSES } from '../../../compiler/lower/index.js';
import { convTileFor } from '../../../compiler/lower/kernels/conv.js';
import { trainingGraph } from '../../../compiler/compile.js';
import { Body } from '../../../compiler/lower/wgsl.js';
import type { IrGraph } from '../../../runtime/ir.js';
import type { GraphProgram } from '../../../runtime/program.js';

const graphs = (model: string) => {
  const c = compileModel(`models/${model}.sdn`);
  if (!c.graphs) throw new Error(`${model} did not compile`);
  return c.graphs;
};

const opsOf = (g: IrGraph, p: GraphProgram) => p.kernels.map((k) => k.nodes.map((n) => g.nodes[n].op));

describe('lowering to WGSL kernels', () => {
  it('runs its passes in order', () => {
    expect(PASSES.map((p) => p.name)).toEqual(['analyze', 'fuse-elementwise', 'fuse-epilogue', 'layout', 'buffers', 'kernels', 'reuse']);
  });

  for (const mode of ['elbo', 'sample'] as const) {
    it(`fuses fmnist-sdn ${mode}: far fewer kernels than IR nodes, no kernel for a slice, bias in the conv`, () => {
      const g = graphs('fmnist-sdn')[mode];
      const p = lowerGraph(g);
      const dispatches = p.kernels.reduce((s, k) => s + (k.steps ?? 1), 0);
      console.log(`[lower] fmnist-sdn ${mode}: ${g.nodes.length} IR nodes → ${p.kernels.length} kernels (${dispatches} dispatches), ${p.buffers.length} buffers`);
      expect(p.kernels.length).toBeLessThan(g.nodes.length / 4);
      const ops = opsOf(g, p);
      expect(ops.filter((k) => k.length === 1 && ['slice_channels', 'reshape'].includes(k[0]))).toEqual([]);
      // Every conv reads its bias inside its own kernel; the gates of the ladder are conv epilogues.
      p.kernels.forEach((k, i) => {
        for (const n of k.nodes.filter((n) => ['conv2d', 'conv_transpose2d'].includes(g.nodes[n].op))) {
          const bias = p.params.find((q) => q.path === g.nodes[g.nodes[n].inputs[2]].attrs.path)!;
          expect(k.bindings.map((b) => b.buffer), p.kernels[i].name).toContain(bias.buffer);
        }
      });
      expect(ops.filter((k) => k[0].startsWith('conv') && k.includes('sigmoid')).length).toBeGreaterThanOrEqual(mode === 'elbo' ? 9 : 1);
      // tanh(project-in) of all 6 SDN layers is the conv's epilogue, written in the sweep's layout.
      expect(ops.filter((k) => k[0].startsWith('conv') && k.includes('tanh'))).toHaveLength(6);
      expect(ops.filter((k) => k[0] === 'tanh')).toEqual([]);
    });
  }

  it('lowers each sweep to one hidden-state kernel and a scan of L − 1 steps, in place', () => {
    const g = graphs('fmnist-sdn').elbo;
    const p = lowerGraph(g);
    const sweeps = g.nodes.filter((n) => n.op === 'sdn_sweep');
    const hidden = p.kernels.filter((k) => k.name.startsWith('hidden:'));
    const scans = p.kernels.filter((k) => k.name.startsWith('scan:'));
    expect(hidden).toHaveLength(sweeps.length);
    expect(scans.map((k) => k.steps)).toEqual(sweeps.map((n) => (n.attrs.direction as number) < 2 ? n.shape[2] - 1 : n.shape[1] - 1));
    expect(p.kernels.filter((k) => k.name.startsWith('copy:'))).toEqual([]);
  });

  it('names every kernel after its op and module, with the model line it came from', () => {
    const p = lowerGraph(graphs('fmnist-sdn').elbo);
    expect(new Set(p.kernels.map((k) => k.name)).size).toBe(p.kernels.length);
    for (const k of p.kernels) {
      expect(k.name).toMatch(/^[\w:+ ]*@[\w.[\]]+#\d+$/);
      expect(k.source?.file).toMatch(/\.sdn$/);
      expect(k.source!.line).toBeGreaterThan(0);
      expect(k.wgsl).toContain('var<uniform> u: Uniforms');
    }
  });

  it('keeps every kernel within the storage buffers the device guarantees, splitting fusions if needed', () => {
    const g = graphs('fmnist-sdn').elbo;
    for (const max of [8, 5]) {
      const p = lowerGraph(g, { maxStorageBuffers: max });
      for (const k of p.kernels) expect(k.bindings.length, k.name).toBeLessThanOrEqual(max);
    }
    expect(lowerGraph(g, { maxStorageBuffers: 5 }).kernels.length).toBeGreaterThan(lowerGraph(g).kernels.length);
  });

  it('produces plain JSON: thread counts and sizes affine in the batch, no functions or typed arrays', () => {
    for (const model of ['fmnist-cnn', '3dshapes-sdn']) {
      const p = lowerGraph(graphs(model).elbo);
      expect(JSON.parse(JSON.stringify(p))).toEqual(p);
      for (const k of p.kernels) expect(k.threads.perExample * 4 + k.threads.fixed).toBeGreaterThan(0);
      const read = new Set(graphs(model).elbo.nodes.filter((n) => n.op === 'param').map((n) => n.attrs.path));
      expect(new Set(p.params.map((q) => q.path))).toEqual(read);
    }
  });

  it('hoists shared subexpressions in fused expressions', () => {
    const b = new Body();
    const a = b.let('exp(x0)');
    expect(b.let('exp(x0)')).toBe(a);
    b.let(`${a} * ${a}`);
    expect(b.lines).toHaveLength(2);
    expect(b.let('x0')).toBe('x0');
  });

  it('picks register tiles in powers of two: 16 rows × 8 columns, fewer for few channels or small maps', () => {
    expect(convTileFor(64, 1, 1024)).toEqual({ rows: 16, cols: 8, wg: 8 });
    expect(convTileFor(64, 2, 16)).toEqual({ rows: 8, cols: 4, wg: 8 });
    expect(convTileFor(3, 1, 49)).toEqual({ rows: 4, cols: 4, wg: 8 });
    expect(convTileFor(6, 1, 9)).toEqual({ rows: 8, cols: 2, wg: 8 });
  });

  it('fmnist-sdn: shape-generic kernels shared across the ELBO, sample and training graphs', () => {
    const c = compileModel('models/fmnist-sdn.sdn');
    const programs = [lowerGraph(c.graphs!.elbo), lowerGraph(c.graphs!.sample), lowerGraph(trainingGraph(c.graphs!.elbo))];
    const kernels = programs.flatMap((p) => p.kernels);
    const distinct = new Map(kernels.map((k) => [k.wgsl, k]));
    const bytes = [...distinct.keys()].reduce((n, w) => n + w.length, 0);
    console.log(`[lower] fmnist-sdn: ${kernels.length} kernels in 3 graphs, ${distinct.size} distinct pipelines, ${(bytes / 1e6).toFixed(2)} MB of distinct WGSL`);
    expect(kernels.length).toBeGreaterThan(800);
    expect(distinct.size).toBeLessThanOrEqual(80);
    expect(bytes).toBeLessThan(0.5e6);
    // A device with one subgroup per workgroup (lavapipe) compiles the subgroup variants instead.
    const onSubgroups = new Set(kernels.map((k) => k.subgroup?.wgsl ?? k.wgsl));
    expect(onSubgroups.size).toBeLessThanOrEqual(80);
    expect([...onSubgroups].reduce((n, w) => n + w.length, 0)).toBeLessThan(0.6e6);
    // The artifact ships both: every distinct plain kernel and subgroup variant, within 1 MB.
    const variants = new Set(kernels.flatMap((k) => (k.subgroup ? [k.subgroup.wgsl] : [])));
    expect(bytes + [...variants].reduce((n, w) => n + w.length, 0)).toBeLessThan(1e6);
    // Geometry, masks and directions are uniforms: every weight gradient (1×1, 3×3, 4×4 stride 2,
    // masked, transposed, linear, the sweeps' input weights) runs one of three kernels, one per
    // lane layout and operand order.
    const weightGrads = kernels.filter((k) => /^(conv2d|conv_transpose2d|linear)_grad_weight|^sweep_grad_wih/.test(k.name));
    expect(weightGrads.length).toBeGreaterThan(50);
    expect(new Set(weightGrads.map((k) => k.wgsl)).size).toBeLessThanOrEqual(3);
    // The forward kernels of the ELBO graph are kernels of the training graph too, or its sample graph's.
    const train = new Set(programs[2].kernels.map((k) => k.wgsl));
    const shared = programs[0].kernels.filter((k) => train.has(k.wgsl)).length;
    expect(shared / programs[0].kernels.length).toBeGreaterThan(0.5);
  });
});
