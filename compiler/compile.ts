// The compiled artifact of a model: its graphs (ELBO, sample, and the ELBO differentiated for
// training) lowered to WGSL kernels, plus the IR the CPU interpreter runs, plus every parameter
// with its PyTorch name.
import type { IrGraph } from '../runtime/ir.js';
import { findLikelihood } from '../runtime/likelihood.js';
import type { CompiledModel } from '../runtime/program.js';
import type { Compiled } from './pipeline.js';
import { differentiate } from './autodiff/differentiate.js';
import { eliminateDeadCode } from './ir/dce.js';
import { lowerGraph } from './lower/index.js';

/**
 * The artifact, each graph lowered when it is first read: a command lowers only the graphs it
 * runs (differentiating and lowering the training graph is most of the compile time, 1.6 s for
 * cifar10-sdn), and JSON.stringify, which reads them all, still writes the whole artifact.
 */
export function buildArtifact(compiled: Compiled): CompiledModel {
  if (!compiled.graphs || !compiled.program) throw new Error('buildArtifact: the model did not compile');
  const { elbo, sample } = compiled.graphs;
  const lazy = <T>(make: () => T) => {
    let v: T | undefined;
    return () => (v ??= make());
  };
  const programs = { elbo: lazy(() => lowerGraph(elbo)), sample: lazy(() => lowerGraph(sample)), train: lazy(() => lowerGraph(trainingGraph(elbo))) };
  const graphs = {} as CompiledModel['graphs'];
  for (const [name, get] of Object.entries(programs)) Object.defineProperty(graphs, name, { get, enumerable: true });
  return { format: 'sdn-compiled/1', model: compiled.program.model.name.name, params: elbo.params, ...likelihoodField(elbo), graphs };
}

function likelihoodField(elbo: IrGraph): Pick<CompiledModel, 'likelihood'> {
  const likelihood = findLikelihood(elbo);
  return likelihood ? { likelihood } : {};
}

/** The ELBO graph with the gradients of Σ seed·loss w.r.t. every parameter (the training step's graph). */
export const trainingGraph = (elbo: IrGraph): IrGraph => eliminateDeadCode(differentiate(elbo, { seeds: ['loss'] }));
