// The NaN/Inf guard: a step whose loss or gradients hold a non-finite value is skipped (no
// optimizer or EMA update) and the first bad tensor is named; after `maxConsecutive` bad steps in
// a row training stops with a TrainingDiverged error, and the caller must leave the last good
// checkpoint as it is (the parameters were never touched by a bad step, but a diverging run
// should not overwrite a checkpoint with state that will only diverge again).

export interface NonFinite {
  tensor: string;
  index: number;
  value: number;
}

/** The first tensor (in iteration order) holding NaN or ±Inf, with the first bad element. */
export function firstNonFinite(tensors: Iterable<[string, ArrayLike<number>]>): NonFinite | undefined {
  for (const [tensor, data] of tensors) {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) return { tensor, index: i, value: data[i] };
    }
  }
  return undefined;
}

export class TrainingDiverged extends Error {
  override name = 'TrainingDiverged';
}

export class NanGuard {
  consecutive = 0;
  skipped = 0;

  constructor(readonly maxConsecutive = 5) {
    if (!(Number.isInteger(maxConsecutive) && maxConsecutive >= 1)) throw new RangeError(`maxConsecutive must be a positive integer, got ${maxConsecutive}`);
  }

  /**
   * Checks one step; returns a description of the problem when the step must be skipped.
   * Throws TrainingDiverged on the `maxConsecutive`-th bad step in a row.
   */
  check(step: number, loss: ArrayLike<number>, grads: Map<string, Float32Array>): string | undefined {
    const bad = firstNonFinite([['loss', loss]]) ?? firstNonFinite(grads);
    if (!bad) {
      this.consecutive = 0;
      return undefined;
    }
    this.consecutive++;
    this.skipped++;
    const what = bad.tensor === 'loss'
      ? `the loss of image ${bad.index} is ${bad.value}`
      : `the gradient of '${bad.tensor}' is ${bad.value} at element ${bad.index}`;
    const msg = `step ${step}: ${what}; step skipped (${this.consecutive} in a row)`;
    if (this.consecutive >= this.maxConsecutive) {
      throw new TrainingDiverged(`${msg}; stopping after ${this.consecutive} consecutive non-finite steps (the last checkpoint is left as it was)`);
    }
    return msg;
  }
}
