// Training checkpoints: one safetensors file holding the trainable tensors (weight norm's g/v or
// the weights), the Adamax state, the EMA shadow, and in its metadata the step, data position, β,
// the recipe and the SHA-256 of the model source. Written atomically (temporary file, then
// rename), so a crash mid-write leaves the previous checkpoint intact.
import { createHash } from 'node:crypto';
import { loadSafetensorsFile, saveSafetensorsFile } from '../safetensors-node.js';
import type { TensorInput } from '../safetensors.js';
import { numel } from '../ir.js';
import { DEFAULT_RECIPE, type Recipe, type TrainState } from './trainer.js';
import type { TrainableSpec } from './weight-norm.js';

export const CHECKPOINT_FORMAT = 'sdn-train-checkpoint/1';
const GROUPS = ['params', 'adamax.m', 'adamax.u', 'ema'] as const;

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** SHA-256 of the model's source text: the model file and every file it imports, in load order. */
export function sourceHash(sources: Iterable<string>): string {
  const h = createHash('sha256');
  for (const text of sources) h.update(`${Buffer.byteLength(text)}\n`).update(text);
  return h.digest('hex');
}

export interface CheckpointInfo {
  model: string;
  sourceSha256: string;
  recipe: Recipe;
  /** Everything else worth keeping (the compiler --set overrides, the data spec). */
  extra?: Record<string, unknown>;
}

/** How a checkpoint names its tensors within each group: compiler paths, or the authors' PyTorch names. */
export type TensorNames = 'sdn' | 'torch';

export async function saveCheckpoint(
  path: string, state: TrainState, specs: readonly TrainableSpec[], info: CheckpointInfo, names: TensorNames = 'sdn',
): Promise<void> {
  const tensors = new Map<string, TensorInput>();
  const maps = { params: state.params, 'adamax.m': state.adamax.m, 'adamax.u': state.adamax.u, ema: state.ema };
  for (const g of GROUPS) {
    for (const s of specs) {
      const data = maps[g].get(s.name);
      if (!data) throw new CheckpointError(`checkpoint: no ${g} tensor for '${s.name}'`);
      tensors.set(`${g}/${names === 'torch' ? s.torch : s.name}`, { shape: s.shape, data });
    }
  }
  await saveSafetensorsFile(path, tensors, {
    format: CHECKPOINT_FORMAT,
    names,
    model: info.model,
    source_sha256: info.sourceSha256,
    recipe: JSON.stringify(info.recipe),
    extra: JSON.stringify(info.extra ?? {}),
    // JSON numbers round-trip doubles exactly (β is a double).
    state: JSON.stringify({
      step: state.step, epoch: state.epoch, batchIndex: state.batchIndex, beta: state.beta,
      adamaxStep: state.adamax.step, badStreak: state.badStreak, skipped: state.skipped,
    }),
  });
}

export interface LoadedCheckpoint {
  state: TrainState;
  model: string;
  sourceSha256: string;
  recipe: Recipe;
  extra: Record<string, unknown>;
}

/**
 * Reads a checkpoint; with `expect`, refuses another model source and names missing or mismatched
 * tensors (`specs`: the trainable tensors the model has under the checkpoint's recipe).
 */
export async function loadCheckpoint(
  path: string, expect?: { sourceSha256?: string; specs?: (recipe: Recipe) => readonly TrainableSpec[] },
): Promise<LoadedCheckpoint> {
  let file;
  try {
    file = await loadSafetensorsFile(path);
  } catch (e) {
    throw new CheckpointError(`cannot read checkpoint ${(e as Error).message}`);
  }
  const md = file.metadata;
  if (md.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`${path}: not a training checkpoint (format ${JSON.stringify(md.format)}, expected ${CHECKPOINT_FORMAT})`);
  const { s, recipe, extra: extraInfo } = checkedMetadata(path, md);
  if (expect?.sourceSha256 !== undefined && md.source_sha256 !== expect.sourceSha256) {
    throw new CheckpointError(
      `${path}: the model source has changed since this checkpoint was written ` +
      `(sha256 ${md.source_sha256.slice(0, 12)}… in the checkpoint, ${expect.sourceSha256.slice(0, 12)}… now); ` +
      'refusing to resume. Restore the model file it was trained with, or train into a new run folder.',
    );
  }
  const specs = expect?.specs?.(recipe) ?? inferSpecs(file.tensors);
  // Each problem is reported once per tensor name, not once per group (params, Adamax m/u, EMA).
  const missing = new Set<string>(), mismatched = new Map<string, string>(), extra = new Set<string>();
  const maps = GROUPS.map(() => new Map<string, Float32Array>());
  const wanted = new Set<string>();
  const stored = (spec: TrainableSpec) => (md.names === 'torch' ? spec.torch : spec.name);
  GROUPS.forEach((g, gi) => {
    for (const spec of specs) {
      const name = `${g}/${stored(spec)}`;
      wanted.add(name);
      const t = file.tensors.get(name);
      if (!t) missing.add(`'${stored(spec)}' [${spec.shape.join(', ')}]`);
      else if (t.data.length !== numel(spec.shape) || t.shape.join() !== spec.shape.join()) {
        mismatched.set(spec.name, `'${stored(spec)}' has shape [${t.shape.join(', ')}], the model needs [${spec.shape.join(', ')}]`);
      } else maps[gi].set(spec.name, t.data);
    }
  });
  for (const name of file.tensors.keys()) if (!wanted.has(name)) extra.add(`'${name.slice(name.indexOf('/') + 1)}': the model has no such parameter`);
  const problems = [
    ...list('missing tensor', [...missing]), ...list('tensor', [...mismatched.values()]),
    ...list('extra tensor', [...extra]),
  ];
  if (problems.length > 0) {
    const total = missing.size + mismatched.size + extra.size;
    throw new CheckpointError(`${path}: does not fit the model (${total} problem${total === 1 ? '' : 's'}${
      expect?.specs ? '; was it trained with another --set or with/without --no-weight-norm?' : ''}):\n${problems.join('\n')}`);
  }
  const [params, m, u, ema] = maps;
  return {
    state: {
      step: s.step, epoch: s.epoch, batchIndex: s.batchIndex, beta: s.beta, params, adamax: { m, u, step: s.adamaxStep }, ema,
      badStreak: s.badStreak, skipped: s.skipped,
    },
    model: md.model,
    sourceSha256: md.source_sha256,
    recipe,
    extra: extraInfo,
  };
}

const STATE_COUNTS = ['step', 'epoch', 'batchIndex', 'adamaxStep', 'badStreak', 'skipped'] as const;

/**
 * The metadata, every field checked before anything acts on it: a resumed run truncates
 * metrics.jsonl to the checkpoint's step, so a damaged step must not get that far.
 */
function checkedMetadata(path: string, md: Record<string, string>) {
  const damaged = (what: string) => new CheckpointError(`${path}: damaged checkpoint metadata: ${what}; restore the file or train into a new run folder`);
  const json = (key: string, fallback?: string): Record<string, unknown> => {
    const text = md[key] ?? fallback;
    if (text === undefined) throw damaged(`no '${key}' entry`);
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw damaged(`'${key}' is not JSON`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw damaged(`'${key}' is not a JSON object`);
    return v as Record<string, unknown>;
  };
  for (const key of ['model', 'source_sha256']) if (typeof md[key] !== 'string' || md[key] === '') throw damaged(`no '${key}' entry`);
  const s = json('state');
  for (const k of STATE_COUNTS) if (!Number.isSafeInteger(s[k]) || (s[k] as number) < 0) throw damaged(`state.${k} is ${JSON.stringify(s[k])}, not a count`);
  if (typeof s.beta !== 'number' || !Number.isFinite(s.beta)) throw damaged(`state.beta is ${JSON.stringify(s.beta)}`);
  const recipe = json('recipe');
  for (const [k, v] of Object.entries(DEFAULT_RECIPE)) {
    if (typeof recipe[k] !== typeof v || (typeof v === 'number' && !Number.isFinite(recipe[k]))) throw damaged(`recipe.${k} is ${JSON.stringify(recipe[k])}`);
  }
  return { s: s as Record<(typeof STATE_COUNTS)[number] | 'beta', number>, recipe: recipe as unknown as Recipe, extra: json('extra', '{}') };
}

/** Up to 8 lines of one kind of problem, then a count. */
function list(kind: string, items: string[]): string[] {
  const out = items.slice(0, 8).map((i) => `  - ${kind} ${i}`);
  if (items.length > 8) out.push(`  … and ${items.length - 8} more of this kind`);
  return out;
}

function inferSpecs(tensors: Map<string, { shape: number[] }>): TrainableSpec[] {
  const out: TrainableSpec[] = [];
  for (const [name, t] of tensors) if (name.startsWith('params/')) out.push({ name: name.slice(7), torch: name.slice(7), shape: t.shape });
  return out;
}
