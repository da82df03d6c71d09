// Drives a Trainer to `recipe.steps`: a step, its record, and every `evalEvery` steps (and at the
// end) an evaluation of the EMA weights, a sample grid and a checkpoint (not while the NaN guard
// is skipping steps: the last good one stays). `shouldStop` (Ctrl-C) is
// honoured between steps and between evaluation batches, and a CompileInterrupted error (the
// kernel compilation's own check of it) ends the loop the same way: it checkpoints and returns
// 'interrupted'. A TrainingDiverged error from the NaN guard propagates without a checkpoint.
import type { ImageGrid } from '../image/grid.js';
import { CompileInterrupted } from '../webgpu/pipelines.js';
import type { EvalRecord, StepRecord, Trainer } from './trainer.js';

export interface LoopHooks {
  onStep?(record: StepRecord): void | Promise<void>;
  onEval?(record: EvalRecord): void | Promise<void>;
  onSamples?(step: number, grid: ImageGrid): void | Promise<void>;
  onEvalProgress?(done: number, total: number): void;
  checkpoint?(trainer: Trainer): void | Promise<void>;
  shouldStop?(): boolean;
}

export type LoopResult = 'done' | 'interrupted';

/**
 * Lets the event loop run (signal handlers, I/O): the CPU engine computes synchronously, and
 * awaiting already-resolved promises alone never reaches the loop's poll phase.
 */
export const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => ((globalThis as { setImmediate?: (f: () => void) => void }).setImmediate ?? ((f) => setTimeout(f, 0)))(resolve));

export async function runTraining(trainer: Trainer, hooks: LoopHooks = {}): Promise<LoopResult> {
  try {
    return await loop(trainer, hooks);
  } catch (e) {
    // Ctrl-C while kernels compile (before a step or an evaluation changed anything).
    if (!(e instanceof CompileInterrupted)) throw e;
    await hooks.checkpoint?.(trainer);
    return 'interrupted';
  }
}

async function loop(trainer: Trainer, hooks: LoopHooks): Promise<LoopResult> {
  const { recipe, state } = trainer;
  const stop = () => hooks.shouldStop?.() ?? false;
  const interrupted = async (): Promise<LoopResult> => {
    await hooks.checkpoint?.(trainer);
    return 'interrupted';
  };
  if (state.step === 0 && recipe.evalEvery > 0 && !(await evaluate(trainer, hooks, stop))) return interrupted();
  while (state.step < recipe.steps) {
    await yieldToEventLoop();
    if (stop()) return interrupted();
    // Not `hooks.onStep?.(await trainer.trainStep())`: without a hook that skips the step itself.
    const record = await trainer.trainStep();
    await hooks.onStep?.(record);
    const due = state.step === recipe.steps || (recipe.evalEvery > 0 && state.step % recipe.evalEvery === 0);
    if (!due) continue;
    const finished = await evaluate(trainer, hooks, stop);
    // In the middle of a run of non-finite steps the previous checkpoint stays the last good one.
    if (state.badStreak === 0 || !finished) await hooks.checkpoint?.(trainer);
    if (!finished) return 'interrupted';
  }
  return 'done';
}

/** The EMA evaluation (plus raw when asked) and a sample grid; false when cut short. */
async function evaluate(trainer: Trainer, hooks: LoopHooks, stop: () => boolean): Promise<boolean> {
  if (trainer.recipe.evalImages > 0) {
    const ema = await trainer.evaluate('ema', { shouldStop: stop, onProgress: hooks.onEvalProgress });
    if (!ema) return false;
    await hooks.onEval?.(ema);
    if (trainer.recipe.evalRaw) {
      // Before the first step the EMA is the raw weights: the same evaluation, not run twice.
      const raw = trainer.state.step === 0 ? { ...ema, weights: 'raw' as const, seconds: 0 } : await trainer.evaluate('raw', { shouldStop: stop, onProgress: hooks.onEvalProgress });
      if (!raw) return false;
      await hooks.onEval?.(raw);
    }
  }
  if (trainer.recipe.samples > 0) await hooks.onSamples?.(trainer.state.step, await trainer.sampleGrid(trainer.recipe.samples));
  return true;
}
