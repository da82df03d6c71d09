// Shared types and small helpers for the CPU reference kernels.
// Kernels accept Float32Array or Float64Array; outputs use the same array type as the main input, so
// float32 storage is the default while tests can run whole computations in float64 for gradient checks.

export type Arr = Float32Array | Float64Array;
/** [B, C, H, W] (NCHW) or, for weights, [O, C, kh, kw]. */
export type Shape4 = [number, number, number, number];

/** A zero-filled array of `n` elements with the same element type as `like`. */
export function allocLike<T extends Arr>(like: T, n: number): T {
  return new (like.constructor as new (n: number) => T)(n);
}

/** Copies float64 accumulators into a fresh array of the same type as `like`. */
export function fromF64<T extends Arr>(like: T, src: Float64Array): T {
  const out = allocLike(like, src.length);
  out.set(src);
  return out;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function checkLen(what: string, arr: ArrayLike<number> | null | undefined, n: number): void {
  if (!arr) throw new Error(`${what}: missing array (expected ${n} elements)`);
  if (arr.length !== n) throw new Error(`${what}: expected ${n} elements, got ${arr.length}`);
}

export function checkShape(what: string, shape: readonly number[], rank: number): void {
  if (shape.length !== rank || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new Error(`${what}: expected a shape of ${rank} positive integers, got [${shape.join(', ')}]`);
  }
}
