// The encoder of a single-posterior VAE (the β-VAE family) as its own graph: from the image to
// the posterior mean, the representation the disentanglement metrics score. The ELBO graph
// draws the reparameterized sample as mean + ε·std (runtime/ir.ts reparameterizedMean, emitted by
// compiler/elaborate/distributions.ts), so the graph here is the ELBO graph's nodes that the mean
// depends on.
// No new op and no compiler change: it lowers and runs like any other graph.
import { isChannelSlice, isParam, numel, reparameterizedMean, type IrGraph, type IrNode } from './ir.js';

export class PosteriorMeanError extends Error {
  override name = 'PosteriorMeanError';
}

/** The ELBO graph's posterior-mean nodes: one per reparameterized Gaussian sample. */
export function posteriorMeans(elbo: IrGraph): IrNode[] {
  return elbo.nodes.map((n) => reparameterizedMean(elbo.nodes, n)).filter((m): m is IrNode => m !== undefined);
}

export interface PosteriorMeanGraph {
  /** x → `posterior`: per example `width` values, the mean at offset..offset+dim−1. */
  graph: IrGraph;
  width: number;
  offset: number;
  dim: number;
}

/**
 * The graph up to the posterior mean; an error unless the model has exactly one posterior. When
 * the mean is a slice of the posterior's parameters (mean and log-variance from one layer, as
 * IsoGaussian), the graph ends at the parameters and the caller takes the slice: a graph whose
 * output is a view lowers to no kernel of its own.
 */
export function posteriorMeanGraph(elbo: IrGraph, model: string): PosteriorMeanGraph {
  const means = posteriorMeans(elbo);
  if (means.length !== 1) {
    throw new PosteriorMeanError(
      `${model}: the disentanglement metrics need a model with one Gaussian posterior (a β-VAE such as models/3dshapes-sdn.sdn); this one has ${means.length}`,
    );
  }
  const mean = means[0]!;
  const sliced = isChannelSlice(mean) && mean.shape.length === 1;
  const out = sliced ? elbo.nodes[mean.inputs[0]!]! : mean;
  const live = new Set<number>();
  const stack = [out.id];
  while (stack.length) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    stack.push(...elbo.nodes[id]!.inputs);
  }
  const remap = new Map<number, number>();
  const nodes = elbo.nodes.filter((n) => live.has(n.id)).map((n, i) => {
    remap.set(n.id, i);
    return { ...n, id: i };
  });
  for (const n of nodes) n.inputs = n.inputs.map((i) => remap.get(i)!);
  const params = new Set(nodes.filter(isParam).map((n) => n.attrs.path));
  const graph: IrGraph = {
    mode: 'elbo',
    nodes,
    params: elbo.params.filter((p) => params.has(p.path)),
    layers: elbo.layers,
    inputs: elbo.inputs.filter((i) => live.has(i.node)).map((i) => ({ ...i, node: remap.get(i.node)! })),
    outputs: [{ name: 'posterior', node: remap.get(out.id)! }],
  };
  return { graph, width: numel(out.shape), offset: sliced ? (mean.attrs.start as number) : 0, dim: numel(mean.shape) };
}
