import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError, loadCheckpoint, saveCheckpoint, sourceHash } from '../../../runtime/train/checkpoint-node.js';
import { Trainer } from '../../../runtime/train/trainer.js';
import { weightNormFor } from '../../../runtime/train/weight-norm.js';
import { recipe, tinyModel } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sdn-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('checkpoints', () => {
  const model = tinyModel();
  const r = recipe();
  const wn = weightNormFor(model, true);
  const info = { model: model.model, sourceSha256: sourceHash(['model source']), recipe: r, extra: { sets: { h: '6' } } };

  it('round-trips parameters, Adamax state, EMA, data position and β exactly', async () => {
    const state = Trainer.freshState(model, r);
    Object.assign(state, { step: 7, epoch: 1, batchIndex: 3, beta: 0.1 + 0.2, badStreak: 1, skipped: 2 });
    state.adamax.step = 6;
    state.adamax.m.values().next().value![0] = 0.125;
    const path = join(dir, 'a.safetensors');
    await saveCheckpoint(path, state, wn.specs, info);
    const back = await loadCheckpoint(path, { sourceSha256: info.sourceSha256, specs: () => wn.specs });
    expect(back.state.step).toBe(7);
    expect(back.state.beta).toBe(0.1 + 0.2);
    expect([back.state.epoch, back.state.batchIndex, back.state.adamax.step, back.state.badStreak, back.state.skipped]).toEqual([1, 3, 6, 1, 2]);
    expect(back.recipe).toEqual(r);
    expect(back.extra).toEqual({ sets: { h: '6' } });
    for (const [k, v] of state.params) expect(back.state.params.get(k)).toEqual(v);
    for (const [k, v] of state.adamax.m) expect(back.state.adamax.m.get(k)).toEqual(v);
    for (const [k, v] of state.ema) expect(back.state.ema.get(k)).toEqual(v);
    expect([...back.state.params.keys()].filter((k) => k.endsWith('_g')).length).toBe(wn.normalized.length);
  });

  it('refuses another model source, naming both hashes', async () => {
    const path = join(dir, 'a.safetensors');
    await expect(loadCheckpoint(path, { sourceSha256: sourceHash(['other source']) })).rejects.toThrow(/model source has changed.*refusing to resume/s);
  });

  it('names missing and mismatched tensors', async () => {
    const path = join(dir, 'a.safetensors');
    const plain = weightNormFor(model, false); // a model trained without weight norm has w, not g/v
    const err = await loadCheckpoint(path, { specs: () => plain.specs }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toMatch(/missing tensor 'first_layer\.0\.weight'/);
    expect((err as Error).message).toMatch(/extra tensor 'first_layer\.0\.weight_g': the model has no such parameter/);
  });

  it('writes atomically: a failed save leaves the previous file intact and no temporary files', async () => {
    const path = join(dir, 'b.safetensors');
    const state = Trainer.freshState(model, r);
    await saveCheckpoint(path, state, wn.specs, info);
    const before = readFileSync(path);
    state.params.delete('h');
    await expect(saveCheckpoint(path, state, wn.specs, info)).rejects.toThrow(/no params tensor for 'h'/);
    expect(readFileSync(path).equals(before)).toBe(true);
    state.params.set('h', new Float32Array(6).fill(1));
    await saveCheckpoint(path, state, wn.specs, info);
    expect(readFileSync(path).equals(before)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('tmp'))).toEqual([]);
    expect(existsSync(path)).toBe(true);
  });
});
