// The IAF posterior (authors' IAF.reparameterize with one flow step through ARCNN) composed from the
// kernels and checked forward and backward against the iaf_posterior golden case.
import { describe, it } from 'vitest';
import { conv2d, convMask } from '../../../../runtime/cpu/kernels/conv2d.js';
import { elu } from '../../../../runtime/cpu/kernels/elementwise.js';
import type { Shape4 } from '../../../../runtime/cpu/kernels/util.js';
import { expectGolden, loadGolden } from '../../../support/golden.js';
import { conv2dBackward, eluBackward } from '../../../support/backward-kernels.js';

/** Channels [c0, c1) of a [B, C, H, W] tensor. */
function channels(a: Float32Array, [B, C, H, W]: Shape4, c0: number, c1: number): Float32Array {
  const out = new Float32Array(B * (c1 - c0) * H * W);
  for (let b = 0; b < B; b++) out.set(a.subarray((b * C + c0) * H * W, (b * C + c1) * H * W), b * (c1 - c0) * H * W);
  return out;
}

/** Concatenates [B, C_i, H, W] tensors along channels. */
function cat(parts: Float32Array[], B: number): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (let b = 0; b < B; b++) {
    for (const p of parts) {
      const n = p.length / B;
      out.set(p.subarray(b * n, (b + 1) * n), o);
      o += n;
    }
  }
  return out;
}

describe('IAF posterior composed from kernels', () => {
  it('matches the iaf_posterior golden case, forward and backward', () => {
    const c = loadGolden('iaf_posterior');
    const { z_size: Z, context_size: K } = c.config;
    const q = c.get('q'), eps = c.get('eps');
    const qShape = c.shape('q') as Shape4;
    const [B, , H, W] = qShape;
    const zShape: Shape4 = [B, Z, H, W];
    const hShape: Shape4 = [B, K, H, W];
    const conv = (name: string, type: 'A' | 'B') => {
      const w = c.get(`arnn.${name}.weight`), ws = c.shape(`arnn.${name}.weight`) as Shape4;
      return { w, ws, b: c.get(`arnn.${name}.bias`), m: convMask(type, ...ws) };
    };
    const ca = conv('conv_a', 'A'), c1 = conv('conv_b.1', 'B'), c3 = conv('conv_b.3', 'B');

    // Forward.
    const mean = channels(q, qShape, 0, Z), lv = channels(q, qShape, Z, 2 * Z), ctx = channels(q, qShape, 2 * Z, 2 * Z + K);
    const std = lv.map((v) => Math.exp(0.5 * v));
    const z0 = mean.map((m, i) => m + eps[i] * std[i]);
    const h1 = conv2d(z0, zShape, ca.w, ca.ws, ca.b, 1, 1, ca.m).y.map((v, i) => v + ctx[i]);
    const b1 = conv2d(elu(h1), hShape, c1.w, c1.ws, c1.b, 1, 1, c1.m).y;
    const e2 = elu(b1);
    const b3 = conv2d(e2, hShape, c3.w, c3.ws, c3.b, 1, 1, c3.m).y;
    const m = channels(b3, [B, 2 * Z, H, W], 0, Z).map((v) => 0.1 * v);
    const s = channels(b3, [B, 2 * Z, H, W], Z, 2 * Z).map((v) => 0.1 * v);
    const z = z0.map((v, i) => (v - m[i]) / Math.exp(s[i]));
    const per = Z * H * W;
    const logq = new Float64Array(B);
    for (let i = 0; i < B * per; i++) {
      const b = Math.floor(i / per);
      logq[b] += -Math.log(std[i]) - 0.5 * Math.log(2 * Math.PI) - 0.5 * eps[i] ** 2 + s[i];
    }

    // Backward for Σ <z, g_z> + <logq, g_logq>.
    const gz = c.get('g_z'), glogq = c.get('g_logq');
    const gq = (i: number) => glogq[Math.floor(i / per)];
    const dz0 = gz.map((g, i) => g * Math.exp(-s[i]));
    const dm = dz0.map((v) => -0.1 * v);
    const ds = gz.map((g, i) => 0.1 * (-g * z[i] + gq(i)));
    const g3 = conv2dBackward(cat([dm, ds], B), e2, hShape, c3.w, c3.ws, 1, 1, c3.m);
    const g1 = conv2dBackward(eluBackward(g3.dx, b1), elu(h1), hShape, c1.w, c1.ws, 1, 1, c1.m);
    const dh1 = eluBackward(g1.dx, h1);
    const ga = conv2dBackward(dh1, z0, zShape, ca.w, ca.ws, 1, 1, ca.m);
    const dz0All = dz0.map((v, i) => v + ga.dx[i]);
    const dlv = dz0All.map((v, i) => v * eps[i] * 0.5 * std[i] - 0.5 * gq(i));

    expectGolden(c, {
      z,
      logq,
      'grad.q': cat([dz0All, dlv, dh1], B),
      'grad.arnn.conv_a.weight': ga.dw,
      'grad.arnn.conv_a.bias': ga.dbias,
      'grad.arnn.conv_b.1.weight': g1.dw,
      'grad.arnn.conv_b.1.bias': g1.dbias,
      'grad.arnn.conv_b.3.weight': g3.dw,
      'grad.arnn.conv_b.3.bias': g3.dbias,
    });
  });
});
