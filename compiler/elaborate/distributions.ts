// The paper's distributions: IsoGaussian (prior and β-VAE posterior), StdNormal, the IAF
// posterior, and the image likelihoods DML, DL and Bernoulli (authors' lib/probability.py).
// Densities are decomposed into primitive ops so autodiff needs no rule per distribution.
import { fail } from '../../diagnostics/diagnostic.js';
import { int, tensor, type Args, type Builtin, type CallContext } from './builtin.js';
import { emitter } from './op-shorthands.js';
import { convWeights } from './layers.js';
import { dlNames, iafConvNames } from './torch-names.js';
import { list, num, type DistKind, type DistValue, type TensorValue, type Value } from './values.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

function dist(ctx: CallContext, kind: DistKind, params: TensorValue | undefined, shape: number[], options: Record<string, number> = {}, owned: Record<string, TensorValue> = {}): DistValue {
  return { kind: 'dist', dist: kind, params, options, owned, scope: ctx.scope, shape, span: ctx.span };
}

function halves(ctx: CallContext, p: TensorValue, what: string): number {
  if (p.shape[0] % 2 !== 0) fail('E-SHAPE', `${what} needs an even number of channels (mean, log-variance), got ${p.shape[0]}`, ctx.span);
  return p.shape[0] / 2;
}

export const DISTRIBUTIONS: Record<string, Builtin> = {
  IsoGaussian: {
    kind: 'function', params: [{ name: 'params', type: 'tensor' }],
    doc: 'IsoGaussian(params) — diagonal Gaussian; channels split into (mean, log-variance)',
    call: (ctx, a) => {
      const p = tensor(a, 'params');
      return dist(ctx, 'IsoGaussian', p, [halves(ctx, p, 'IsoGaussian'), ...p.shape.slice(1)]);
    },
  },
  StdNormal: {
    kind: 'function', params: [{ name: 'shape', type: 'list[int]' }],
    doc: 'StdNormal([shape]) — standard normal prior',
    call: (ctx, a) => dist(ctx, 'StdNormal', undefined, (a.shape as { items: { value: number }[] }).items.map((i) => i.value)),
  },
  IAF: {
    kind: 'layer',
    params: [
      { name: 'params', type: 'tensor' }, { name: 'z', type: 'int' }, { name: 'context', type: 'int', default: num(100) },
      { name: 'flows', type: 'int', default: num(1) }, { name: 'layers', type: 'int', default: num(2) },
    ],
    doc: 'IAF(params, z, context=100, flows=1, layers=2) — Gaussian posterior transformed by an inverse autoregressive flow',
    call: (ctx, a) => {
      const p = tensor(a, 'params');
      const z = int(a, 'z'), flows = int(a, 'flows'), layers = int(a, 'layers');
      if (z <= 0 || flows <= 0 || layers <= 0) fail('E-HYPERPARAM', 'IAF needs positive z, flows and layers', ctx.span);
      // As the authors: the context is rounded down to a multiple of z (at least z).
      const context = Math.max(Math.floor(int(a, 'context') / z), 1) * z;
      if (p.shape[0] !== 2 * z + context)
        fail('E-SHAPE', `IAF with z = ${z} and context ${context} needs ${2 * z + context} parameter channels, got ${p.shape[0]}`, ctx.span);
      // The autoregressive net: masked conv (A) z→context, then `layers` masked convs (B), the last to 2z.
      const convs = iafConvNames(layers);
      const shapes: [number, number, 'A' | 'B'][] = [[z, context, 'A']];
      for (let i = 0; i < layers; i++) shapes.push([context, i === layers - 1 ? 2 * z : context, 'B']);
      // Weights are created here so they belong to this module; rsample() applies them.
      const owned: Record<string, TensorValue> = {};
      convs.forEach(([ours, theirs], i) => {
        const [cin, out, mask] = shapes[i];
        const wb = convWeights(ctx, [...ctx.scope, ...ours.split('.')], [...ctx.scope, ...theirs.split('.')], cin, { out, k: 3, s: 1, p: 1, transposed: false, mask });
        owned[`${ours}.weight`] = wb.w;
        owned[`${ours}.bias`] = wb.b;
      });
      return dist(ctx, 'IAF', p, [z, ...p.shape.slice(1)], { z, context, flows, layers }, owned);
    },
  },
  DML: {
    kind: 'function',
    params: [{ name: 'params', type: 'tensor' }, { name: 'mixtures', type: 'int' }, { name: 'bits', type: 'int', default: num(8) }],
    doc: 'DML(params, mixtures, bits=8) — discretized mixture of logistics (PixelCNN++), data in [−1, 1]',
    call: (ctx, a) => {
      const m = int(a, 'mixtures'), bits = int(a, 'bits');
      if (m <= 0 || bits <= 0 || bits > 16) fail('E-HYPERPARAM', `DML needs mixtures ≥ 1 and bits in 1..16, got mixtures = ${m}, bits = ${bits}`, ctx.span);
      const p = tensor(a, 'params');
      const c = (p.shape[0] / m - 1) / 3;
      if (!Number.isInteger(c) || c < 1)
        fail('E-SHAPE', `DML with ${m} mixtures needs ${m}·(1 + 3·C) parameter channels for C data channels (${4 * m} for 1, ${10 * m} for 3), got ${p.shape[0]}`, ctx.span);
      return dist(ctx, 'DML', p, p.shape, { mixtures: m, bits });
    },
  },
  DL: {
    kind: 'layer',
    params: [{ name: 'params', type: 'tensor' }, { name: 'bits', type: 'int', default: num(8) }],
    doc: 'DL(params, bits=8) — discretized logistic with one learned log-scale, data in [−0.5, 0.5]',
    call: (ctx, a) => {
      const p = tensor(a, 'params'), bits = int(a, 'bits');
      if (bits <= 0 || bits > 16) fail('E-HYPERPARAM', `DL needs bits in 1..16, got ${bits}`, ctx.span);
      const join = (s: string[], n: string) => [...s, n].join('.');
      const logscale = ctx.b.param(join(ctx.scope, dlNames.logscale[0]), join(ctx.scope, dlNames.logscale[1]), [1], { kind: 'zeros' }, ctx.span);
      return dist(ctx, 'DL', p, p.shape, { bits }, { logscale });
    },
  },
  Bernoulli: {
    kind: 'function', params: [{ name: 'logits', type: 'tensor' }], doc: 'Bernoulli(logits) — binary pixels',
    call: (ctx, a) => dist(ctx, 'Bernoulli', tensor(a, 'logits'), tensor(a, 'logits').shape),
  },
};

export const METHODS: Record<string, { params: { name: string; type: string; default?: Value }[]; doc: string }> = {
  logp: { params: [{ name: 'x', type: 'tensor' }], doc: 'log-density per example' },
  sample: { params: [{ name: 'temperature', type: 'any', default: num(1) }], doc: 'a sample (Gaussians), scaled by the temperature' },
  rsample: { params: [], doc: '[z, log q(z)]: a reparameterized sample and its log-density (posteriors)' },
  mode: { params: [], doc: 'the most probable value (likelihoods)' },
};

export function callMethod(ctx: CallContext, d: DistValue, method: string, args: Args): Value {
  const e = emitter(ctx);
  const noise = (shape: number[]) => e.ops.noise([], { shape, stream: [...d.scope, method].join('.') || method });
  const unsupported = () => fail('E-METHOD', `${d.dist} has no method \`${method}\``, ctx.span);
  const gaussian = () => {
    const [mean, lv] = e.chunk2(d.params!);
    return { mean, lv, std: e.exp(e.scale(lv, 0.5)) };
  };
  const temperature = () => {
    const t = args.temperature!;
    return t.kind === 'tensor' ? t : e.c((t as { value: number }).value);
  };
  switch (`${d.dist}.${method}`) {
    case 'IsoGaussian.logp': {
      const { mean, lv } = gaussian();
      const diff = e.sub(tensor(args, 'x'), mean);
      const quad = e.mul(e.square(diff), e.exp(e.ops.neg([lv])));
      return e.sum(e.sub(e.scale(e.add(lv, quad), -0.5), e.c(HALF_LOG_2PI)));
    }
    case 'IsoGaussian.sample': {
      const { mean, std } = gaussian();
      return e.add(mean, e.mul(e.mul(noise(mean.shape), std), temperature()));
    }
    case 'IsoGaussian.rsample': {
      const { mean, lv, std } = gaussian();
      const eps = noise(mean.shape);
      const logq = e.sum(e.sub(e.scale(e.add(lv, e.square(eps)), -0.5), e.c(HALF_LOG_2PI)));
      return list([e.add(mean, e.mul(eps, std)), logq]);
    }
    case 'StdNormal.logp':
      return e.sum(e.sub(e.scale(e.square(tensor(args, 'x')), -0.5), e.c(HALF_LOG_2PI)));
    case 'StdNormal.sample':
      return e.mul(noise(d.shape), temperature());
    case 'IAF.rsample':
      return iafRsample(ctx, d, noise);
    case 'DML.logp':
      return e.ops.dml_logp([d.params!, tensor(args, 'x')], { mixtures: d.options.mixtures, bits: d.options.bits });
    case 'DML.mode':
      return e.ops.dml_mode([d.params!], { mixtures: d.options.mixtures });
    case 'DL.logp':
      return e.ops.dl_logp([d.params!, d.owned.logscale, tensor(args, 'x')], { bits: d.options.bits });
    case 'DL.mode':
      return e.ops.dl_mode([d.params!]);
    case 'Bernoulli.logp':
      return e.ops.bernoulli_logp([d.params!, tensor(args, 'x')]);
    case 'Bernoulli.mode':
      return e.ops.sigmoid([d.params!]);
    default:
      return unsupported();
  }
}

/** z0 = mean + eps·σ; each flow: (m, s) = 0.1·arnn(z, context), z = (z − m)/exp(s); log q = Σ(log N(eps) − log σ + s). */
function iafRsample(ctx: CallContext, d: DistValue, noise: (shape: number[]) => TensorValue): Value {
  const e = emitter(ctx);
  const { z, context, layers, flows } = d.options;
  const p = d.params!;
  const mean = e.slice(p, 0, z), lv = e.slice(p, z, z), ctxt = e.slice(p, 2 * z, context);
  const eps = noise(mean.shape);
  let zt = e.add(mean, e.mul(eps, e.exp(e.scale(lv, 0.5))));
  let logq = e.sub(e.scale(e.add(lv, e.square(eps)), -0.5), e.c(HALF_LOG_2PI));
  const names = iafConvNames(layers).map(([ours]) => ours);
  const conv = (x: TensorValue, name: string, mask: 'A' | 'B') =>
    e.ops.conv2d([x, d.owned[`${name}.weight`], d.owned[`${name}.bias`]], { stride: 1, padding: 1, mask });
  for (let f = 0; f < flows; f++) {
    let h = e.add(conv(zt, names[0], 'A'), ctxt);
    for (const name of names.slice(1)) h = conv(e.ops.elu([h]), name, 'B');
    const [m, s] = e.chunk2(h);
    const shift = e.scale(m, 0.1), logScale = e.scale(s, 0.1);
    zt = e.mul(e.sub(zt, shift), e.exp(e.ops.neg([logScale])));
    logq = e.add(logq, logScale);
  }
  return list([zt, e.sum(logq)]);
}
