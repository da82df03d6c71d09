// `sdn diff`: compares two elaborated architectures module by module, keyed by module path
// (labels are the stable names). Nothing compared depends on node ids, local names or source
// positions, so reformatting, reordering independent declarations or renaming a `let` is no
// change. A module's computation is compared through a hash of its nodes' ops, attributes and
// shapes, in which an input made in another module counts only by that module's path and the
// input's shape: a changed layer doesn't mark every module downstream of it changed.
import { numel, type Attr, type IrGraph, type IrParam } from '../../runtime/ir.js';
import { bindWeights, type NamedTensor } from '../../runtime/weights.js';
import { nodeFlops } from '../summary/summary.js';

export interface DiffModel {
  /** How the report names this side, e.g. its file. */
  name: string;
  graphs: { elbo: IrGraph; sample: IrGraph };
}

export interface Stats {
  params: number;
  /** Forward FLOPs per example (ELBO graph). */
  flops: number;
  /** Bytes of float32 batched activations per example (ELBO graph). */
  activationBytes: number;
}

export interface ModuleSide extends Stats {
  kind: string;
  attrs: Record<string, Attr>;
  outShape?: number[];
  outBatched?: boolean;
  /** The module's own parameters, by name relative to the module path. */
  paramShapes: Record<string, number[]>;
  /** `file:line` of the call that made the module. */
  source?: string;
}

export type Change =
  | { what: 'kind'; a: string; b: string }
  | { what: 'attr'; key: string; a?: Attr; b?: Attr }
  | { what: 'outShape'; a?: number[]; b?: number[] }
  | { what: 'param'; name: string; a?: number[]; b?: number[] }
  /** Same kind, hyperparameters and shapes, yet the ops inside differ. */
  | { what: 'computation'; modes: ('elbo' | 'sample')[] };

export interface ModuleDiff {
  path: string;
  status: 'same' | 'changed' | 'added' | 'removed';
  a?: ModuleSide;
  b?: ModuleSide;
  changes: Change[];
}

export interface BlockDelta {
  block: string;
  a: Stats;
  b: Stats;
}

export interface ParamRef {
  path: string;
  /** Path of the module that owns it. */
  module: string;
  shape: number[];
}

export interface WeightCompat {
  /** Parameters of `a` that can initialize `b`: same path and shape. */
  transferable: ParamRef[];
  shapeDiffers: { path: string; module: string; a: number[]; b: number[] }[];
  /** Same path and shape, but used for something else (a GRU sweep over another direction). */
  roleDiffers: { path: string; module: string; a: string; b: string }[];
  missingInB: ParamRef[];
  /** Parameters of `b` that no parameter of `a` initializes. */
  newInB: ParamRef[];
}

export interface DiffReport {
  a: string;
  b: string;
  same: boolean;
  /** Every module of either side, aligned by path, `(model)` (model-level glue) first. */
  modules: ModuleDiff[];
  totals: { a: Stats; b: Stats };
  blocks: BlockDelta[];
  weights: WeightCompat;
}

export const MODEL_PATH = '(model)';

export interface DiffOptions {
  /** Maps a source file to how the report shows it (e.g. relative to the working directory). */
  displayFile?: (file: string) => string;
}

export function diffModels(a: DiffModel, b: DiffModel, opts: DiffOptions = {}): DiffReport {
  const [ia, ib] = [index(a, opts), index(b, opts)];
  const modules = alignedPaths(ia.order, ib.order).map((path) => compareModule(path, ia, ib));
  const blockNames = [...new Set([...ia.blocks.keys(), ...ib.blocks.keys()])];
  return {
    a: a.name,
    b: b.name,
    same: modules.every((m) => m.status === 'same'),
    modules,
    totals: { a: ia.totals, b: ib.totals },
    blocks: blockNames.map((block) => ({ block, a: ia.blocks.get(block) ?? zero(), b: ib.blocks.get(block) ?? zero() })),
    weights: weightCompat(a.graphs.elbo, b.graphs.elbo),
  };
}

interface Indexed {
  modules: Map<string, ModuleSide>;
  /** Module path → hash of its computation, per mode. */
  sigs: { elbo: Map<string, string>; sample: Map<string, string> };
  /** Module paths, parents first, each followed by its children. */
  order: string[];
  blocks: Map<string, Stats>;
  totals: Stats;
}

const zero = (): Stats => ({ params: 0, flops: 0, activationBytes: 0 });

/** `ladder_layers.3.down_a` → `ladder_layers.3`: the first path component and the indices after it. */
export function blockOf(path: string): string {
  const parts = path.split('.');
  let n = 1;
  while (n < parts.length && /^\d+$/.test(parts[n])) n++;
  return parts.slice(0, n).join('.');
}

function index(m: DiffModel, opts: DiffOptions): Indexed {
  const g = m.graphs.elbo;
  const show = opts.displayFile ?? ((f: string) => f);
  const pathOf = (layer: number) => (layer < 0 ? MODEL_PATH : g.layers[layer].path);
  const modules = new Map<string, ModuleSide>();
  modules.set(MODEL_PATH, { kind: 'model', attrs: modelAttrs(g), paramShapes: {}, ...zero() });
  for (const l of g.layers) {
    const source = l.source && `${show(l.source.file)}:${l.source.line}`;
    modules.set(l.path, { kind: l.kind, attrs: l.attrs, outShape: l.outShape, outBatched: l.outBatched, paramShapes: {}, source, ...zero() });
  }
  const blocks = new Map<string, Stats>();
  const totals = zero();
  const add = (layer: number, key: keyof Stats, v: number) => {
    const path = pathOf(layer);
    modules.get(path)![key] += v;
    const block = path === MODEL_PATH ? MODEL_PATH : blockOf(path);
    if (!blocks.has(block)) blocks.set(block, zero());
    blocks.get(block)![key] += v;
    totals[key] += v;
  };
  for (const p of g.params) {
    add(p.layer, 'params', numel(p.shape));
    const prefix = p.layer < 0 ? '' : `${pathOf(p.layer)}.`;
    modules.get(pathOf(p.layer))!.paramShapes[p.path.startsWith(prefix) ? p.path.slice(prefix.length) : p.path] = p.shape;
  }
  const flops = nodeFlops(g);
  g.nodes.forEach((n, i) => {
    add(n.layer, 'flops', flops[i]);
    if (n.batched) add(n.layer, 'activationBytes', 4 * numel(n.shape));
  });
  return { modules, sigs: { elbo: signatures(g), sample: signatures(m.graphs.sample) }, order: treeOrder(g.layers.map((l) => l.path)), blocks, totals };
}

/** The model's interface: its inputs, runtime scalars and outputs. */
function modelAttrs(g: IrGraph): Record<string, Attr> {
  const attrs: Record<string, Attr> = {};
  for (const i of g.inputs) attrs[`input ${i.name}`] = i.shape;
  for (const o of g.outputs) attrs[`output ${o.name}`] = g.nodes[o.node].shape;
  const scalars = g.nodes.filter((n) => n.op === 'scalar_input').map((n) => String(n.attrs.name)).sort();
  if (scalars.length) attrs.scalars = scalars.join(', ');
  return attrs;
}

function treeOrder(paths: string[]): string[] {
  const known = new Set(paths);
  const children = new Map<string, string[]>();
  for (const p of paths) {
    const parts = p.split('.');
    let parent = MODEL_PATH;
    for (let n = parts.length - 1; n > 0; n--) {
      if (known.has(parts.slice(0, n).join('.'))) {
        parent = parts.slice(0, n).join('.');
        break;
      }
    }
    children.set(parent, [...(children.get(parent) ?? []), p]);
  }
  const out: string[] = [];
  const visit = (p: string) => {
    out.push(p);
    (children.get(p) ?? []).forEach(visit);
  };
  visit(MODEL_PATH);
  return out;
}

/** `b`'s order, with each module only in `a` placed after its predecessor in `a`'s order. */
function alignedPaths(a: string[], b: string[]): string[] {
  const out = [...b];
  let at = -1;
  for (const p of a) {
    const i = out.indexOf(p);
    if (i >= 0) at = i;
    else out.splice(++at, 0, p);
  }
  return out;
}

const GLOBAL_SOURCES = new Set(['input', 'scalar_input']);

/** Module path → hash of the multiset of its nodes (see the file comment). */
function signatures(g: IrGraph): Map<string, string> {
  const pathOf = (layer: number) => (layer < 0 ? MODEL_PATH : g.layers[layer].path);
  const hashes: string[] = [];
  const byModule = new Map<string, string[]>();
  // Nodes are in topological order (inputs have smaller ids), so one pass suffices.
  g.nodes.forEach((n, i) => {
    const ref = (j: number) => {
      const x = g.nodes[j];
      if (GLOBAL_SOURCES.has(x.op)) return `${x.op}:${x.attrs.name}`;
      return x.layer === n.layer ? hashes[j] : `ext:${pathOf(x.layer)}:${x.shape.join('x')}:${x.batched}`;
    };
    hashes[i] = hash(`${n.op}|${canonical(n.attrs)}|${n.shape.join('x')}|${n.batched}|${n.inputs.map(ref).join(',')}`);
    if (GLOBAL_SOURCES.has(n.op)) return;
    const path = pathOf(n.layer);
    if (!byModule.has(path)) byModule.set(path, []);
    byModule.get(path)!.push(hashes[i]);
  });
  return new Map([...byModule].map(([path, hs]) => [path, hash(hs.sort().join(','))]));
}

const canonical = (attrs: Record<string, Attr>) =>
  JSON.stringify(Object.keys(attrs).sort().map((k) => [k, attrs[k]]));

/** cyrb53-style 64-bit string hash: ample to tell a few thousand node signatures apart. */
function hash(s: string): string {
  let h1 = 0xdeadbeef, h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
}

const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);

function compareModule(path: string, ia: Indexed, ib: Indexed): ModuleDiff {
  const a = ia.modules.get(path), b = ib.modules.get(path);
  if (!a) return { path, status: 'added', b, changes: [] };
  if (!b) return { path, status: 'removed', a, changes: [] };
  const changes: Change[] = [];
  if (a.kind !== b.kind) changes.push({ what: 'kind', a: a.kind, b: b.kind });
  for (const key of union(Object.keys(a.attrs), Object.keys(b.attrs))) {
    if (!same(a.attrs[key], b.attrs[key])) changes.push({ what: 'attr', key, a: a.attrs[key], b: b.attrs[key] });
  }
  if (!same(a.outShape, b.outShape) || a.outBatched !== b.outBatched) changes.push({ what: 'outShape', a: a.outShape, b: b.outShape });
  for (const name of union(Object.keys(a.paramShapes), Object.keys(b.paramShapes))) {
    if (!same(a.paramShapes[name], b.paramShapes[name])) changes.push({ what: 'param', name, a: a.paramShapes[name], b: b.paramShapes[name] });
  }
  if (changes.length === 0) {
    const modes = (['elbo', 'sample'] as const).filter((m) => ia.sigs[m].get(path) !== ib.sigs[m].get(path));
    if (modes.length) changes.push({ what: 'computation', modes });
  }
  return { path, status: changes.length ? 'changed' : 'same', a, b, changes };
}

const union = (x: string[], y: string[]) => [...x, ...y.filter((k) => !x.includes(k))];

/** The attributes of an op that say what a parameter it consumes stands for. */
const ROLE_ATTRS: Partial<Record<string, string[]>> = { sdn_sweep: ['direction'] };

/** What the ops consuming each parameter make of it, e.g. `sdn_sweep direction 2`. */
function roles(g: IrGraph): Map<string, string> {
  const paramOf = new Map(g.nodes.filter((n) => n.op === 'param').map((n) => [n.id, String(n.attrs.path)]));
  const out = new Map<string, Set<string>>();
  for (const n of g.nodes) {
    const keys = ROLE_ATTRS[n.op];
    if (!keys) continue;
    for (const input of n.inputs) {
      const path = paramOf.get(input);
      if (path === undefined) continue;
      if (!out.has(path)) out.set(path, new Set());
      out.get(path)!.add([n.op, ...keys.map((k) => `${k} ${JSON.stringify(n.attrs[k])}`)].join(' '));
    }
  }
  return new Map([...out].map(([p, s]) => [p, [...s].sort().join(', ')]));
}

function weightCompat(a: IrGraph, b: IrGraph): WeightCompat {
  const inB = new Map(b.params.map((p) => [p.path, p]));
  const inA = new Set(a.params.map((p) => p.path));
  const ref = (g: IrGraph, p: IrParam): ParamRef => ({ path: p.path, module: p.layer < 0 ? MODEL_PATH : g.layers[p.layer].path, shape: p.shape });
  const [roleA, roleB] = [roles(a), roles(b)];
  const out: WeightCompat = { transferable: [], shapeDiffers: [], roleDiffers: [], missingInB: [], newInB: [] };
  for (const p of a.params) {
    const q = inB.get(p.path);
    if (!q) out.missingInB.push(ref(a, p));
    else if (!same(p.shape, q.shape)) out.shapeDiffers.push({ path: p.path, module: ref(a, p).module, a: p.shape, b: q.shape });
    else if ((roleA.get(p.path) ?? '') !== (roleB.get(p.path) ?? '')) out.roleDiffers.push({ path: p.path, module: ref(a, p).module, a: roleA.get(p.path) ?? '(none)', b: roleB.get(p.path) ?? '(none)' });
    else out.transferable.push(ref(a, p));
  }
  for (const q of b.params) if (!inA.has(q.path)) out.newInB.push(ref(b, q));
  return out;
}

/**
 * The tensors of a checkpoint of `a` that can initialize `b`, keyed by compiler path. They are
 * bound to `a`'s parameters as every weights file is (runtime/weights.ts: by compiler path or
 * PyTorch name, weight-normed g/v pairs folded): a tensor that is not a parameter of `a`, has
 * another shape or holds non-finite values is a WeightsError naming it; `a`'s parameters the file
 * lacks are listed in notInFile.
 */
export function transferWeights(
  a: IrGraph, b: IrGraph, tensors: Map<string, NamedTensor>, opts: { source?: string } = {},
): { tensors: Map<string, NamedTensor>; notInFile: string[] } {
  const bound = bindWeights(a.params, tensors, { allowMissing: true, source: opts.source });
  const transferable = new Set(weightCompat(a, b).transferable.map((p) => p.path));
  const out = new Map<string, NamedTensor>();
  for (const p of a.params) {
    const data = bound.get(p.path);
    if (data && transferable.has(p.path)) out.set(p.path, { shape: p.shape, data });
  }
  return { tensors: out, notInFile: a.params.filter((p) => !bound.has(p.path)).map((p) => p.path) };
}
