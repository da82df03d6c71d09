// sdn elbo model.sdn (--run DIR | --weights FILE | --init-seed N); flags and defaults: cli/commands.ts.
// Test-set −ELBO in bits/dim (one posterior sample per image, as the authors' validation), the
// same evaluation as `sdn eval` with K = 1 and as training's reports.
import { UsageError, type ParsedArgs } from '../args.js';
import { usageLine } from '../commands.js';
import { openSession } from '../model-io.js';
import { loadRunWeights } from '../run-weights.js';
import { dataSpecOf, evaluateTestSet, testSetFor } from '../test-set.js';

export async function elboCommand(args: ParsedArgs): Promise<number> {
  const [file] = args.positionals;
  if (!file || args.positionals.length > 1) throw new UsageError(usageLine('elbo'));
  const loaded = await loadRunWeights(file, args, usageLine('elbo'), { initSeed: true });
  if (!loaded) return 1;
  const { model, params, from, checkpoint } = loaded;
  const test = await testSetFor(model, dataSpecOf(args, checkpoint), args);
  const session = await openSession(args, model, params);
  try {
    const r = await evaluateTestSet(session, model, test, args, from);
    process.stdout.write(`${test.name}: −ELBO ${r.elboBpd.toFixed(4)} bits/dim (KL ${r.klBpd.toFixed(4)} bits/dim) over ${r.images} test images; ${from}; ${session.backend.describe()}\n`);
    return 0;
  } finally {
    session.destroy();
  }
}
