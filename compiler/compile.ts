// The compiled artifact of a model: its two graphs lowered to WGSL kernels, plus the IR the
// CPU interpreter runs, plus every parameter with its PyTorch name.
import type { CompiledModel } from '../runtime/program.js';
import type { Compiled } from './pipeline.js';
import { lowerGraph } from './lower/index.js';

export function buildArtifact(compiled: Compiled): CompiledModel {
  if (!compiled.graphs || !compiled.program) throw new Error('buildArtifact: the model did not compile');
  const { elbo, sample } = compiled.graphs;
  return {
    format: 'sdn-compiled/1',
    model: compiled.program.model.name.name,
    params: elbo.params,
    graphs: { elbo: lowerGraph(elbo), sample: lowerGraph(sample) },
  };
}
