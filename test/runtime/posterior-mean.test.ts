import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileModel } from '../../compiler/pipeline.js';
import { runGraph } from '../../runtime/cpu/interpreter.js';
import { renderShapes3dBatch } from '../../runtime/data/shapes3d.js';
import { scaleBatch } from '../../runtime/data/batches.js';
import { initParams } from '../../runtime/init.js';
import { latentDecoderGraph } from '../../runtime/latent-decoder.js';
import { posteriorMeanGraph, posteriorMeans } from '../../runtime/posterior-mean.js';
import { REPO } from './train/helpers.js';

const graphsOf = (model: string, overrides: Record<string, string> = {}) => {
  const c = compileModel(join(REPO, 'models', model), { overrides });
  if (!c.graphs) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  return c.graphs;
};
const graphOf = (model: string, overrides: Record<string, string> = {}) => graphsOf(model, overrides).elbo;

describe('posterior-mean graph', () => {
  const elbo = graphOf('3dshapes-cnn.sdn', { size: '16' });
  const params = initParams(elbo.params, 3);
  const x = scaleBatch(renderShapes3dBatch([0, 4321, 479999], 16), 'DL', 8);

  it('gives the ELBO graph\'s reparameterized sample at zero noise, without running the decoder', () => {
    const p = posteriorMeanGraph(elbo, 'shapes3d_cnn');
    expect([p.width, p.offset, p.dim]).toEqual([20, 0, 10]);
    expect(p.graph.nodes.some((n) => n.op === 'noise' || n.op === 'conv_transpose2d')).toBe(false);
    expect(p.graph.params.every((q) => q.path.startsWith('encoder.'))).toBe(true);
    const codes = runGraph(p.graph, { batch: 3, params, inputs: { x } }).outputs.posterior!;
    const zero = (_: string, shape: number[], batch: number) => new Float32Array(batch * shape.reduce((a, b) => a * b, 1));
    const full = runGraph(elbo, { batch: 3, params, inputs: { x }, noise: zero, scalars: { beta: 1 } }, { keepValues: true });
    const z = posteriorMeans(elbo)[0]!;
    const sample = elbo.nodes.find((n) => n.op === 'add' && n.inputs[0] === z.id)!;
    const zs = full.values![sample.id]!.data;
    for (let k = 0; k < 3; k++) expect(Array.from(codes.subarray(k * 20, k * 20 + 10))).toEqual(Array.from(zs.subarray(k * 10, k * 10 + 10)));
  });

  it('refuses a model with more than one posterior, naming it', () => {
    const density = graphOf('fmnist-cnn.sdn');
    expect(posteriorMeans(density).length).toBeGreaterThan(1);
    expect(() => posteriorMeanGraph(density, 'fmnist_cnn')).toThrow(/^fmnist_cnn: the disentanglement metrics need a model with one Gaussian posterior .* this one has \d+$/);
  });
});

describe('latent-decoder graph', () => {
  it('decodes a given code as the sample graph does when its prior draw is that code at temperature 1', () => {
    const { elbo, sample } = graphsOf('3dshapes-sdn.sdn', { size: '16', features: '6' });
    const params = initParams(elbo.params, 5);
    const dec = latentDecoderGraph(sample, 'shapes3d_sdn');
    expect(dec.inputs).toEqual([{ name: 'z', node: expect.any(Number), shape: [10] }]);
    const z = Float32Array.from({ length: 20 }, (_, i) => Math.sin(i) * 1.5);
    const mine = runGraph(dec, { batch: 2, params, inputs: { z }, scalars: { temperature: 1 } }).outputs.sample!;
    const ref = runGraph(sample, { batch: 2, params, inputs: {}, scalars: { temperature: 1 }, noise: () => z }).outputs.sample!;
    expect(mine.length).toBe(2 * 3 * 16 * 16);
    expect(Array.from(mine)).toEqual(Array.from(ref));
  });

  it('refuses a model with several latents', () => {
    const { sample } = graphsOf('fmnist-cnn.sdn');
    expect(() => latentDecoderGraph(sample, 'fmnist_cnn')).toThrow(/^fmnist_cnn: decoding chosen latent codes needs a model with one latent .* draws \d+$/);
  });
});
