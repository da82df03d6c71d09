// The compiled artifact: each graph lowered on first read (a command lowers only what it runs),
// once, and the whole artifact still plain JSON.
import { describe, expect, it } from 'vitest';
import { buildArtifact } from '../../compiler/compile.js';
import { compileModel } from '../../compiler/pipeline.js';
import { imageLikelihood } from '../../runtime/likelihood.js';

describe('buildArtifact', () => {
  it('lowers each graph when it is first read, once, and serializes all of them', () => {
    const model = buildArtifact(compileModel('models/fmnist-cnn.sdn'));
    for (const g of ['elbo', 'sample', 'train'] as const) expect(typeof Object.getOwnPropertyDescriptor(model.graphs, g)?.get).toBe('function');
    const sample = model.graphs.sample;
    expect(model.graphs.sample).toBe(sample);
    const json = JSON.parse(JSON.stringify(model));
    expect(Object.keys(json.graphs)).toEqual(['elbo', 'sample', 'train']);
    expect(json.graphs.train.kernels.length).toBe(model.graphs.train.kernels.length);
    expect(json.graphs.sample).toEqual(JSON.parse(JSON.stringify(sample)));
  });

  it('carries the image likelihood, and none for a model without one (a single layer)', () => {
    expect(buildArtifact(compileModel('models/fmnist-cnn.sdn')).likelihood).toEqual({ kind: 'DML', nbits: 8 });
    const layer = buildArtifact(compileModel('bench/sdn-layer-16.sdn'));
    expect(layer.likelihood).toBeUndefined();
    expect(() => imageLikelihood(layer)).toThrow(`${layer.model}: the model has no image likelihood (DML, DL or Bernoulli) in its ELBO graph`);
  });
});
