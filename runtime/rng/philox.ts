// Philox4x32-10 counter-based random numbers (Salmon et al., "Parallel random numbers: as easy
// as 1, 2, 3", SC'11; constants from Random123's philox.h), reproduced bit-for-bit by the WGSL
// in philox-wgsl.ts.
//
// Mapping (identical in TS and WGSL): element i of stream `stream` under seed `seed` is lane
// i % 4 of philox4x32(counter = [b mod 2^32, stream, floor(b / 2^32), 0], key = [seed, 0]) with
// b = floor(i / 4). WGSL indices are u32, so the third word is 0 there; TS accepts i < 2^53.
// Uniforms and normals drawn from the same (seed, stream) share bits: give independent draws
// distinct streams.
//
// uniform: the top 23 bits k of the lane word give (2k + 1) / 2^24, in [2^-24, 1 - 2^-24].
// (With the top 24 bits, (k + 0.5) / 2^24 needs 25 significant bits: in float32 it rounds, and
// k = 2^24 - 1 rounds to exactly 1.0. 23 bits keep every value exact and strictly inside (0, 1).)
//
// normal: Box-Muller on the lane pair (w0, w1) = lanes (2p, 2p + 1): lane 2p is r·cos θ, lane
// 2p + 1 is r·sin θ, with r = sqrt(-2 ln u), u = (w0 | 1) / 2^32, θ = 2π · w1 / 2^32. WGSL's
// log/sqrt/cos are not correctly rounded and GPU compilers may fuse a*b+c into an FMA, so no
// float arithmetic is used: log2, sqrt and cos are computed in u32 fixed point (exact and
// identical on every WGSL implementation) and the float32 result is assembled from its bits.
// Against exact Box-Muller on the same bits: within ~1 float32 ulp of max(1, |z|) for r > 0.01,
// and a few 1e-6 absolute below (where r is as coarse as u itself); see the tests.

export type U32x4 = [number, number, number, number];

export const PHILOX_M0 = 0xd2511f53;
export const PHILOX_M1 = 0xcd9e8d57;
export const PHILOX_W0 = 0x9e3779b9;
export const PHILOX_W1 = 0xbb67ae85;

/** Fixed-point constants shared with the WGSL (all plain u32). */
export const FX = {
  /** 2·ln 2 in Q2.30 (r² = 2 ln2 · (-log2 u)). */
  TWO_LN2: Math.round(2 * Math.LN2 * 2 ** 30),
  /** √2 in Q1.31 and the chord slope (√2 - 1/√2) / 1.5 in Q0.32: first guess of 1/√M on [0.5, 2). */
  SQRT2: Math.round(Math.SQRT2 * 2 ** 31),
  RSQRT_SLOPE: Math.round(((Math.SQRT2 - Math.SQRT1_2) / 1.5) * 2 ** 32),
  /** π/2 in Q1.31. */
  HALF_PI: Math.round((Math.PI / 2) * 2 ** 31),
  /** Divisors of the nested Taylor series sin x = x(1 - x²/6(1 - x²/20(...))), cos likewise. */
  SIN_DIV: [110, 72, 42, 20, 6],
  COS_DIV: [132, 90, 56, 30, 12, 2],
  NEWTON_STEPS: 4,
} as const;

/** High 32 bits of the 64-bit product of two u32, exact (16-bit halves keep every product < 2^32). */
export function mulhi(a: number, b: number): number {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const lh = al * bh, hl = ah * bl;
  const mid = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

export function philox4x32(counter: U32x4, key: [number, number]): U32x4 {
  let [c0, c1, c2, c3] = counter.map((v) => v >>> 0);
  let k0 = key[0] >>> 0, k1 = key[1] >>> 0;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + PHILOX_W0) >>> 0;
      k1 = (k1 + PHILOX_W1) >>> 0;
    }
    const hi0 = mulhi(PHILOX_M0, c0), lo0 = Math.imul(PHILOX_M0, c0) >>> 0;
    const hi1 = mulhi(PHILOX_M1, c2), lo1 = Math.imul(PHILOX_M1, c2) >>> 0;
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
  }
  return [c0, c1, c2, c3];
}

function checkArgs(seed: number, stream: number, offset: number, n: number): void {
  const u32 = (v: number) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
  if (!u32(seed) || !u32(stream)) throw new Error(`philox: seed ${seed} and stream ${stream} must be u32`);
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(n) || n < 0 || offset + n > 2 ** 53) {
    throw new Error(`philox: offset ${offset} and count ${n} must be non-negative integers within 2^53`);
  }
}

/** Calls fn(j, words) for each Philox block covering elements offset..offset+n-1 (j: first element). */
function forBlocks(seed: number, stream: number, offset: number, n: number, fn: (j: number, w: U32x4) => void): void {
  const key: [number, number] = [seed, 0];
  for (let b = Math.floor(offset / 4); b * 4 < offset + n; b++) {
    fn(b * 4 - offset, philox4x32([b >>> 0, stream, Math.floor(b / 2 ** 32), 0], key));
  }
}

/** Float32 value (2k + 1) / 2^24 of the top 23 bits k of a Philox word. */
export function uniformFromBits(w: number): number {
  return ((w >>> 9) * 2 + 1) * 2 ** -24;
}

export function uniforms(seed: number, stream: number, offset: number, n: number): Float32Array {
  checkArgs(seed, stream, offset, n);
  const out = new Float32Array(n);
  forBlocks(seed, stream, offset, n, (j, w) => {
    for (let l = 0; l < 4; l++) if (j + l >= 0 && j + l < n) out[j + l] = uniformFromBits(w[l]);
  });
  return out;
}

/**
 * -log2((w | 1) / 2^32) = P - log2 m, P = nlz + 1 in [1, 32], m in [1, 2), as a u32 with
 * 32 - F integer bits: F = 32 - bitlength(P), so small values (w near 2^32) keep 31 fraction bits.
 */
function negLog2(w: number): { l: number; f: number } {
  const q = (w | 1) >>> 0;
  const nlz = Math.clz32(q);
  let x = (q << nlz) >>> 0; // m = x / 2^31; (w | 1) / 2^32 = m · 2^-(nlz + 1)
  let log2m = 0; // Q0.31, one bit per squaring: m² >= 2 ⇔ next bit of log2 m is 1
  for (let i = 30; i >= 0; i--) {
    const hi = mulhi(x, x), lo = Math.imul(x, x) >>> 0;
    if (hi >= 0x80000000) {
      log2m = (log2m | (1 << i)) >>> 0;
      x = hi; // m² / 2 in Q1.31
    } else {
      x = ((hi << 1) | (lo >>> 31)) >>> 0; // m² in Q1.31
    }
  }
  const p = nlz + 1;
  const bl = 32 - Math.clz32(p);
  return { l: ((p << (32 - bl)) - (log2m >>> (bl - 1))) >>> 0, f: 32 - bl };
}

/** Normal magnitude sqrt(-2 ln u) as a Q2.30 mantissa and a power-of-two exponent. */
function radius(w0: number): { m: number; e: number } {
  const { l, f } = negLog2(w0);
  const r2 = mulhi(l, FX.TWO_LN2); // r² = r2 · 2^-F, F = f - 2; r2 < 1.39 · 2^30
  if (r2 === 0) return { m: 0, e: 0 };
  const F = f - 2;
  const k = Math.clz32(r2) - ((Math.clz32(r2) + F + 1) & 1); // F + k odd: the exponent below is even
  const nm = (r2 << k) >>> 0; // M = nm / 2^31 in [0.5, 2); r² = M · 2^(31 - F - k)
  let y = (FX.SQRT2 - mulhi(nm - 0x40000000, FX.RSQRT_SLOPE)) >>> 0; // ~1/√M, Q1.31
  for (let s = 0; s < FX.NEWTON_STEPS; s++) {
    const my2 = mulhi(nm, mulhi(y, y)); // M·y², Q3.29
    y = (mulhi(y, (3 * 0x20000000 - my2) >>> 0) << 2) >>> 0; // y(3 - M·y²)/2, Q1.31
  }
  return { m: mulhi(nm, y), e: (31 - F - k) / 2 }; // √M in Q2.30
}

/** |cos| (Q1.31) and sign of 2π · w / 2^32; sin θ is cos of w - 2^30. */
function cosTurn(w: number): { c: number; neg: boolean } {
  const quadrant = w >>> 30;
  let t = (w << 2) >>> 0; // position in the quadrant, Q0.32
  let useSin = quadrant === 1 || quadrant === 3; // cos(qπ/2 + x) = ±cos x or ∓sin x
  if (t > 0x80000000) {
    t = (0 - t) >>> 0;
    useSin = !useSin;
  }
  const x = (mulhi(t, FX.HALF_PI) << 1) >>> 0; // angle in [0, π/4], Q0.32
  const y = mulhi(x, x);
  let h = 0x80000000; // 1.0 in Q1.31
  for (const d of useSin ? FX.SIN_DIV : FX.COS_DIV) h = (0x80000000 - mulhi(Math.floor(y / d), h)) >>> 0;
  return { c: useSin ? mulhi(x, h) : h, neg: quadrant === 1 || quadrant === 2 };
}

/** Float32 bits of ±p · 2^e for u32 p < 2^31, rounded (half up) to 24 significant bits. */
function f32Bits(p: number, e: number, neg: boolean): number {
  if (p === 0) return 0;
  const len = 32 - Math.clz32(p);
  let m: number;
  if (len > 24) {
    const sh = len - 24;
    m = (p >>> sh) + ((p >>> (sh - 1)) & 1);
    e += sh;
    if (m === 0x1000000) {
      m = 0x800000;
      e += 1;
    }
  } else {
    m = (p << (24 - len)) >>> 0;
    e -= 24 - len;
  }
  return ((neg ? 0x80000000 : 0) | ((e + 150) << 23) | (m & 0x7fffff)) >>> 0;
}

/** Float32 bits of the Box-Muller normal for lane pair (w0, w1); `odd` selects the sin lane. */
export function normalBits(w0: number, w1: number, odd: boolean): number {
  const r = radius(w0);
  const { c, neg } = cosTurn(odd ? (w1 - 0x40000000) >>> 0 : w1);
  return f32Bits(mulhi(r.m, c), r.e - 29, neg); // Q2.30 · Q1.31 → Q3.29
}

export function normals(seed: number, stream: number, offset: number, n: number): Float32Array {
  checkArgs(seed, stream, offset, n);
  const bits = new Uint32Array(n);
  forBlocks(seed, stream, offset, n, (j, w) => {
    for (let l = 0; l < 4; l++) {
      if (j + l >= 0 && j + l < n) bits[j + l] = normalBits(w[l & 2], w[(l & 2) + 1], (l & 1) === 1);
    }
  });
  return new Float32Array(bits.buffer);
}
