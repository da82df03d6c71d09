// The compiled artifact of a model: its graphs (ELBO, sample, and the ELBO differentiated for
// training) lowered to WGSL kernels, plus the IR the CPU interpreter runs, plus every parameter
// with its PyTorch name.
import type { IrGraph } from '../runtime/ir.js';
import type { CompiledModel } from '../runtime/program.js';
import type { Compiled } from './pipeline.js';
import { differentiate } from './autodiff/differentiate.js';
import { eliminateDeadCode } from './ir/dce.js';
import { lowerGraph } from './lower/index.js';

export function buildArtifact(compiled: Compiled): CompiledModel {
  if (!compiled.graphs || !compiled.program) throw new Error('buildArtifact: the model did not compile');
  const { elbo, sample } = compiled.graphs;
  return {
    format: 'sdn-compiled/1',
    model: compiled.program.model.name.name,
    params: elbo.params,
    graphs: { elbo: lowerGraph(elbo), sample: lowerGraph(sample), train: lowerGraph(trainingGraph(elbo)) },
  };
}

/** The ELBO graph with the gradients of Σ seed·loss w.r.t. every parameter (the training step's graph). */
export const trainingGraph = (elbo: IrGraph): IrGraph => eliminateDeadCode(differentiate(elbo, { seeds: ['loss'] }));
