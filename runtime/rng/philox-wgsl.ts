// WGSL twin of philox.ts, to be pasted into generated kernels. Every step is u32 integer
// arithmetic (wrapping add/mul, shifts < 32, countLeadingZeros, division by constants), which
// WGSL defines exactly, so the results are bit-identical to the TypeScript on any device. The
// float32 normal is assembled from its bits; see philox.ts for the mapping and formats.
//
// Functions defined (all helpers are prefixed `philox_`):
//   philox4x32(ctr: vec4<u32>, key: vec2<u32>) -> vec4<u32>
//   uniform_at(seed: u32, stream: u32, index: u32) -> f32   in [2^-24, 1 - 2^-24]
//   normal_at(seed: u32, stream: u32, index: u32) -> f32    standard normal
import { FX, PHILOX_M0, PHILOX_M1, PHILOX_W0, PHILOX_W1 } from './philox.js';

const u = (v: number) => `0x${(v >>> 0).toString(16)}u`;

/** h = 1 - (y / d) · h for each divisor, innermost first: the nested Taylor series. */
const horner = (divs: readonly number[]) =>
  divs.map((d) => `    h = 0x80000000u - philox_mulhi(y / ${d}u, h);`).join('\n');

export const PHILOX_WGSL = /* wgsl */ `
fn philox_mulhi(a: u32, b: u32) -> u32 {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let lh = al * bh;
  let hl = ah * bl;
  let mid = ((al * bl) >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
}

fn philox4x32(ctr: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = ctr;
  var k = key;
  for (var r = 0u; r < 10u; r++) {
    let hi0 = philox_mulhi(${u(PHILOX_M0)}, c.x);
    let lo0 = ${u(PHILOX_M0)} * c.x;
    let hi1 = philox_mulhi(${u(PHILOX_M1)}, c.z);
    let lo1 = ${u(PHILOX_M1)} * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    k = k + vec2<u32>(${u(PHILOX_W0)}, ${u(PHILOX_W1)});
  }
  return c;
}

fn philox_block(seed: u32, stream: u32, index: u32) -> vec4<u32> {
  return philox4x32(vec4<u32>(index >> 2u, stream, 0u, 0u), vec2<u32>(seed, 0u));
}

fn uniform_at(seed: u32, stream: u32, index: u32) -> f32 {
  let w = philox_block(seed, stream, index)[index & 3u];
  return f32((w >> 9u) * 2u + 1u) * ${2 ** -24};
}

// -log2((w | 1) / 2^32) as (value, fraction bits): see negLog2 in philox.ts.
fn philox_neg_log2(w: u32) -> vec2<u32> {
  let q = w | 1u;
  let nlz = countLeadingZeros(q);
  var x = q << nlz;
  var log2m = 0u;
  for (var i = 31u; i > 0u; i--) {
    let hi = philox_mulhi(x, x);
    let lo = x * x;
    if (hi >= 0x80000000u) {
      log2m = log2m | (1u << (i - 1u));
      x = hi;
    } else {
      x = (hi << 1u) | (lo >> 31u);
    }
  }
  let p = nlz + 1u;
  let bl = 32u - countLeadingZeros(p);
  return vec2<u32>((p << (32u - bl)) - (log2m >> (bl - 1u)), 32u - bl);
}

// (|cos(2π w / 2^32)| in Q1.31, 1 if negative).
fn philox_cos_turn(w: u32) -> vec2<u32> {
  let quadrant = w >> 30u;
  var t = w << 2u;
  var use_sin = (quadrant & 1u) == 1u;
  if (t > 0x80000000u) {
    t = 0u - t;
    use_sin = !use_sin;
  }
  let x = philox_mulhi(t, ${u(FX.HALF_PI)}) << 1u;
  let y = philox_mulhi(x, x);
  var h = 0x80000000u;
  if (use_sin) {
${horner(FX.SIN_DIV)}
    h = philox_mulhi(x, h);
  } else {
${horner(FX.COS_DIV)}
  }
  return vec2<u32>(h, select(0u, 1u, quadrant == 1u || quadrant == 2u));
}

// Float32 bits of the Box-Muller normal of lane pair (w0, w1); odd: the sin lane.
fn philox_normal_bits(w0: u32, w1: u32, odd: bool) -> u32 {
  let nl = philox_neg_log2(w0);
  let r2 = philox_mulhi(nl.x, ${u(FX.TWO_LN2)});
  if (r2 == 0u) {
    return 0u;
  }
  let F = nl.y - 2u;
  let k = countLeadingZeros(r2) - ((countLeadingZeros(r2) + F + 1u) & 1u);
  let nm = r2 << k;
  var y = ${u(FX.SQRT2)} - philox_mulhi(nm - 0x40000000u, ${u(FX.RSQRT_SLOPE)});
  for (var s = 0u; s < ${FX.NEWTON_STEPS}u; s++) {
    let my2 = philox_mulhi(nm, philox_mulhi(y, y));
    y = philox_mulhi(y, 0x60000000u - my2) << 2u;
  }
  let cs = philox_cos_turn(select(w1, w1 - 0x40000000u, odd));
  let p = philox_mulhi(philox_mulhi(nm, y), cs.x);
  if (p == 0u) {
    return 0u;
  }
  var e = (31 - i32(F) - i32(k)) / 2 - 29;
  let len = 32u - countLeadingZeros(p);
  var m: u32;
  if (len > 24u) {
    let sh = len - 24u;
    m = (p >> sh) + ((p >> (sh - 1u)) & 1u);
    e += i32(sh);
    if (m == 0x1000000u) {
      m = 0x800000u;
      e += 1;
    }
  } else {
    m = p << (24u - len);
    e -= i32(24u - len);
  }
  return (cs.y << 31u) | (u32(e + 150) << 23u) | (m & 0x7fffffu);
}

fn normal_at(seed: u32, stream: u32, index: u32) -> f32 {
  let b = philox_block(seed, stream, index);
  let lane = index & 3u;
  return bitcast<f32>(philox_normal_bits(b[lane & 2u], b[(lane & 2u) + 1u], (lane & 1u) == 1u));
}
`;
