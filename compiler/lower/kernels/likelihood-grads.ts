// dml_logp_grad: g · ∂dml_logp/∂params, after runtime/cpu/kernels/dml.ts (dmlLogProbBackward).
// One invocation per (example, pixel) computes the pixel's mixture as the forward dmlTerm does,
// then writes all K = M·(1 + 3C) gradient entries of that pixel.
import type { IrNode } from '../../../runtime/ir.js';
import { DML_EDGE, DML_MIN_DELTA, DML_MIN_LOG_SCALE, LOG_FLOOR } from '../../../runtime/likelihood-constants.js';
import type { KernelSpec } from '../../../runtime/program.js';
import { ExprGen } from '../expr.js';
import type { Loc, LowerState } from '../state.js';
import { Body, decimal, f32, KernelBuilder } from '../wgsl.js';
import { threadMain } from './common.js';
import { ONE_MINUS_EXP } from './likelihoods.js';

// logisticBin: (log P(bin), ∂/∂centered, ∂/∂log-scale). The interior bin mass and the difference
// of the two densities are written without f32 cancellation (see ONE_MINUS_EXP).
const DML_BIN_GRAD = `fn sdn_dml_bin_grad(xc: f32, centered: f32, ls: f32, bin: f32) -> vec3<f32> {
  let inv = exp(-ls);
  let pin = inv * (centered + bin);
  let mn = inv * (centered - bin);
  if (xc < -${DML_EDGE}) {
    let d = sdn_sigmoid(-pin);
    return vec3<f32>(pin - sdn_softplus(pin), d * inv, -d * pin);
  }
  if (xc > ${DML_EDGE}) {
    let d = -sdn_sigmoid(mn);
    return vec3<f32>(-sdn_softplus(mn), d * inv, -d * mn);
  }
  let cp = sdn_sigmoid(pin);
  let cm = sdn_sigmoid(mn);
  let delta = cp * sdn_sigmoid(-mn) * sdn_one_minus_exp(pin - mn);
  if (delta > ${decimal(DML_MIN_DELTA)}) {
    let dsum = sdn_sigmoid(-pin) - cm;
    let dp = cp * sdn_sigmoid(-pin) / delta;
    return vec3<f32>(log(max(delta, ${decimal(LOG_FLOOR)})), inv * dsum, -(dsum * mn + dp * (pin - mn)));
  }
  let mid = inv * centered;
  let d = 1.0 - 2.0 * sdn_sigmoid(mid);
  return vec3<f32>(mid - ls - 2.0 * sdn_softplus(mid) - log(0.5 / bin), d * inv, -d * mid - 1.0);
}`;

export function dmlGradKernel(st: LowerState, name: string, node: IrNode, out: Loc, nodes: number[]): KernelSpec {
  const kb = new KernelBuilder();
  const body = new Body();
  const gen = new ExprGen(st, kb, body);
  const L = (e: string) => body.let(e);
  const M = node.attrs.mixtures as number;
  const [gIn, pIn, xIn] = node.inputs;
  const [C, H, W] = st.graph.nodes[xIn].shape;
  const hw = H * W, K = M * (1 + 3 * C);
  const wg = st.opts.workgroupSize;
  const o = kb.buf(out.buffer, 'read_write');
  const b = node.batched ? L(`tid / ${kb.dim(hw, 'hw')}`) : '0u';
  const s = node.batched ? L(`tid % ${kb.dim(hw, 'hw')}`) : 'tid';
  const at = (k: number) => L(k === 0 ? s : `${s} + ${kb.dim(hw, 'hw')} * ${k}u`);
  const p = (k: number) => gen.value(pIn, b, at(k));
  kb.helper('sigmoid');
  kb.helper('softplus');
  kb.helper('one_minus_exp', ONE_MINUS_EXP);
  const binGrad = kb.helper('dml_bin_grad', DML_BIN_GRAD);
  const tanh = kb.helper('tanh');
  const g = gen.value(gIn, b, '0u');
  const xs = [...Array(C).keys()].map((c) => gen.value(xIn, b, at(c)));
  const base = (c: number) => M + c * 3 * M;
  const logits = [...Array(M).keys()].map((m) => p(m));
  const lmax = logits.reduce((a, v) => L(`max(${a}, ${v})`));
  const logZ = L(`${lmax} + log(${logits.map((v) => `exp(${v} - ${lmax})`).join(' + ')})`);
  const coeff = (c: number, m: number) => L(`${tanh}(${p(base(c) + 2 * M + m)})`);
  // r[m][c]: the logistic bin of channel c under component m (log-prob, ∂/∂centered, ∂/∂log-scale).
  const r = logits.map((_, m) => xs.map((x, c) => {
    let mean = p(base(c) + m);
    if (c === 1) mean = L(`${mean} + ${coeff(0, m)} * ${xs[0]}`);
    if (c === 2) mean = L(`${mean} + ${coeff(1, m)} * ${xs[0]} + ${coeff(2, m)} * ${xs[1]}`);
    const ls = L(`max(${p(base(c) + M + m)}, ${decimal(DML_MIN_LOG_SCALE)})`);
    return L(`${binGrad}(${x}, ${x} - ${mean}, ${ls}, ${f32(1 / (2 ** (node.attrs.bits as number) - 1))})`);
  }));
  const totals = logits.map((lg, m) => L([`${lg} - ${logZ}`, ...r[m].map((v) => `${v}.x`)].join(' + ')));
  const tmax = totals.reduce((a, v) => L(`max(${a}, ${v})`));
  const lp = L(`${tmax} + log(${totals.map((v) => `exp(${v} - ${tmax})`).join(' + ')})`);
  const grad: string[] = new Array(K).fill('0.0');
  logits.forEach((lg, m) => {
    const w = L(`${g} * exp(${totals[m]} - ${lp})`);
    grad[m] = L(`${w} - ${g} * exp(${lg} - ${logZ})`);
    const dMean = xs.map((_, c) => L(`-${r[m][c]}.y * ${w}`));
    dMean.forEach((d, c) => {
      grad[base(c) + m] = d;
      grad[base(c) + M + m] = L(`select(0.0, ${r[m][c]}.z * ${w}, ${p(base(c) + M + m)} >= ${decimal(DML_MIN_LOG_SCALE)})`);
    });
    const coeffGrad = (cc: number, v: string) => {
      const t = coeff(cc, m);
      grad[base(cc) + 2 * M + m] = L(`${v} * (1.0 - ${t} * ${t})`);
    };
    if (C > 1) coeffGrad(0, L(`${dMean[1]} * ${xs[0]}`));
    if (C > 2) {
      coeffGrad(1, L(`${dMean[2]} * ${xs[0]}`));
      coeffGrad(2, L(`${dMean[2]} * ${xs[1]}`));
    }
  });
  grad.forEach((v, k) => body.stmt(`${o}[${gen.address(out, node, b, at(k), true)}] = ${v};`));
  return {
    name, wgsl: kb.module(threadMain(wg, body.text())), dims: kb.dims(), entry: 'main', bindings: kb.specBindings(),
    threads: node.batched ? { perExample: hw, fixed: 0 } : { perExample: 0, fixed: hw },
    workgroupSize: wg, nodes, ...(node.source ? { source: node.source } : {}),
  };
}
