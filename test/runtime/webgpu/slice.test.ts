// sliceGraph (used by large-models.test.ts): a slice fed with the whole model's values at its cut
// computes exactly the whole model's values, on the CPU interpreter.
import { describe, expect, it } from 'vitest';
import { compileModel } from '../../../compiler/pipeline.js';
import { runGraph } from '../../../runtime/cpu/interpreter.js';
import { initParams } from '../../../runtime/init.js';
import { numel } from '../../../runtime/ir.js';
import { noiseFor } from '../../../runtime/session.js';
import { inHead, inModules, sliceGraph } from './slice.js';
import { fill } from './support.js';

describe('sliceGraph', () => {
  const c = compileModel('models/fmnist-sdn.sdn');
  if (!c.graphs) throw new Error(c.diagnostics.map((d) => d.message).join('; '));
  const g = c.graphs.elbo;
  const params = initParams(g.params, 3);
  const x = fill(numel(g.inputs[0].shape), 1, -1, 1);
  const whole = runGraph(g, { batch: 1, params, inputs: { x }, noise: noiseFor(9) }, { keepValues: true });

  it.each([['ladder layer 2', inModules(g, ['ladder_layers.2'])], ['the output head', inHead(g)]])(
    '%s: the whole model\'s values at the cut give its values everywhere else', (_what, select) => {
      const s = sliceGraph(g, select);
      const value = (name: string) => {
        const m = /^(?:cut|n)(\d+)$/.exec(name);
        return m ? whole.values![Number(m[1])].data : whole.outputs[name];
      };
      const sliceParams = new Map(s.params.map((p) => [p.path, params.get(p.path) ?? value(p.path.replace('cut.', 'cut'))]));
      const inputs = Object.fromEntries(s.inputs.map((i) => [i.name, i.name === 'x' ? x : value(i.name)]));
      const out = runGraph(s, { batch: 1, params: sliceParams, inputs, noise: noiseFor(9) }).outputs;
      expect(s.inputs.some((i) => i.name.startsWith('cut'))).toBe(true);
      expect(s.outputs.length).toBeGreaterThan(0);
      for (const o of s.outputs) expect(out[o.name], o.name).toEqual(value(o.name));
    },
  );
});
