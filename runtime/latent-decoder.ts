// The decoder of a single-latent VAE (the β-VAE family) as a graph from a given latent code to the
// likelihood's most probable image: the sample graph with its one prior draw
// (mul(noise, temperature), run at temperature 1) turned into an input `z`. Traversals and
// interpolations decode chosen codes through it. No new op: it lowers and runs like the others.
import { asInput, isNoise, type IrGraph } from './ir.js';
import { PosteriorMeanError } from './posterior-mean.js';

export function latentDecoderGraph(sample: IrGraph, model: string): IrGraph {
  const draws = sample.nodes.filter(isNoise);
  if (draws.length !== 1) {
    throw new PosteriorMeanError(`${model}: decoding chosen latent codes needs a model with one latent (a β-VAE such as models/3dshapes-sdn.sdn); its sample graph draws ${draws.length}`);
  }
  const draw = draws[0]!;
  const nodes = sample.nodes.map((n) => (n.id === draw.id ? asInput(n, 'z') : n));
  return { ...sample, nodes, inputs: [{ name: 'z', node: draw.id, shape: draw.shape }] };
}
