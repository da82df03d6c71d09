// Transposed 2-D convolution (PyTorch nn.ConvTranspose2d, output_padding 0, no groups/dilation):
// weight [C_in, C_out, kh, kw]; input pixel (iy, ix) scatters into output (iy·s − p + ky, ix·s − p + kx).
import { type Arr, type Shape4, checkLen, checkShape, fromF64, numel } from './util.js';
import type { Conv2dResult } from './conv2d.js';

/** Output shape [B, C_out, (H−1)·s − 2p + kh, (W−1)·s − 2p + kw]. */
export function convTranspose2dOutputShape(xShape: Shape4, wShape: Shape4, stride: number, padding: number): Shape4 {
  checkShape('convTranspose2d x', xShape, 4);
  checkShape('convTranspose2d w', wShape, 4);
  const [B, C, H, W] = xShape;
  const [Cw, O, kh, kw] = wShape;
  if (Cw !== C) throw new Error(`convTranspose2d: weight expects ${Cw} input channels, x has ${C}`);
  if (!(stride >= 1) || !(padding >= 0)) throw new Error(`convTranspose2d: bad stride ${stride} / padding ${padding}`);
  const Ho = (H - 1) * stride - 2 * padding + kh;
  const Wo = (W - 1) * stride - 2 * padding + kw;
  if (Ho <= 0 || Wo <= 0) throw new Error(`convTranspose2d: empty output for input ${H}x${W}`);
  return [B, O, Ho, Wo];
}

/** x [B, C_in, H, W], w [C_in, C_out, kh, kw], bias [C_out] | null. */
export function convTranspose2d<T extends Arr>(
  x: T, xShape: Shape4, w: Arr, wShape: Shape4, bias: Arr | null, stride: number, padding: number,
): Conv2dResult<T> {
  const shape = convTranspose2dOutputShape(xShape, wShape, stride, padding);
  const [B, C, H, W] = xShape;
  const [, O, Ho, Wo] = shape;
  const [, , kh, kw] = wShape;
  checkLen('convTranspose2d x', x, numel(xShape));
  checkLen('convTranspose2d w', w, numel(wShape));
  if (bias) checkLen('convTranspose2d bias', bias, O);
  const y = new Float64Array(numel(shape));
  for (let b = 0; b < B; b++) {
    if (bias) for (let o = 0; o < O; o++) y.fill(bias[o], (b * O + o) * Ho * Wo, (b * O + o + 1) * Ho * Wo);
    for (let c = 0; c < C; c++) {
      const xBase = (b * C + c) * H * W;
      for (let o = 0; o < O; o++) {
        const yBase = (b * O + o) * Ho * Wo;
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const wv = w[((c * O + o) * kh + ky) * kw + kx];
            for (let iy = 0; iy < H; iy++) {
              const oy = iy * stride - padding + ky;
              if (oy < 0 || oy >= Ho) continue;
              for (let ix = 0; ix < W; ix++) {
                const ox = ix * stride - padding + kx;
                if (ox < 0 || ox >= Wo) continue;
                y[yBase + oy * Wo + ox] += wv * x[xBase + iy * W + ix];
              }
            }
          }
        }
      }
    }
  }
  return { y: fromF64(x, y), shape };
}


/** ∂L/∂w of `convTranspose2d` alone (the conv_transpose2d_grad_weight op), summed over the batch. */
export function convTranspose2dWeightGrad<T extends Arr>(gy: T, x: Arr, xShape: Shape4, wShape: Shape4, stride: number, padding: number): T {
  const [B, C, H, W] = xShape;
  const [, O, kh, kw] = wShape;
  const [, , Ho, Wo] = convTranspose2dOutputShape(xShape, wShape, stride, padding);
  checkLen('convTranspose2dWeightGrad gy', gy, B * O * Ho * Wo);
  checkLen('convTranspose2dWeightGrad x', x, numel(xShape));
  const dw = new Float64Array(numel(wShape));
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const xBase = (b * C + c) * H * W;
      for (let o = 0; o < O; o++) {
        const gBase = (b * O + o) * Ho * Wo;
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            let acc = 0;
            for (let iy = 0; iy < H; iy++) {
              const oy = iy * stride - padding + ky;
              if (oy < 0 || oy >= Ho) continue;
              for (let ix = 0; ix < W; ix++) {
                const ox = ix * stride - padding + kx;
                if (ox >= 0 && ox < Wo) acc += gy[gBase + oy * Wo + ox] * x[xBase + iy * W + ix];
              }
            }
            dw[((c * O + o) * kh + ky) * kw + kx] += acc;
          }
        }
      }
    }
  }
  return fromF64(gy, dw);
}
