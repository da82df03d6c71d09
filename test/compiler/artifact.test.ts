// The compiled artifact: each graph lowered on first read (a command lowers only what it runs),
// once, and the whole artifact still plain JSON.
import { describe, expect, it } from 'vitest';
import { buildArtifact } from '../../compiler/compile.js';
import { compileModel } from '../../compiler/pipeline.js';

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
});
