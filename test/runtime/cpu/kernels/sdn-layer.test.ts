// SDNLayer / ResSDNLayer composed from the kernels (project-in conv or transposed conv, tanh,
// sweeps in `dirs` order, 1×1 project-out; res: σ(gate)·cnn + (1 − σ(gate))·value), checked
// forward and backward against the golden cases.
import { describe, it } from 'vitest';
import { conv2d } from '../../../../runtime/cpu/kernels/conv2d.js';
import { convTranspose2d } from '../../../../runtime/cpu/kernels/conv-transpose2d.js';
import { sigmoid, tanh } from '../../../../runtime/cpu/kernels/elementwise.js';
import { type SweepDirection, sdnSweep } from '../../../../runtime/cpu/kernels/sdn-sweep.js';
import type { Shape4 } from '../../../../runtime/cpu/kernels/util.js';
import { type GoldenCase, expectGolden, goldenGru, loadGolden } from '../../../support/golden.js';
import { conv2dBackward, convTranspose2dBackward, sdnSweepBackward, tanhBackward } from '../../../support/backward-kernels.js';

type Grads = Record<string, Float32Array>;

/** Project-in: conv2d, or conv transpose when upsampling. */
function projectIn(c: GoldenCase, pre: string, x: Float32Array, xShape: Shape4) {
  const w = c.get(`${pre}weight`), wShape = c.shape(`${pre}weight`) as Shape4, b = c.get(`${pre}bias`);
  const { stride, padding, upsample } = c.config;
  const fwd = upsample ? convTranspose2d(x, xShape, w, wShape, b, stride, padding) : conv2d(x, xShape, w, wShape, b, stride, padding);
  const bwd = (g: Float32Array) =>
    upsample ? convTranspose2dBackward(g, x, xShape, w, wShape, stride, padding) : conv2dBackward(g, x, xShape, w, wShape, stride, padding);
  return { ...fwd, bwd };
}

/** SDNLayer with parameters under `pre`; returns y and a backward giving dx plus named grads. */
function sdnLayer(c: GoldenCase, pre: string, x: Float32Array, xShape: Shape4) {
  const dirs: SweepDirection[] = c.config.dirs;
  const inp = projectIn(c, `${pre}project_in_stage.`, x, xShape);
  const states = [tanh(inp.y)];
  dirs.forEach((d, i) => states.push(sdnSweep(states[i], inp.shape, goldenGru(c, `${pre}sdn_correction_stage.${i}.cell.gru.`), d)));
  const outW = c.get(`${pre}project_out_stage.weight`), outWShape = c.shape(`${pre}project_out_stage.weight`) as Shape4;
  const out = conv2d(states[dirs.length], inp.shape, outW, outWShape, c.get(`${pre}project_out_stage.bias`), 1, 0);
  const backward = (gy: Float32Array): { dx: Float32Array; grads: Grads } => {
    const grads: Grads = {};
    const o = conv2dBackward(gy, states[dirs.length], inp.shape, outW, outWShape, 1, 0);
    grads[`grad.${pre}project_out_stage.weight`] = o.dw;
    grads[`grad.${pre}project_out_stage.bias`] = o.dbias;
    let g = o.dx;
    for (let i = dirs.length - 1; i >= 0; i--) {
      const stage = `${pre}sdn_correction_stage.${i}.cell.gru.`;
      const s = sdnSweepBackward(g, states[i], inp.shape, goldenGru(c, stage), dirs[i]);
      Object.assign(grads, {
        [`grad.${stage}weight_ih`]: s.dwIh, [`grad.${stage}weight_hh`]: s.dwHh,
        [`grad.${stage}bias_ih`]: s.dbIh, [`grad.${stage}bias_hh`]: s.dbHh,
      });
      g = s.dx;
    }
    const p = inp.bwd(tanhBackward(g, states[0]));
    grads[`grad.${pre}project_in_stage.weight`] = p.dw;
    grads[`grad.${pre}project_in_stage.bias`] = p.dbias;
    return { dx: p.dx, grads };
  };
  return { y: out.y, shape: out.shape, backward };
}

/** Splits [B, 2C, H, W] into its two channel halves (torch.chunk(2, 1)). */
function chunk2(a: Float32Array, [B, C2, H, W]: Shape4): [Float32Array, Float32Array] {
  const half = (C2 / 2) * H * W;
  const lo = new Float32Array(B * half), hi = new Float32Array(B * half);
  for (let b = 0; b < B; b++) {
    lo.set(a.subarray(2 * b * half, (2 * b + 1) * half), b * half);
    hi.set(a.subarray((2 * b + 1) * half, (2 * b + 2) * half), b * half);
  }
  return [lo, hi];
}

function concat2(lo: Float32Array, hi: Float32Array, B: number): Float32Array {
  const half = lo.length / B;
  const out = new Float32Array(2 * lo.length);
  for (let b = 0; b < B; b++) {
    out.set(lo.subarray(b * half, (b + 1) * half), 2 * b * half);
    out.set(hi.subarray(b * half, (b + 1) * half), (2 * b + 1) * half);
  }
  return out;
}

function resSdnLayer(c: GoldenCase, x: Float32Array, xShape: Shape4) {
  const cnn = projectIn(c, 'cnn.', x, xShape);
  const sdn = sdnLayer(c, 'sdn.', x, xShape);
  const [value, gateRaw] = chunk2(sdn.y, sdn.shape);
  const gate = sigmoid(gateRaw);
  const y = cnn.y.map((v, i) => gate[i] * v + (1 - gate[i]) * value[i]);
  const backward = (gy: Float32Array) => {
    const dCnn = gy.map((g, i) => g * gate[i]);
    const dValue = gy.map((g, i) => g * (1 - gate[i]));
    const dGate = gy.map((g, i) => g * (cnn.y[i] - value[i]) * gate[i] * (1 - gate[i]));
    const s = sdn.backward(concat2(dValue, dGate, xShape[0]));
    const k = cnn.bwd(dCnn);
    const dx = s.dx.map((v, i) => v + k.dx[i]);
    return { dx, grads: { ...s.grads, 'grad.cnn.weight': k.dw, 'grad.cnn.bias': k.dbias } };
  };
  return { y, backward };
}

describe('SDN layers composed from kernels', () => {
  for (const name of ['sdn_layer_conv', 'sdn_layer_upsample', 'res_sdn_layer', 'res_sdn_layer_upsample']) {
    it(`matches the ${name} golden case, forward and backward`, () => {
      const c = loadGolden(name);
      const x = c.get('x');
      const xShape = c.shape('x') as Shape4;
      const layer = c.config.op === 'res_sdn_layer' ? resSdnLayer(c, x, xShape) : sdnLayer(c, '', x, xShape);
      const { dx, grads } = layer.backward(c.get('g_y'));
      const expected = c.names().filter((n) => n.startsWith('grad.'));
      const actual: Record<string, Float32Array> = { y: layer.y, 'grad.x': dx, ...grads };
      if (Object.keys(actual).length !== expected.length + 1) throw new Error(`${name}: gradient set mismatch`);
      expectGolden(c, actual);
    });
  }
});
