// sdn eval model.sdn (--run DIR | --weights FILE); flags and defaults: cli/commands.ts.
// Test-set importance-weighted NLL with K samples (logsumexp over K ELBOs − log K) and −ELBO, in
// bits/dim. From a run (or a checkpoint given as --weights) the EMA weights are used unless --raw.
import { UsageError, type ParsedArgs } from '../args.js';
import { openSession } from '../model-io.js';
import { usageLine } from '../commands.js';
import { loadRunWeights } from '../run-weights.js';
import { dataSpecOf, evaluateTestSet, testSetFor } from '../test-set.js';

export async function evalCommand(args: ParsedArgs): Promise<number> {
  const [file] = args.positionals;
  if (!file) throw new UsageError(usageLine('eval'));
  const loaded = await loadRunWeights(file, args, usageLine('eval'));
  if (!loaded) return 1;
  const { model, params, from, checkpoint: ckpt } = loaded;
  const test = await testSetFor(model, dataSpecOf(args, ckpt), args);
  const session = await openSession(args, model, params);
  try {
    const r = await evaluateTestSet(session, model, test, args, from);
    if (args.flags.has('json')) {
      process.stdout.write(JSON.stringify({ model: model.model, data: test.name, from, executor: session.backend.describe(), ...r }) + '\n');
    } else {
      process.stdout.write(
        `${test.name}: NLL ${r.nllBpd.toFixed(4)} bits/dim (importance-weighted, K = ${r.k}), −ELBO ${r.elboBpd.toFixed(4)} bits/dim ` +
        `(KL ${r.klBpd.toFixed(4)}) over ${r.images} test images; ${from}; ${session.backend.describe()}\n`,
      );
    }
    return 0;
  } finally {
    session.destroy();
  }
}
