// Forward implementations of the gradient ops (the ones compiler/autodiff emits), for the CPU
// reference interpreter. Each is the adjoint of a forward op, written with the same verified
// kernels, so a differentiated graph run here equals the tests' tape (test/support/tape.ts).
import { numel, type GradOp, type OpName } from '../ir.js';
import {
  type Shape4, conv2dWeightGrad, convMask, convTranspose2dWeightGrad, dlTerm, dmlLogProbBackward, linearBackward,
  sdnSweepGrad, sdnSweepGradWih, type SweepDirection,
} from './kernels/index.js';
import { attrNum, gruOf, shape4, tile, type ForwardFn } from './ops.js';

/** The weight shape a weight-gradient node produces, as [a, b, kh, kw]. */
const kernel4 = (shape: number[]): Shape4 => [shape[0], shape[1], shape[2], shape[3]];

/** Ops whose result is summed over the batch: unbatched even when their operands are batched. */
export const SUMS_BATCH: readonly OpName[] = ['batch_sum', 'conv2d_grad_weight', 'conv_transpose2d_grad_weight', 'linear_grad_weight', 'sweep_grad_wih'];

export const GRAD_FORWARD: Record<GradOp, ForwardFn> = {
  step: ([x], ctx) => {
    const y = ctx.alloc(x.data.length);
    for (let i = 0; i < y.length; i++) y[i] = x.data[i] > 0 ? 1 : 0;
    return y;
  },
  pad_channels: ([x], ctx) => {
    const [c] = ctx.inShapes[0], inner = numel(ctx.inShapes[0]) / c, before = attrNum(ctx.node, 'before');
    const per = numel(ctx.node.shape);
    const y = ctx.alloc(x.rows * per);
    for (let r = 0; r < x.rows; r++) y.set(x.data.subarray(r * c * inner, (r + 1) * c * inner), r * per + before * inner);
    return y;
  },
  sum_pool: ([x], ctx) => {
    const f = attrNum(ctx.node, 'factor'), [C, h, w] = ctx.node.shape, W = w * f, HW = h * f * W;
    const y = ctx.alloc(x.rows * C * h * w);
    for (let r = 0; r < x.rows; r++) {
      for (let c = 0; c < C; c++) {
        for (let i = 0; i < h * w; i++) {
          const oy = Math.floor(i / w), ox = i % w;
          let s = 0;
          for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) s += x.data[(r * C + c) * HW + (oy * f + dy) * W + ox * f + dx];
          y[(r * C + c) * h * w + i] = s;
        }
      }
    }
    return y;
  },
  dilate: ([x], ctx) => {
    const f = attrNum(ctx.node, 'factor'), [C, H, W] = ctx.node.shape, [, h, w] = ctx.inShapes[0];
    const y = ctx.alloc(x.rows * C * H * W);
    for (let r = 0; r < x.rows; r++) {
      for (let c = 0; c < C; c++) {
        for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) y[((r * C + c) * H + i * f) * W + j * f] = x.data[((r * C + c) * h + i) * w + j];
      }
    }
    return y;
  },
  batch_sum: ([x], ctx) => {
    const per = numel(ctx.inShapes[0]);
    const y = ctx.alloc(per);
    for (let r = 0; r < x.rows; r++) for (let j = 0; j < per; j++) y[j] += x.data[r * per + j];
    return y;
  },
  channel_sum: ([x], ctx) => {
    const [C] = ctx.inShapes[0], inner = numel(ctx.inShapes[0]) / C;
    const y = ctx.alloc(x.rows * C);
    for (let k = 0; k < x.rows * C; k++) {
      let s = 0;
      for (let j = 0; j < inner; j++) s += x.data[k * inner + j];
      y[k] = s;
    }
    return y;
  },
  conv2d_grad_weight: ([g, x], ctx) => {
    const ws = kernel4(ctx.node.shape), mask = ctx.node.attrs.mask ? convMask(ctx.node.attrs.mask as 'A' | 'B', ...ws) : null;
    return conv2dWeightGrad(g.data, tile(x, ctx.batch), shape4(ctx.batch, ctx.inShapes[1]), ws, attrNum(ctx.node, 'stride'), attrNum(ctx.node, 'padding'), mask);
  },
  conv_transpose2d_grad_weight: ([g, x], ctx) => {
    const ws = kernel4(ctx.node.shape);
    const dw = convTranspose2dWeightGrad(g.data, tile(x, ctx.batch), shape4(ctx.batch, ctx.inShapes[1]), ws, attrNum(ctx.node, 'stride'), attrNum(ctx.node, 'padding'));
    if (ctx.node.attrs.mask) {
      const m = convMask(ctx.node.attrs.mask as 'A' | 'B', ...ws);
      for (let i = 0; i < dw.length; i++) dw[i] *= m[i];
    }
    return dw;
  },
  linear_grad_weight: ([g, x], ctx) => {
    const [O, C] = ctx.node.shape;
    return linearBackward(g.data, tile(x, ctx.batch), ctx.batch, C, ctx.alloc(O * C), O).dw;
  },
  sweep_grad: ([g, x, , ...w], ctx) =>
    sdnSweepGrad(g.data, tile(x, ctx.rows), shape4(ctx.rows, ctx.inShapes[1]), gruOf(w, 0), attrNum(ctx.node, 'direction') as SweepDirection),
  sweep_grad_wih: ([dgi, y], ctx) =>
    sdnSweepGradWih(dgi.data, tile(y, ctx.batch), shape4(ctx.batch, ctx.inShapes[1]), attrNum(ctx.node, 'direction') as SweepDirection),
  // As the tape's free_bits rule (test/support/tape.ts): while λ > mean(kl), −Σg/n² reaches every example.
  free_bits_grad: ([g, kl], ctx) => {
    const n = ctx.rows;
    let mean = 0, gsum = 0;
    for (let r = 0; r < n; r++) {
      mean += kl.data[r] / n;
      gsum += g.data[r];
    }
    const shift = attrNum(ctx.node, 'lambda') > mean ? -gsum / (n * n) : 0;
    const d = ctx.alloc(n);
    for (let r = 0; r < n; r++) d[r] = g.data[r] + shift;
    return d;
  },
  dml_logp_grad: ([g, p, x], ctx) =>
    dmlLogProbBackward(tile(g, ctx.rows), tile(p, ctx.rows), tile(x, ctx.rows), shape4(ctx.rows, ctx.inShapes[2]),
      attrNum(ctx.node, 'mixtures'), attrNum(ctx.node, 'bits')),
  dl_logp_grad: ([g, m, ls, x], ctx) => {
    const per = numel(ctx.node.shape), bin = 1 / 2 ** attrNum(ctx.node, 'bits');
    const which = ctx.node.attrs.wrt === 'logscale' ? 2 : 1;
    const md = tile(m, ctx.rows), xd = tile(x, ctx.rows), gd = tile(g, ctx.rows);
    const r = new Float64Array(3);
    const y = ctx.alloc(ctx.rows * per);
    for (let j = 0; j < y.length; j++) {
      dlTerm(md[j], xd[j], ls.data[0], bin, r);
      y[j] = gd[Math.floor(j / per)] * r[which];
    }
    return y;
  },
};
