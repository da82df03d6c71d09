// Schedules: the learning rate (ExponentialLR, one decay per epoch), β annealing for β-VAEs (the
// authors' DisentanglementVAE: before every training step beta ← min(β_final, beta + rate·β_final),
// starting from 0, so rate 1 means no annealing), and the per-step noise seeds.

import { mix32 } from '../data/batches.js';

/** lr0 · γ^epoch, as torch.optim.lr_scheduler.ExponentialLR stepped once per epoch. */
export function exponentialLr(lr0: number, gamma: number, epoch: number): number {
  return lr0 * gamma ** epoch;
}

/** The β used by the next training step, from the β of the previous one (0 before the first). */
export function nextBeta(beta: number, rate: number, final: number): number {
  return Math.min(final, beta + rate * final);
}


/**
 * A Philox seed for one purpose and counter: training step t uses noiseSeed(seed, 'train', t);
 * evaluation batches use fixed seeds, so evaluations at different steps see the same noise.
 */
export function noiseSeed(seed: number, purpose: 'train' | 'eval' | 'sample', counter: number): number {
  const salt = purpose === 'train' ? 0x7a1 : purpose === 'eval' ? 0xe7a1 : 0x5a3b;
  return mix32((mix32((seed ^ salt) >>> 0) + Math.imul(counter | 0, 0x9e3779b9)) >>> 0);
}
