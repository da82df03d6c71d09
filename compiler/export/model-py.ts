// Renders model.py: a standalone torch.nn.Module whose state_dict uses the authors' PyTorch names,
// with forward() the ELBO graph and sample() the generative graph, each as straight-line torch
// code, one statement per IR node, grouped under the module (`as` label) that created it.
import { relative } from 'node:path';
import { isConst, isInput, isNoise, isParam, isScalarInput, type IrGraph, type IrNode, type IrParam } from '../../runtime/ir.js';
import { findLikelihood } from '../../runtime/likelihood.js';
import { weightNormTargets } from '../../runtime/train/weight-norm.js';
import { opsUsedBy, PHILOX_PY, PRELUDE_PY } from './prelude-py.js';
import { OPS } from '../ops/index.js';
import { pyFloat, type Operand, type RuleCtx } from './ops-py.js';

export interface ModelPyOptions {
  model: string;
  /** The model file, as the user named it (shown in the header). */
  sourcePath: string;
  sets: Record<string, string>;
  elbo: IrGraph;
  sample: IrGraph;
}

const py = (s: string) => JSON.stringify(s);
const tuple = (s: readonly number[]) => (s.length === 1 ? `(${s[0]},)` : `(${s.join(', ')})`);

/** Natural order (ladder_layers.2 before ladder_layers.10): the order of the goldens' eps.<i>. */
export function noiseOrder(graph: IrGraph): IrNode[] {
  const key = (n: IrNode) => n.attrs.stream as string;
  return graph.nodes.filter((n) => isNoise(n)).sort((a, b) => key(a).localeCompare(key(b), 'en', { numeric: true }));
}

export function allParams(elbo: IrGraph, sample: IrGraph): IrParam[] {
  const seen = new Set(elbo.params.map((p) => p.path));
  return [...elbo.params, ...sample.params.filter((p) => !seen.has(p.path))];
}

/** Parameters of the ELBO graph that the loss does not depend on (the authors' model has such too). */
function withoutLossGradient(elbo: IrGraph, params: IrParam[]): string[] {
  const loss = elbo.outputs.find((o) => o.name === 'loss');
  if (!loss) return [];
  const reach = new Set<number>([loss.node]);
  for (let i = elbo.nodes.length - 1; i >= 0; i--) if (reach.has(i)) for (const j of elbo.nodes[i].inputs) reach.add(j);
  const used = new Set(elbo.nodes.filter((n) => isParam(n) && reach.has(n.id)).map((n) => n.attrs.path as string));
  return params.filter((p) => !used.has(p.path)).map((p) => p.path);
}

export const pyIdent = (name: string) => {
  const s = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s;
};

function renderGraph(g: IrGraph, torchOf: Map<string, string>, here: string, indent: string): string[] {
  const consumers = new Map<number, IrNode[]>();
  for (const n of g.nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const constAt = (id: number) => isConst(g.nodes[id]);
  // A constant used only as an operand of + − × ÷ next to a tensor is written as a float literal.
  const inline = new Set(g.nodes.filter((n) => isConst(n) && (consumers.get(n.id) ?? []).every(
    (c) => !!OPS[c.op].torch?.literalOperands && c.inputs.some((i) => !constAt(i)))).map((n) => n.id));
  const noiseIndex = new Map(noiseOrder(g).map((n, i) => [n.attrs.stream as string, i]));
  const expr = new Map<number, string>();
  const lines: string[] = [];
  let layer = -2;
  for (const n of g.nodes) {
    if (inline.has(n.id)) {
      expr.set(n.id, pyFloat(n.attrs.value as number));
      continue;
    }
    if (n.layer !== layer && !isParam(n) && !isInput(n)) {
      layer = n.layer;
      const l = g.layers[layer];
      const where = l?.source ? ` (${relative(here, l.source.file)}:${l.source.line})` : '';
      lines.push('', `${indent}# ${l ? `${l.path}: ${l.kind}` : 'model'}${where}`);
    }
    const ins: Operand[] = n.inputs.map((i) => ({ expr: expr.get(i)!, shape: g.nodes[i].shape, batched: g.nodes[i].batched }));
    const ctx: RuleCtx = {
      node: n,
      ins,
      data: (i) => (n.batched && !ins[i].batched ? `batched(${ins[i].expr}, B)` : ins[i].expr),
      param: (path) => `p[${py(torchOf.get(path)!)}]`,
      noise: (stream) => `eps[${noiseIndex.get(stream)}]`,
      scalar: (name) => name,
      input: (name) => pyIdent(name),
    };
    const rule = OPS[n.op].torch;
    if (!rule) throw new Error(`export: IR op '${n.op}' (node ${n.id}) is a gradient op, which only differentiated graphs have`);
    // Parameters and inputs are used by name, not copied into a variable.
    const named = isParam(n) || isInput(n);
    const v = named ? rule(ctx) : `t${n.id}`;
    if (!named) lines.push(`${indent}${v} = ${rule(ctx)}`);
    expr.set(n.id, v);
  }
  lines.push('', `${indent}return {${g.outputs.map((o) => `${py(o.name)}: ${expr.get(o.node)}`).join(', ')}}`);
  return lines;
}

function scalarsOf(g: IrGraph): string[] {
  return [...new Set(g.nodes.filter((n) => isScalarInput(n)).map((n) => n.attrs.name as string))];
}

function noiseTable(g: IrGraph): string {
  return `[\n${noiseOrder(g).map((n) => `    (${py(n.attrs.stream as string)}, ${tuple(n.shape)}),\n`).join('')}]`;
}

function drawNoise(g: IrGraph, batch: string, indent: string, table: string): string[] {
  if (!noiseOrder(g).length) return [];
  return [
    `${indent}if eps is None:`,
    `${indent}    eps = [torch.randn((${batch},) + shape, dtype=dtype, device=device) for _, shape in ${table}]`,
    `${indent}elif len(eps) != len(${table}):`,
    `${indent}    raise ValueError(f"eps: {len(eps)} tensors given, the model draws {len(${table})} (see ${table})")`,
  ];
}

export function renderModelPy(o: ModelPyOptions): string {
  const params = allParams(o.elbo, o.sample);
  const torchOf = new Map(params.map((p) => [p.path, p.torch]));
  const targets = new Map([...weightNormTargets(o.sample), ...weightNormTargets(o.elbo)]);
  const here = process.cwd();
  const lik = findLikelihood(o.elbo);
  const setText = Object.entries(o.sets).map(([k, v]) => ` --set ${k}=${v}`).join('');
  const sig = (g: IrGraph, first: string[]) => [...first, ...(noiseOrder(g).length ? ['eps=None'] : []),
    ...scalarsOf(g).map((s) => `${s}=1.0`)].join(', '); // the runtime scalars (temperature, beta) default to 1
  const sampleOut = o.sample.outputs.length > 0;
  const inputs = o.elbo.inputs.map((i) => pyIdent(i.name));

  const head: string[] = [
    `"""${o.model}: exported by \`sdn export ${o.sourcePath}${setText} --to pytorch\`.`,
    '',
    'A standalone PyTorch (1.13 or later) module, generated from the elaborated model: forward() is the',
    'ELBO graph and sample() the generative graph, one statement per IR op, grouped under the module',
    'that created it. Parameter names are the authors\' PyTorch state_dict names; load_state_dict also',
    'takes the compiler\'s paths and weight-normed (weight_g / weight_v) or plain weights.',
    '"""',
    PRELUDE_PY,
  ];
  const out: string[] = [
    '',
    `MODEL = ${py(o.model)}`,
    `SETTINGS = {${Object.entries(o.sets).map(([k, v]) => `${py(k)}: ${py(v)}`).join(', ')}}`,
    `INPUTS = [${o.elbo.inputs.map((i) => `(${py(i.name)}, ${tuple(i.shape)})`).join(', ')}]`,
    lik ? `LIKELIHOOD = ${py(lik.kind)}  # data scaling: DML [-1, 1], DL [-0.5, 0.5], Bernoulli {0, 1}` : 'LIKELIHOOD = None',
    `NBITS = ${lik?.nbits ?? 8}`,
    '',
    '# (PyTorch name, sdn path, shape, init, weight-norm dim or None)',
    'PARAMETERS = [',
    ...params.map((p) => {
      const init = p.init.kind === 'normal' ? `("normal", ${pyFloat(p.init.std)})` : p.init.kind === 'uniform' ? `("uniform", ${pyFloat(p.init.bound)})` : `(${py(p.init.kind)}, None)`;
      const dim = targets.get(p.path);
      return `    (${py(p.torch)}, ${py(p.path)}, ${tuple(p.shape)}, ${init}, ${dim ?? 'None'}),`;
    }),
    ']',
    '',
    '# Parameters the training loss does not depend on (DistributedDataParallel must be told).',
    `NO_LOSS_GRADIENT = [${withoutLossGradient(o.elbo, params).map((p) => py(torchOf.get(p)!)).join(', ')}]`,
    '',
    '# The posterior noise forward() draws, in the order of its eps argument (the goldens\' eps.<i>).',
    `NOISE = ${noiseTable(o.elbo)}`,
    `SAMPLE_NOISE = ${noiseTable(o.sample)}`,
    '',
    '',
    'class Model(nn.Module):',
    '    def __init__(self, weight_norm=False, device=None):',
    '        """device="meta" gives the structure without allocating or initializing the weights."""',
    '        super().__init__()',
    '        self.weight_norm = weight_norm',
    '        self._slots = []  # (PyTorch name, owning module, attribute, weight-norm dim or None)',
    '        for name, _, shape, _, dim in PARAMETERS:',
    '            owner_path, _, leaf = name.rpartition(".")',
    '            owner = _submodule(self, owner_path)',
    '            dim = dim if weight_norm else None',
    '            if dim is None:',
    '                owner.register_parameter(leaf, nn.Parameter(torch.zeros(shape, device=device)))',
    '            else:',
    '                g_shape = [1] * len(shape)',
    '                g_shape[dim] = shape[dim]',
    '                owner.register_parameter(leaf + "_g", nn.Parameter(torch.ones(g_shape, device=device)))',
    '                owner.register_parameter(leaf + "_v", nn.Parameter(torch.zeros(shape, device=device)))',
    '            self._slots.append((name, owner, leaf, dim))',
    '        if torch.device(device or "cpu").type != "meta":',
    '            self.reset_parameters()',
    '',
    '    @torch.no_grad()',
    '    def reset_parameters(self, generator=None):',
    '        """The authors\' init: orthogonal conv weights, N(0, std) linear weights, uniform biases and GRU tensors."""',
    '        values = {}',
    '        for name, _, shape, (kind, arg), _ in PARAMETERS:',
    '            w = torch.empty(shape)',
    '            if kind == "orthogonal":',
    '                w = _orthogonal(shape, generator)',
    '            elif kind == "normal":',
    '                w.normal_(0.0, arg, generator=generator)',
    '            elif kind == "uniform":',
    '                w.uniform_(-arg, arg, generator=generator)',
    '            else:',
    '                w.zero_()',
    '            values[name] = w',
    '        self.load_state_dict(values)',
    '',
    '    def weights(self):',
    '        """Every parameter by PyTorch name, weight norm applied: w = g · v / ‖v‖."""',
    '        out = {}',
    '        for name, owner, leaf, dim in self._slots:',
    '            if dim is None:',
    '                out[name] = getattr(owner, leaf)',
    '            else:',
    '                v = getattr(owner, leaf + "_v")',
    '                out[name] = v * (getattr(owner, leaf + "_g") / norm_except(v, dim))',
    '        return out',
    '',
    '    def load_state_dict(self, state_dict, strict=True):',
    '        """Takes PyTorch names or sdn paths, and plain or weight-normed (_g / _v) conv weights."""',
    '        return super().load_state_dict(self._adapt(state_dict), strict)',
    '',
    '    def _adapt(self, state_dict):',
    '        torch_names = {name for name, _, _, _, _ in PARAMETERS}',
    '        by_path = {path: name for name, path, _, _, _ in PARAMETERS}',
    '        wn_dims = {name: dim for name, _, _, _, dim in PARAMETERS}',
    '',
    '        def rename(key):',
    '            for names, to in ((torch_names, lambda b: b), (by_path, by_path.get)):',
    '                for suffix in ("", "_g", "_v"):',
    '                    base = key[:len(key) - len(suffix)]',
    '                    if key.endswith(suffix) and base in names:',
    '                        return to(base) + suffix',
    '            return key',
    '',
    '        sd = {rename(k): v for k, v in state_dict.items()}',
    '        for name, _, _, dim in self._slots:',
    '            if dim is not None and name in sd:',
    '                w = sd.pop(name)',
    '                sd[name + "_g"], sd[name + "_v"] = norm_except(w, dim), w',
    '            elif dim is None and name + "_v" in sd and wn_dims[name] is not None:',
    '                v, g = sd.pop(name + "_v"), sd.pop(name + "_g")',
    '                sd[name] = v * (g / norm_except(v, wn_dims[name]))',
    '        return sd',
    '',
    `    def forward(self, ${sig(o.elbo, inputs)}):`,
    `        """${lik ? 'Per-image log p(x|z), KL, ELBO and training loss (with free bits), nats' : 'The model\'s outputs'}."""`,
    '        p = self.weights()',
    `        dtype, device = ${inputs[0] ?? 'None'}.dtype, ${inputs[0] ?? 'None'}.device`,
    `        B = ${inputs[0] ?? 'None'}.shape[0]`,
    ...drawNoise(o.elbo, 'B', '        ', 'NOISE'),
    ...renderGraph(o.elbo, torchOf, here, '        '),
  ];
  if (sampleOut) {
    out.push(
      '',
      `    def sample(self, ${sig(o.sample, ['n'])}):`,
      '        """n images: the likelihood\'s most probable image given z drawn from the prior at `temperature`."""',
      '        p = self.weights()',
      '        ref = next(iter(p.values()))',
      '        dtype, device, B = ref.dtype, ref.device, n',
      ...drawNoise(o.sample, 'B', '        ', 'SAMPLE_NOISE'),
      ...renderGraph(o.sample, torchOf, here, '        ').map((l) => l.replace(/^(\s*)return \{"sample": (.*)\}$/, '$1return $2')),
    );
  }
  out.push(
    '',
    '',
    'def _orthogonal(shape, generator):',
    '    """torch.nn.init.orthogonal_ with an optional generator: QR of a Gaussian, Q signed by diag(R)."""',
    '    rows = shape[0]',
    '    cols = math.prod(shape) // rows',
    '    a = torch.randn((rows, cols) if rows >= cols else (cols, rows), generator=generator, dtype=torch.float64)',
    '    q, r = torch.linalg.qr(a)',
    '    q = q * torch.sign(torch.diagonal(r)).unsqueeze(0)',
    '    return (q if rows >= cols else q.t()).reshape(shape).float()',
    '',
    '',
    'def build(weight_norm=False, seed=None):',
    `    """${o.model} with the file's hyperparameters${Object.keys(o.sets).length ? ` (${setText.trim()})` : ''}, freshly initialized."""`,
    '    generator = torch.Generator().manual_seed(seed) if seed is not None else None',
    '    model = Model(weight_norm=weight_norm)',
    '    if generator is not None:',
    '        model.reset_parameters(generator)',
    '    return model',
    '',
  );
  const body = out.join('\n');
  return [...head, opsUsedBy(body), PHILOX_PY, body].join('\n');
}
