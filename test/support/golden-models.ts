// The .sdn program of each kind of golden case: every golden case becomes a small model compiled by
// the real compiler. Its module label `m` is the prefix stripped from PyTorch names and noise streams.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileModel } from '../../compiler/pipeline.js';
import type { IrGraph } from '../../runtime/ir.js';
import type { GoldenCase } from './golden.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const LABEL = 'm';
export const strip = (name: string) => (name.startsWith(`${LABEL}.`) ? name.slice(LABEL.length + 1) : name);

export interface CaseSpec {
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
export const CASES: Record<string, (c: GoldenCase) => CaseSpec> = {
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

/** The case's ELBO and sample graphs. */
export function compileCaseGraphs(name: string, spec: CaseSpec): { elbo: IrGraph; sample: IrGraph } {
  // A virtual file in models/ so that `import "lib/…"` resolves to the project's library.
  const path = resolve(repoRoot, 'models', `__golden_${name}.sdn`);
  const source = `${spec.header ?? ''}\nmodel golden {\n  ${spec.body}\n}\n`;
  const compiled = compileModel(path, { readFile: (p) => (p === path ? source : readFileSync(p, 'utf8')) });
  if (!compiled.graphs) {
    const msgs = compiled.diagnostics.map((d) => `${d.code} ${d.span.line}:${d.span.col} ${d.message}`).join('\n');
    throw new Error(`golden case ${name}: the model does not compile:\n${msgs}\n--- source ---\n${source}`);
  }
  return compiled.graphs;
}

export const compileCase = (name: string, spec: CaseSpec): IrGraph => compileCaseGraphs(name, spec).elbo;

