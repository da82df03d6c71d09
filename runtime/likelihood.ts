// Which image likelihood a compiled model uses decides how its data is scaled (DML: [−1, 1],
// DL: [−0.5, 0.5], Bernoulli: binarized) and how its samples become pixels.
import { LIKELIHOOD_OPS, type IrGraph } from './ir.js';

export type LikelihoodKind = (typeof LIKELIHOOD_OPS)[keyof typeof LIKELIHOOD_OPS];

/** The image likelihood of an ELBO graph, or undefined when it has none. */
export function findLikelihood(elbo: IrGraph): { kind: LikelihoodKind; nbits: number } | undefined {
  for (const n of elbo.nodes) {
    const kind = (LIKELIHOOD_OPS as Partial<Record<string, LikelihoodKind>>)[n.op];
    // Bernoulli data are binary: one bit.
    if (kind) return { kind, nbits: kind === 'Bernoulli' ? 1 : (n.attrs.bits as number) };
  }
  return undefined;
}

export function likelihoodOf(elbo: IrGraph): { kind: LikelihoodKind; nbits: number } {
  const found = findLikelihood(elbo);
  if (found) return found;
  throw new Error('the model has no image likelihood (DML, DL or Bernoulli) in its ELBO graph');
}

/** A compiled model's image likelihood (CompiledModel.likelihood), for commands that scale data or draw samples. */
export function imageLikelihood(model: { model: string; likelihood?: { kind: LikelihoodKind; nbits: number } }): { kind: LikelihoodKind; nbits: number } {
  if (model.likelihood) return model.likelihood;
  throw new Error(`${model.model}: the model has no image likelihood (DML, DL or Bernoulli) in its ELBO graph`);
}

/** −ELBO in bits per dimension for per-image ELBOs in nats over images of `dims` values. */
export const bitsPerDim = (elbo: number, dims: number) => -elbo / (dims * Math.LN2);
