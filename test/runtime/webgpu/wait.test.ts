// gpuWait: while a GPU promise is pending, Dawn's setImmediate polling becomes a timer (1 ms
// for the first 50 ticks, 10 ms after); afterwards (and after nested or concurrent waits) the
// real setImmediate is back.
import { describe, expect, it } from 'vitest';
import { gpuWait } from '../../../runtime/webgpu/wait.js';

const later = <T>(v: T, ms: number) => new Promise<T>((r) => setTimeout(() => r(v), ms));

describe('gpuWait', () => {
  it('throttles setImmediate only while something waits, nested and concurrent waits included', async () => {
    const real = globalThis.setImmediate, realClear = globalThis.clearImmediate;
    let during: typeof setImmediate | undefined;
    const inner = async () => {
      await null; // gpuWait is entered once this promise exists, as with a GPU call's promise
      during = globalThis.setImmediate;
      // Polling as Dawn does: a callback that re-queues itself through the global.
      let ticks = 0;
      await new Promise<void>((done) => {
        const tick = () => (++ticks >= 20 ? done() : globalThis.setImmediate(tick));
        globalThis.setImmediate(tick);
      });
      return { ticks };
    };
    const [r, v] = await Promise.all([gpuWait(inner()), gpuWait(later(7, 30))]);
    expect(v).toBe(7);
    expect(during).not.toBe(real);
    expect(r.ticks).toBe(20);
    expect(globalThis.setImmediate).toBe(real);
    expect(globalThis.clearImmediate).toBe(realClear);
  });

  it('polls every 1 ms for the first 50 ticks of a wait, every 10 ms after', async () => {
    const realTimeout = globalThis.setTimeout, delays: number[] = [];
    globalThis.setTimeout = ((fn: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return realTimeout(fn, 0);
    }) as typeof setTimeout;
    try {
      await gpuWait((async () => {
        await null;
        await new Promise<void>((done) => {
          let ticks = 0;
          const tick = () => (++ticks >= 60 ? done() : globalThis.setImmediate(tick));
          globalThis.setImmediate(tick);
        });
      })());
    } finally {
      globalThis.setTimeout = realTimeout;
    }
    expect(delays).toEqual([...Array(50).fill(1), ...Array(10).fill(10)]);
  });

  it('clears a throttled immediate, and passes a rejection through with the real setImmediate back', async () => {
    const real = globalThis.setImmediate;
    let fired = false;
    await gpuWait((async () => {
      const h = globalThis.setImmediate(() => (fired = true));
      globalThis.clearImmediate(h);
      await later(undefined, 10);
    })());
    expect(fired).toBe(false);
    await expect(gpuWait(Promise.reject(new Error('device lost')))).rejects.toThrow('device lost');
    expect(globalThis.setImmediate).toBe(real);
  });
});
