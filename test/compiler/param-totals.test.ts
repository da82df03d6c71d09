// The paper's configurations elaborate to exactly the reference's trainable-parameter totals
// (shared/reference.md), and every parameter carries a PyTorch name.
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { compileModel } from '../../compiler/pipeline.js';
import { summarize } from '../../compiler/summary/summary.js';
import { numel, type IrGraph } from '../../runtime/ir.js';

const REFERENCE: Record<string, number> = {
  'cifar10-sdn': 121_432_302,
  'cifar10-cnn': 42_301_130,
  'imagenet32-sdn': 299_142_044,
  'celebahq256-sdn': 126_682_012,
  '3dshapes-sdn': 1_093_072,
  '3dshapes-cnn': 519_256,
  'fmnist-sdn': 1_791_032,
  'fmnist-cnn': 1_442_324,
};

const model = (name: string) => resolve(__dirname, '../../models', `${name}.sdn`);

describe('parameter totals', () => {
  for (const [name, total] of Object.entries(REFERENCE)) {
    it(`${name} has ${total.toLocaleString('en-US')} trainable parameters`, () => {
      const c = compileModel(model(name));
      expect(c.diagnostics).toEqual([]);
      const g = c.graphs!.elbo;
      expect(g.params.reduce((s, p) => s + numel(p.shape), 0)).toBe(total);
      expect(summarize(g).totalParams).toBe(total);
      const torch = new Set(g.params.map((p) => p.torch));
      expect(torch.size).toBe(g.params.length);
    });
  }

  it('maps fmnist-sdn parameters to the authors\' state_dict names', () => {
    const g = compileModel(model('fmnist-sdn')).graphs!.elbo;
    const byPath = new Map(g.params.map((p) => [p.path, p.torch]));
    expect(byPath.get('first_layer.0.weight')).toBe('first_layer.0.weight');
    expect(byPath.get('h')).toBe('h');
    expect(byPath.get('ladder_layers.3.down_a.sdn.sweep.1.w_ih')).toBe('ladder_layers.3.down_a.sdn.sdn_correction_stage.1.cell.gru.weight_ih');
    expect(byPath.get('ladder_layers.3.down_a.conv.weight')).toBe('ladder_layers.3.down_a.cnn.weight');
    expect(byPath.get('ladder_layers.0.post_model.arnn.out.weight')).toBe('ladder_layers.0.post_model.arnn.conv_b.3.weight');
    expect(byPath.get('ladder_layers.4.down_b.sdn.in.weight')).toBe('ladder_layers.4.down_b.sdn.project_in_stage.weight');
  });

  it('--set overrides model params: cifar10-sdn with 4 directions has more sweeps', () => {
    const base = compileModel(model('cifar10-sdn')).graphs!.elbo;
    const four = compileModel(model('cifar10-sdn'), { overrides: { dirs: '4' } }).graphs!.elbo;
    const sweeps = (g: typeof base) => g.nodes.filter((n) => n.op === 'sdn_sweep').length;
    // The final ResSDN always sweeps in all 4 directions; the ladder layers double theirs.
    expect(sweeps(four) - 4).toBe(2 * (sweeps(base) - 4));
    const deeper = compileModel(model('cifar10-sdn'), { overrides: { depth: '16' } }).graphs!.elbo;
    expect(deeper.layers.filter((l) => /^ladder_layers\.\d+$/.test(l.path))).toHaveLength(16);
  });

  it('hands out directions in rotation as the reference: down_a first, then down_b', () => {
    const g = compileModel(model('fmnist-sdn')).graphs!.elbo;
    // SDN layers (input scale ≤ 16 of the 32×32 padded map) are ladder layers 3..5; each takes 2 + 2 directions.
    const dirsOf = (g: IrGraph, path: string) =>
      g.nodes.filter((n) => n.op === 'sdn_sweep' && g.layers[n.layer].path === path).map((n) => n.attrs.direction);
    expect(dirsOf(g, 'ladder_layers.2.down_a')).toEqual([]);
    expect(dirsOf(g, 'ladder_layers.3.down_a')).toEqual([0, 1]);
    expect(dirsOf(g, 'ladder_layers.3.down_b')).toEqual([2, 3]);
    expect(dirsOf(g, 'ladder_layers.5.down_b')).toEqual([2, 3]);
    // imagenet32-sdn: 3 directions per SDN layer, 16 layers: the rotation wraps mid-layer.
    const im = compileModel(model('imagenet32-sdn')).graphs!.elbo;
    expect(dirsOf(im, 'ladder_layers.0.down_a')).toEqual([0, 1, 2]);
    expect(dirsOf(im, 'ladder_layers.0.down_b')).toEqual([3, 0, 1]);
    expect(dirsOf(im, 'ladder_layers.1.down_a')).toEqual([2, 3, 0]);
    // 16 layers × 6 directions = 96 ≡ 0 (mod 4): the final ResSDN starts again at 0.
    expect(dirsOf(im, 'last_layer.2')).toEqual([0, 1, 2, 3]);
  });
});
