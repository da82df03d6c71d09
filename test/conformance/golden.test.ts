// Conformance: every golden case becomes a small .sdn model, compiled by the real compiler and run
// by the CPU interpreter (forward) and its autodiff (backward), with the golden tensors bound
// through each IR parameter's PyTorch name. The model's module label `m` is the prefix stripped
// from PyTorch names and noise streams.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileModel } from '../../compiler/pipeline.js';
import { gradients } from '../../runtime/cpu/backward.js';
import { runGraph, type RunEnv } from '../../runtime/cpu/interpreter.js';
import type { IrGraph } from '../../runtime/ir.js';
import { goldenDir, loadGolden, relErr, type GoldenCase } from '../support/golden.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LABEL = 'm';
const strip = (name: string) => (name.startsWith(`${LABEL}.`) ? name.slice(LABEL.length + 1) : name);

interface CaseSpec {
  /** The model body (inside `model golden { … }`); may start with imports via `header`. */
  body: string;
  header?: string;
  /** Noise stream (label stripped) → golden tensor. */
  noise?: Record<string, string>;
  gradTol: number;
  lossgrad?: boolean;
}

const dims = (c: GoldenCase, name: string) => c.shape(name).slice(1).join(', ');
const list = (v: number[]) => `[${v.join(', ')}]`;

function sdnCall(layer: 'sdn' | 'ressdn', c: GoldenCase): CaseSpec {
  const k = c.config;
  return {
    body: `input x: image(${dims(c, 'x')})
  output y = ${layer}(x, ${k.out_ch}, features = ${k.num_features}, dirs = ${list(k.dirs)}, k = ${k.kernel_size}, s = ${k.stride}, p = ${k.padding}, upsample = ${k.upsample}) as ${LABEL}`,
    gradTol: 1e-4,
  };
}

/** The .sdn program of each kind of golden case. */
const CASES: Record<string, (c: GoldenCase) => CaseSpec> = {
  gru_cell: (c) => ({
    body: `input x: vector(${dims(c, 'x')})
  input h: vector(${dims(c, 'h')})
  output h_new = gru(x, h) as ${LABEL}.gru`,
    gradTol: 1e-4,
  }),
  sdn_correction: (c) => ({ body: `input x: image(${dims(c, 'x')})\n  output y = sweep(x, ${c.config.direction}) as ${LABEL}`, gradTol: 1e-4 }),
  sdn_layer: (c) => sdnCall('sdn', c),
  res_sdn_layer: (c) => sdnCall('ressdn', c),
  dml_log_prob: (c) => ({
    body: `input params: image(${dims(c, 'params')})
  input x: image(${dims(c, 'x')})
  let px = DML(params, mixtures = ${c.config.mix}, bits = ${c.config.nbits})
  output logp = px.logp(x)`,
    gradTol: 1e-4,
  }),
  iaf_posterior: (c) => ({
    body: `input q: image(${dims(c, 'q')})
  let posterior = IAF(q, z = ${c.config.z_size}, context = ${c.config.context_size}) as ${LABEL}
  let [z, logq] = posterior.rsample()
  output z = z
  output logq = logq`,
    noise: { rsample: 'eps' },
    gradTol: 1e-4,
  }),
  density_vae: (c) => {
    const k = c.config;
    const noise: Record<string, string> = {};
    for (let i = 0; i < k.depth; i++) noise[`ladder_layers.${i}.post_model.rsample`] = `eps.${i}`;
    return {
      header: 'import "lib/density-vae.sdn"',
      body: `input x: image(${dims(c, 'x')})
  density_vae(x, channels = ${k.channels}, size = ${k.image_size}, depth = ${k.depth}, h = ${k.h_size}, z = ${k.z_size},
              context = ${k.iaf_context}, downsample_at = ${list(k.ds_list)}, sdn_min_scale = ${k.sdn_min_scale},
              sdn_max_scale = ${k.sdn_max_scale}, features = ${k.sdn_nfeat_0}, features_step = ${k.sdn_nfeat_diff},
              dirs = ${k.sdn_num_dirs}, mixtures = ${k.mix_components}, bits = ${k.nbits ?? 8}, free_bits = ${k.free_bits ?? 0.01}) as ${LABEL}`,
      noise,
      gradTol: 1e-3,
      lossgrad: true,
    };
  },
};

function compileCase(name: string, spec: CaseSpec): IrGraph {
  // A virtual file in models/ so that `import "lib/…"` resolves to the project's library.
  const path = resolve(repoRoot, 'models', `__golden_${name}.sdn`);
  const source = `${spec.header ?? ''}\nmodel golden {\n  ${spec.body}\n}\n`;
  const compiled = compileModel(path, { readFile: (p) => (p === path ? source : readFileSync(p, 'utf8')) });
  if (!compiled.graphs) {
    const msgs = compiled.diagnostics.map((d) => `${d.code} ${d.span.line}:${d.span.col} ${d.message}`).join('\n');
    throw new Error(`golden case ${name}: the model does not compile:\n${msgs}\n--- source ---\n${source}`);
  }
  return compiled.graphs.elbo;
}

function runCase(file: string) {
  const name = file.replace(/\.safetensors$/, '');
  const c = loadGolden(name);
  const build = CASES[c.config.op];
  if (!build) throw new Error(`golden case ${name}: unknown op '${c.config.op}' (known: ${Object.keys(CASES).join(', ')})`);
  const spec = build(c);
  const graph = compileCase(name, spec);
  const used = new Set<string>();
  const get = (n: string) => (used.add(n), c.get(n));

  const params = new Map<string, Float32Array>();
  for (const p of graph.params) {
    const t = strip(p.torch);
    expect(c.shape(t), `${name}: shape of parameter ${t}`).toEqual(p.shape);
    params.set(p.path, get(t));
  }
  const inputs: Record<string, Float32Array> = {};
  for (const i of graph.inputs) inputs[i.name] = get(i.name);
  const batch = c.shape(graph.inputs[0].name)[0];
  const env: RunEnv = {
    batch, params, inputs,
    noise: (stream) => {
      const t = spec.noise?.[strip(stream)];
      if (!t) throw new Error(`golden case ${name}: no golden tensor for noise stream '${stream}'`);
      return get(t);
    },
  };

  const errs: Record<string, Record<string, number>> = { forward: {}, grad: {}, lossgrad: {} };
  const { outputs } = runGraph(graph, env);
  for (const [o, v] of Object.entries(outputs)) errs.forward[o] = relErr(v, get(o));

  // grad.<n> / lossgrad.<n>: n is an input name or a parameter's PyTorch name.
  const byTorch = new Map(graph.params.map((p) => [strip(p.torch), p.path]));
  const compare = (kind: 'grad' | 'lossgrad', seeds: Record<string, ArrayLike<number>>) => {
    const g = gradients(graph, env, seeds);
    for (const t of c.names().filter((n) => n.startsWith(`${kind}.`))) {
      const n = t.slice(kind.length + 1);
      const path = byTorch.get(n);
      const ours = n in g.inputs ? g.inputs[n] : path !== undefined ? g.params.get(path) : undefined;
      if (!ours) throw new Error(`golden case ${name}: ${t} names neither an input nor a parameter of the compiled model`);
      errs[kind][n] = relErr(ours, get(t));
    }
  };
  const seeds: Record<string, Float32Array> = {};
  for (const t of c.names().filter((n) => n.startsWith('g_'))) seeds[t.slice(2)] = get(t);
  compare('grad', seeds);
  if (spec.lossgrad) compare('lossgrad', { loss: new Float32Array(batch).fill(1 / batch) });

  const unused = c.names().filter((n) => !used.has(n));
  expect(unused, `${name}: golden tensors the compiled model has no use for`).toEqual([]);
  const worst = (e: Record<string, number>) =>
    Object.entries(e).reduce((w, x) => (!(x[1] <= w[1]) ? x : w), ['-', -1] as [string, number]);
  console.log(`[golden] ${name}: ` + Object.entries(errs).filter(([, e]) => Object.keys(e).length)
    .map(([k, e]) => `${k} max ${worst(e)[1].toExponential(2)} (${worst(e)[0]})`).join(', '));
  const tol = { forward: 1e-4, grad: spec.gradTol, lossgrad: 1e-3 };
  for (const [kind, e] of Object.entries(errs)) {
    for (const [n, v] of Object.entries(e)) expect(v, `${name}: ${kind} ${n} rel err`).toBeLessThanOrEqual(tol[kind as keyof typeof tol]);
  }
  expect(Object.keys(errs.forward).length).toBeGreaterThan(0);
  expect(Object.keys(errs.grad).length).toBeGreaterThan(0);
}

const files = readdirSync(goldenDir()).filter((f) => f.endsWith('.safetensors')).sort();

describe('golden conformance (compiler + CPU interpreter + autodiff)', () => {
  it('finds golden cases', () => expect(files.length).toBeGreaterThan(0));
  it.each(files)('%s', (file) => runCase(file));
});
