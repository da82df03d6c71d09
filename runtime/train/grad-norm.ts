// Global gradient norm (for the metrics) and optional clipping by it, as
// torch.nn.utils.clip_grad_norm_: scale by max / (norm + 1e-6) when that is below 1.

export function globalNorm(grads: Map<string, Float32Array>): number {
  let sq = 0;
  for (const g of grads.values()) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
  return Math.sqrt(sq);
}

/** Scales `grads` in place so their global norm is at most `max`; returns the norm before clipping. */
export function clipGradNorm(grads: Map<string, Float32Array>, max: number): number {
  const norm = globalNorm(grads);
  const coef = max / (norm + 1e-6);
  if (coef < 1) for (const g of grads.values()) for (let i = 0; i < g.length; i++) g[i] *= coef;
  return norm;
}
