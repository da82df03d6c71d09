// A compiled model as files: a small manifest (`<model>.json`: the model's name, parameters and
// likelihood, and the file of each graph) and one file per graph (`<model>.<graph>.json`), each
// with its distinct kernel texts stored once. A page that only samples loads the manifest and the
// sample graph, not the training graph, which is most of the bytes.
import type { LikelihoodKind } from './likelihood.js';
import type { IrParam } from './ir.js';
import type { CompiledModel, GraphProgram, KernelSpec, KernelVariant } from './program.js';

export type GraphName = keyof CompiledModel['graphs'];
export const GRAPH_NAMES: readonly GraphName[] = ['elbo', 'sample', 'train'];

export interface ModelManifest {
  format: 'sdn-manifest/1';
  model: string;
  params: IrParam[];
  likelihood?: { kind: LikelihoodKind; nbits: number };
  /** File of each graph, relative to the manifest. */
  graphs: Record<GraphName, string>;
}

interface GraphFile {
  format: 'sdn-graph/1';
  model: string;
  graph: GraphName;
  /** The distinct WGSL texts; each kernel's `wgsl` (and its subgroup variant's) is an index into them. */
  wgsl: string[];
  program: Omit<GraphProgram, 'kernels'> & { kernels: StoredKernel[] };
}

type StoredKernel = Omit<KernelSpec, 'wgsl' | 'subgroup'> & { wgsl: number; subgroup?: Omit<KernelVariant, 'wgsl'> & { wgsl: number } };

/** File name → JSON text: the manifest `<name>.json` first, then each graph's file. */
export function programFiles(model: CompiledModel, name: string): Map<string, string> {
  const graphs = Object.fromEntries(GRAPH_NAMES.map((g) => [g, `${name}.${g}.json`])) as Record<GraphName, string>;
  const manifest: ModelManifest = { format: 'sdn-manifest/1', model: model.model, params: model.params, ...(model.likelihood ? { likelihood: model.likelihood } : {}), graphs };
  const files = new Map([[`${name}.json`, JSON.stringify(manifest)]]);
  for (const g of GRAPH_NAMES) {
    const program = model.graphs[g];
    const texts = [...new Set(program.kernels.flatMap((k) => (k.subgroup ? [k.wgsl, k.subgroup.wgsl] : [k.wgsl])))];
    const index = new Map(texts.map((t, i) => [t, i]));
    const kernels = program.kernels.map(({ subgroup, ...k }): StoredKernel => ({
      ...k, wgsl: index.get(k.wgsl)!, ...(subgroup ? { subgroup: { ...subgroup, wgsl: index.get(subgroup.wgsl)! } } : {}),
    }));
    const file: GraphFile = { format: 'sdn-graph/1', model: model.model, graph: g, wgsl: texts, program: { ...program, kernels } };
    files.set(graphs[g], JSON.stringify(file));
  }
  return files;
}

/**
 * The model of a manifest with the graphs `only` lists (default: all); `read` fetches a file by
 * its path relative to the manifest's folder. Reading a graph that was not loaded is an error
 * naming it.
 */
export async function loadCompiledModel(manifestPath: string, read: (path: string) => Promise<string>, only: readonly GraphName[] = GRAPH_NAMES): Promise<CompiledModel> {
  const folder = manifestPath.includes('/') ? manifestPath.slice(0, manifestPath.lastIndexOf('/') + 1) : '';
  const manifest = parse(manifestPath, await read(manifestPath)) as ModelManifest;
  if (manifest.format !== 'sdn-manifest/1') {
    throw new Error(`${manifestPath}: not an sdn manifest (format ${JSON.stringify(manifest.format)}); sdn compile writes one as <model>.json`);
  }
  const loaded = new Map<GraphName, GraphProgram>();
  await Promise.all(only.map(async (g) => {
    const path = folder + manifest.graphs[g];
    const file = parse(path, await read(path)) as GraphFile;
    if (file.format !== 'sdn-graph/1' || file.graph !== g || file.model !== manifest.model) {
      throw new Error(`${path}: not the ${g} graph of ${manifest.model}`);
    }
    const kernels = file.program.kernels.map(({ subgroup, ...k }): KernelSpec => ({
      ...k, wgsl: file.wgsl[k.wgsl], ...(subgroup ? { subgroup: { ...subgroup, wgsl: file.wgsl[subgroup.wgsl] } } : {}),
    }));
    loaded.set(g, { ...file.program, kernels });
  }));
  const graphs = {} as CompiledModel['graphs'];
  for (const g of GRAPH_NAMES) {
    Object.defineProperty(graphs, g, {
      enumerable: true,
      get: () => loaded.get(g) ?? fail(`${manifestPath}: the ${g} graph was not loaded (loadCompiledModel was asked for ${only.join(', ')})`),
    });
  }
  return { format: 'sdn-compiled/1', model: manifest.model, params: manifest.params, ...(manifest.likelihood ? { likelihood: manifest.likelihood } : {}), graphs };
}

function parse(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

function fail(message: string): never {
  throw new Error(message);
}
