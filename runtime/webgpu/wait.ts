// Waiting for the GPU without spinning the CPU, in one place: every await on a WebGPU promise
// (queue work, buffer maps, pipeline compilation) goes through gpuWait.
//
// Dawn's Node bindings keep a pending promise moving by calling `device.Tick()` from a callback
// that re-queues itself through the global `setImmediate`, looked up again on every tick
// (AsyncRunner::QueueTick in src/dawn/node/binding/AsyncRunner.cpp,
// https://dawn.googlesource.com/dawn/+/refs/heads/main/src/dawn/node/binding/AsyncRunner.cpp).
// While lavapipe runs a long dispatch that is a busy loop on the main thread: measured here, it
// took 66 % of a core from lavapipe's two worker threads, and a pure-FMA kernel ran at 35 instead
// of 54 GFLOP/s. So while anything waits, `setImmediate` is a timer: of POLL_MS for the first
// FAST_TICKS ticks, so a short wait resolves at most POLL_MS late, then of SLOW_POLL_MS, so a
// long one (a training step) wakes the main thread a tenth as often. At 1 ms throughout, the
// main thread took 10–12 % of a core during a batch-32 training step on a slow day (`npm run
// bench` measures it); running the training graph alone at batch 32 (11.4 s a step), it took
// 5.6 % with 4 ms after the first ticks and 3.4 % with 10 ms, the step as fast. A timer also
// keeps the event loop alive,
// which Dawn does not always do for a pending onSubmittedWorkDone. In a browser nothing polls and
// this is a plain await.

const POLL_MS = 1, FAST_TICKS = 50, SLOW_POLL_MS = 10;

let waiting = 0;
let restore: (() => void) | undefined;

function throttleImmediates(): () => void {
  const g = globalThis as unknown as { setImmediate: typeof setImmediate; clearImmediate: typeof clearImmediate };
  const { setImmediate: set, clearImmediate: clear } = g;
  const timers = new WeakSet<object>();
  let ticks = 0;
  g.setImmediate = ((fn: (...a: unknown[]) => void, ...args: unknown[]) => {
    const t = setTimeout(fn, ticks++ < FAST_TICKS ? POLL_MS : SLOW_POLL_MS, ...args);
    timers.add(t);
    return t;
  }) as unknown as typeof setImmediate;
  // Code that clears an immediate it scheduled during the wait holds one of our timers.
  g.clearImmediate = ((h: NodeJS.Immediate | undefined) => {
    if (h && timers.has(h)) clearTimeout(h as unknown as NodeJS.Timeout);
    else clear(h);
  }) as typeof clearImmediate;
  return () => {
    g.setImmediate = set;
    g.clearImmediate = clear;
  };
}

const polls = () => typeof process !== 'undefined' && !!process.versions?.node && typeof setImmediate === 'function';

/** Awaits a GPU promise with Dawn's polling throttled (see above); nested and concurrent waits share it. */
export async function gpuWait<T>(p: Promise<T>): Promise<T> {
  if (!polls()) return p;
  if (waiting++ === 0) restore = throttleImmediates();
  const keepAlive = setInterval(() => undefined, 50);
  try {
    return await p;
  } finally {
    clearInterval(keepAlive);
    if (--waiting === 0) {
      restore?.();
      restore = undefined;
    }
  }
}
