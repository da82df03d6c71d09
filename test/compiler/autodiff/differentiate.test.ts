// The differentiated graph (compiler/autodiff) run by the CPU interpreter against the CPU tape
// (test/support/tape.ts, itself checked against finite differences): every op's rule, and
// whole models. In float64, so any disagreement is a wrong rule, not round-off.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { differentiate } from '../../../compiler/autodiff/differentiate.js';
import { buildArtifact, trainingGraph } from '../../../compiler/compile.js';
import { compileModel } from '../../../compiler/pipeline.js';
import { gradients } from '../../support/tape.js';
import { runGraph, type RunEnv } from '../../../runtime/cpu/interpreter.js';
import { gradOutput, numel, seedInput, type IrGraph } from '../../../runtime/ir.js';
import { initParams } from '../../../runtime/init.js';
import { noiseFor } from '../../../runtime/session.js';
import { relErr } from '../../support/golden.js';
import { rand } from '../../support/gradcheck.js';
import { OP_CASES } from '../../support/op-cases.js';

const models = join(import.meta.dirname, '../../../models');

/** Worst relative error over every gradient the tape computes, for the given environment and seeds. */
function compareWithTape(g: IrGraph, env: RunEnv<Float64Array>, seeds: Record<string, Float64Array>, inputs: string[]): number {
  const d = differentiate(g, { seeds: Object.keys(seeds), inputs });
  const seeded = { ...env, inputs: { ...env.inputs, ...Object.fromEntries(Object.entries(seeds).map(([k, v]) => [seedInput(k), v])) } };
  const out = runGraph(d, seeded).outputs;
  const tape = gradients(g, env, seeds);
  let worst = 0;
  const check = (name: string, want: Float64Array) => {
    const got = out[gradOutput(name)];
    const err = got ? relErr(got, want) : want.every((v) => v === 0) ? 0 : Infinity;
    expect(err, `gradient of ${name}`).toBeLessThan(1e-12);
    worst = Math.max(worst, err);
  };
  for (const [p, want] of tape.params) check(p, want);
  for (const i of inputs) check(i, tape.inputs[i]);
  return worst;
}

describe('differentiate: every op', () => {
  it.each(OP_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const batch = c.batch ?? 2;
    let seed = 1;
    const data = (name: string, n: number) => rand(n, seed++, ...(c.ranges?.[name] ?? [-1, 1]));
    const inputs = Object.fromEntries(c.graph.inputs.map((i) => [i.name, data(i.name, batch * numel(i.shape))]));
    const params = new Map(c.graph.params.map((p) => [p.path, data(p.path, numel(p.shape))]));
    const env: RunEnv<Float64Array> = { batch, inputs, params, dtype: Float64Array, noise: noiseFor(1) };
    const first = runGraph(c.graph, env).outputs;
    const seeds = Object.fromEntries(Object.entries(first).map(([n, v]) => [n, rand(v.length, seed++)]));
    compareWithTape(c.graph, env, seeds, c.graph.inputs.map((i) => i.name).filter((n) => !c.data?.includes(n)));
  });
});

describe('differentiate: models', () => {
  it.each(['3dshapes-cnn', 'fmnist-sdn'])('%s: the training graph gives the tape\'s gradients of mean(loss)', (name) => {
    const g = compileModel(join(models, `${name}.sdn`)).graphs!.elbo;
    const batch = 2, image = g.inputs[0];
    const params = new Map([...initParams(g.params, 0)].map(([k, v]) => [k, Float64Array.from(v)]));
    const x = rand(batch * numel(image.shape), 9, -1, 1).map((v) => Math.round(v * 127.5) / 127.5);
    const env: RunEnv<Float64Array> = { batch, params, inputs: { [image.name]: x }, scalars: { beta: 1 }, noise: noiseFor(3), dtype: Float64Array };
    compareWithTape(g, env, { loss: new Float64Array(batch).fill(1 / batch) }, []);
  });

  it('every model in models/ differentiates and lowers, with a gradient for every parameter the loss reaches', () => {
    for (const f of readdirSync(models).filter((m) => m.endsWith('.sdn'))) {
      const c = compileModel(join(models, f));
      const train = buildArtifact(c).graphs.train;
      const grads = new Set(train.outputs.map((o) => o.name));
      const reached = trainingGraph(c.graphs!.elbo).outputs.filter((o) => o.name.startsWith('grad:')).length;
      expect(reached, f).toBeGreaterThan(0.95 * c.graphs!.elbo.params.length);
      for (const o of ['loss', 'elbo', 'kl']) expect(grads.has(o), `${f}: ${o}`).toBe(true);
      expect(train.inputs.map((i) => i.name), f).toContain(seedInput('loss'));
    }
  });

  it('names a missing output', () => {
    const g = compileModel(join(models, 'fmnist-cnn.sdn')).graphs!.elbo;
    expect(() => differentiate(g, { seeds: ['nope'] })).toThrow(/no output 'nope' to seed \(outputs: .*loss/);
  });
});
