// 2-D convolution (PyTorch nn.Conv2d: cross-correlation, weight [O, C, kh, kw], zero padding),
// optionally with a PixelCNN-style spatial mask multiplied into the weight.
import { type Arr, type Shape4, checkLen, checkShape, fromF64, numel } from './util.js';

export interface Conv2dResult<T extends Arr> {
  y: T;
  shape: Shape4;
}

/**
 * PixelCNN mask as in the authors' MaskedConv2d: type A zeroes the centre and everything after it
 * in raster order; type B keeps the centre.
 */
export function convMask(type: 'A' | 'B', O: number, C: number, kh: number, kw: number): Float32Array {
  const m = new Float32Array(O * C * kh * kw);
  const cy = Math.floor(kh / 2);
  const cx = Math.floor(kw / 2) + (type === 'B' ? 1 : 0);
  for (let oc = 0; oc < O * C; oc++) {
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        m[(oc * kh + ky) * kw + kx] = ky < cy || (ky === cy && kx < cx) ? 1 : 0;
      }
    }
  }
  return m;
}

export function conv2dOutputShape(xShape: Shape4, wShape: Shape4, stride: number, padding: number): Shape4 {
  checkShape('conv2d x', xShape, 4);
  checkShape('conv2d w', wShape, 4);
  const [B, C, H, W] = xShape;
  const [O, Cw, kh, kw] = wShape;
  if (Cw !== C) throw new Error(`conv2d: weight expects ${Cw} input channels, x has ${C}`);
  if (!(stride >= 1) || !(padding >= 0)) throw new Error(`conv2d: bad stride ${stride} / padding ${padding}`);
  const Ho = Math.floor((H + 2 * padding - kh) / stride) + 1;
  const Wo = Math.floor((W + 2 * padding - kw) / stride) + 1;
  if (Ho <= 0 || Wo <= 0) throw new Error(`conv2d: empty output for input ${H}x${W}, kernel ${kh}x${kw}`);
  return [B, O, Ho, Wo];
}

export function maskedWeight(w: Arr, wShape: Shape4, mask: Arr | null | undefined): Arr {
  checkLen('conv2d w', w, numel(wShape));
  if (!mask) return w;
  checkLen('conv2d mask', mask, w.length);
  const wm = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) wm[i] = w[i] * mask[i];
  return wm;
}

/** y = conv2d(x, w ⊙ mask) + bias. x [B, C, H, W], w [O, C, kh, kw], bias [O] | null. */
export function conv2d<T extends Arr>(
  x: T, xShape: Shape4, w: Arr, wShape: Shape4, bias: Arr | null,
  stride: number, padding: number, mask?: Arr | null,
): Conv2dResult<T> {
  const shape = conv2dOutputShape(xShape, wShape, stride, padding);
  const [B, C, H, W] = xShape;
  const [, O, Ho, Wo] = shape;
  const [, , kh, kw] = wShape;
  checkLen('conv2d x', x, numel(xShape));
  if (bias) checkLen('conv2d bias', bias, O);
  const wm = maskedWeight(w, wShape, mask);
  const y = new Float64Array(numel(shape));
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < O; o++) {
      const yBase = (b * O + o) * Ho * Wo;
      if (bias) y.fill(bias[o], yBase, yBase + Ho * Wo);
      for (let c = 0; c < C; c++) {
        const xBase = (b * C + c) * H * W;
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const wv = wm[((o * C + c) * kh + ky) * kw + kx];
            if (wv === 0) continue;
            for (let oy = 0; oy < Ho; oy++) {
              const iy = oy * stride - padding + ky;
              if (iy < 0 || iy >= H) continue;
              for (let ox = 0; ox < Wo; ox++) {
                const ix = ox * stride - padding + kx;
                if (ix < 0 || ix >= W) continue;
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


/** ∂L/∂w of `conv2d` alone (the conv2d_grad_weight op), summed over the batch; masked taps stay 0. */
export function conv2dWeightGrad<T extends Arr>(
  gy: T, x: Arr, xShape: Shape4, wShape: Shape4, stride: number, padding: number, mask?: Arr | null,
): T {
  const [B, C, H, W] = xShape;
  const [O, , kh, kw] = wShape;
  const [, , Ho, Wo] = conv2dOutputShape(xShape, wShape, stride, padding);
  checkLen('conv2dWeightGrad gy', gy, B * O * Ho * Wo);
  checkLen('conv2dWeightGrad x', x, numel(xShape));
  const dw = new Float64Array(numel(wShape));
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < O; o++) {
      const gBase = (b * O + o) * Ho * Wo;
      for (let c = 0; c < C; c++) {
        const xBase = (b * C + c) * H * W;
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const wi = ((o * C + c) * kh + ky) * kw + kx;
            if (mask && mask[wi] === 0) continue;
            let acc = 0;
            for (let oy = 0; oy < Ho; oy++) {
              const iy = oy * stride - padding + ky;
              if (iy < 0 || iy >= H) continue;
              for (let ox = 0; ox < Wo; ox++) {
                const ix = ox * stride - padding + kx;
                if (ix >= 0 && ix < W) acc += gy[gBase + oy * Wo + ox] * x[xBase + iy * W + ix];
              }
            }
            dw[wi] += acc;
          }
        }
      }
    }
  }
  return fromF64(gy, dw);
}
