// Per-item terms of the likelihoods (summed by reduce.ts), the DML mode and the DL gradient, after
// the CPU reference kernels in runtime/cpu/kernels/{dml,likelihoods}.ts.
import type { IrNode } from '../../../runtime/ir.js';
import { DL_EPS, DL_MEAN_HI, DL_MEAN_LO, DML_EDGE, DML_MIN_DELTA, DML_MIN_LOG_SCALE, DML_MODE_HI, DML_MODE_LO, LOG_FLOOR } from '../../../runtime/likelihood-constants.js';
import type { ExprGen } from '../expr.js';
import { decimal, f32, type KernelBuilder } from '../wgsl.js';

// log P(bin) of one logistic: edge bins use the CDF tails, tiny bin masses the density.
const DML_BIN = `fn sdn_dml_bin(xc: f32, centered: f32, ls: f32, bin: f32) -> f32 {
  let inv = exp(-ls);
  let pin = inv * (centered + bin);
  let mn = inv * (centered - bin);
  if (xc < -${DML_EDGE}) { return pin - sdn_softplus(pin); }
  if (xc > ${DML_EDGE}) { return -sdn_softplus(mn); }
  let delta = sdn_sigmoid(pin) - sdn_sigmoid(mn);
  if (delta > ${decimal(DML_MIN_DELTA)}) { return log(max(delta, ${decimal(LOG_FLOOR)})); }
  let mid = inv * centered;
  return mid - ls - 2.0 * sdn_softplus(mid) - log(0.5 / bin);
}`;

/** dl_logp(mean, logscale, x): log(σ(u + bin/s) − σ(u) + 1e−7), u = (x − clamp(mean)) / s. */
export function dlTerm(gen: ExprGen, kb: KernelBuilder, node: IrNode, b: string, i: string): string {
  const L = (e: string) => gen.body.let(e);
  const [m, ls, x] = node.inputs;
  const sig = kb.helper('sigmoid');
  const scale = L(`exp(${gen.value(ls, b, '0u')})`);
  const mean = L(`clamp(${gen.value(m, b, i)}, ${f32(DL_MEAN_LO)}, ${f32(DL_MEAN_HI)})`);
  const u = L(`(${gen.value(x, b, i)} - ${mean}) / ${scale}`);
  const bin = f32(1 / 2 ** (node.attrs.bits as number));
  return L(`log(${sig}(${u} + ${bin} / ${scale}) - ${sig}(${u}) + ${decimal(DL_EPS)})`);
}

/**
 * 1 − e^−d for d ≥ 0 (a series below 0.05). The gradients write σ(a) − σ(b), a − b = d > 0, as
 * σ(a)·σ(−b)·(1 − e^−d): the CPU subtracts the two in f64, which f32 cannot without cancellation.
 */
export const ONE_MINUS_EXP = `fn sdn_one_minus_exp(d: f32) -> f32 {
  if (d < 0.05) { return d * (1.0 - d * (0.5 - d * (${f32(1 / 6)} - d * ${f32(1 / 24)}))); }
  return 1.0 - exp(-d);
}`;

// dlTerm's derivatives (d/dmean, d/dlogscale), with D − 1e−7 = σ(a) − σ(u) as above and its
// da − du = (σ'(a) − σ'(u))/D, σ'(a) − σ'(u) = (σ(a) − σ(u))·(σ(−a) − σ(u)).
const DL_GRAD = `fn sdn_dl_grad(mean: f32, x: f32, ls: f32, bin: f32) -> vec2f {
  let scale = exp(ls);
  let u = (x - clamp(mean, ${f32(DL_MEAN_LO)}, ${f32(DL_MEAN_HI)})) / scale;
  let d = bin / scale;
  let a = u + d;
  let sa = sdn_sigmoid(a);
  let sna = sdn_sigmoid(-a);
  let su = sdn_sigmoid(u);
  let diff = sa * sdn_sigmoid(-u) * sdn_one_minus_exp(d);
  let dsum = diff * (sna - su) / (diff + ${decimal(DL_EPS)});
  let da = sa * sna / (diff + ${decimal(DL_EPS)});
  let inside = mean >= ${f32(DL_MEAN_LO)} && mean <= ${f32(DL_MEAN_HI)};
  return vec2f(select(0.0, -dsum / scale, inside), -dsum * u - da * d);
}`;

/** dl_logp_grad(g, mean, logscale, x) at element j: g · ∂dl_logp/∂mean or ∂/∂logscale (attr wrt). */
export function dlGradValue(gen: ExprGen, node: IrNode, b: string, j: string): string {
  const [g, m, ls, x] = node.inputs;
  gen.kb.helper('sigmoid');
  gen.kb.helper('one_minus_exp', ONE_MINUS_EXP);
  const fn = gen.kb.helper('dl_grad', DL_GRAD);
  const bin = f32(1 / 2 ** (node.attrs.bits as number));
  const d = gen.body.let(`${fn}(${gen.value(m, b, j)}, ${gen.value(x, b, j)}, ${gen.value(ls, b, '0u')}, ${bin})`);
  return gen.body.let(`${gen.value(g, b, '0u')} * ${d}.${node.attrs.wrt === 'logscale' ? 'y' : 'x'}`);
}

/** bernoulli_logp(logits, x): x·l − softplus(l). */
export function bernoulliTerm(gen: ExprGen, kb: KernelBuilder, node: IrNode, b: string, i: string): string {
  const l = gen.value(node.inputs[0], b, i), x = gen.value(node.inputs[1], b, i);
  return gen.body.let(`${x} * ${l} - ${kb.helper('softplus')}(${l})`);
}

/** Parameter k of the DML pixel s: params are [K, H, W] per example. */
const param = (gen: ExprGen, p: number, hw: number, b: string, s: string) => (k: number) =>
  gen.value(p, b, gen.body.let(k === 0 ? s : `${s} + ${gen.kb.dim(hw, 'hw')} * ${k}u`));

/** dml_logp(params, x) of pixel s: log Σ_m π_m Π_c P(x_c | logistic_mc), RGB means coupled. */
export function dmlTerm(gen: ExprGen, kb: KernelBuilder, node: IrNode, xNode: IrNode, b: string, s: string): string {
  const L = (e: string) => gen.body.let(e);
  const M = node.attrs.mixtures as number;
  const [C, H, W] = xNode.shape;
  const hw = H * W;
  kb.helper('sigmoid');
  kb.helper('softplus');
  const bin = kb.helper('dml_bin', DML_BIN);
  const p = param(gen, node.inputs[0], hw, b, s);
  const xs = [...Array(C).keys()].map((c) => gen.value(node.inputs[1], b, L(c === 0 ? s : `${s} + ${kb.dim(hw, 'hw')} * ${c}u`)));
  const logits = [...Array(M).keys()].map((m) => p(m));
  const lmax = logits.reduce((a, v) => L(`max(${a}, ${v})`));
  const logZ = L(`${lmax} + log(${logits.map((v) => `exp(${v} - ${lmax})`).join(' + ')})`);
  const base = (c: number) => M + c * 3 * M;
  const totals = logits.map((lg, m) => {
    const terms = [L(`${lg} - ${logZ}`)];
    const coeff = (c: number) => L(`${kb.helper('tanh')}(${p(base(c) + 2 * M + m)})`);
    for (let c = 0; c < C; c++) {
      let mean = p(base(c) + m);
      if (c === 1) mean = L(`${mean} + ${coeff(0)} * ${xs[0]}`);
      if (c === 2) mean = L(`${mean} + ${coeff(1)} * ${xs[0]} + ${coeff(2)} * ${xs[1]}`);
      const ls = L(`max(${p(base(c) + M + m)}, ${decimal(DML_MIN_LOG_SCALE)})`);
      terms.push(L(`${bin}(${xs[c]}, ${xs[c]} - ${mean}, ${ls}, ${f32(1 / (2 ** (node.attrs.bits as number) - 1))})`));
    }
    return L(terms.join(' + '));
  });
  const tmax = totals.reduce((a, v) => L(`max(${a}, ${v})`));
  return L(`${tmax} + log(${totals.map((v) => `exp(${v} - ${tmax})`).join(' + ')})`);
}

/** dml_mode of element j = (channel c, pixel s): the most probable component's coupled mean, clamped. */
export function dmlModeValue(gen: ExprGen, kb: KernelBuilder, node: IrNode, b: string, j: string): string {
  const L = (e: string) => gen.body.let(e);
  const M = node.attrs.mixtures as number;
  const [C, H, W] = node.shape;
  const hw = H * W;
  const c = L(`${j} / ${kb.dim(hw, 'hw')}`), s = L(`${j} % ${kb.dim(hw, 'hw')}`);
  const p = param(gen, node.inputs[0], hw, b, s);
  // argmax over the logits, first maximum wins (as the CPU's strict >).
  let best = p(0), arg = '0u';
  for (let m = 1; m < M; m++) {
    const v = p(m);
    const take = L(`${v} > ${best}`);
    arg = L(`select(${arg}, ${m}u, ${take})`);
    best = L(`select(${best}, ${v}, ${take})`);
  }
  const pick = (k0: number) => {
    let v = p(k0);
    for (let m = 1; m < M; m++) v = L(`select(${v}, ${p(k0 + m)}, ${arg} == ${m}u)`);
    return v;
  };
  const xs: string[] = [];
  const tanh = kb.helper('tanh');
  for (let ch = 0; ch < C; ch++) {
    const base = M + ch * 3 * M;
    let v = pick(base);
    if (ch === 1) v = L(`${v} + ${tanh}(${pick(M + 2 * M)}) * ${xs[0]}`);
    if (ch === 2) v = L(`${v} + ${tanh}(${pick(M + 3 * M + 2 * M)}) * ${xs[0]} + ${tanh}(${pick(M + 2 * 3 * M + 2 * M)}) * ${xs[1]}`);
    xs.push(L(`clamp(${v}, ${decimal(DML_MODE_LO)}, ${decimal(DML_MODE_HI)})`));
  }
  return xs.reduce((acc, v, ch) => (ch === 0 ? v : L(`select(${acc}, ${v}, ${c} == ${ch}u)`)));
}
