// sdn elbo model.sdn (--weights FILE | --init-seed N); flags and defaults: cli/commands.ts.
// Test-set −ELBO in bits/dim (one posterior sample per image, as the authors' validation), the
// same evaluation as `sdn eval` with K = 1 and as training's reports.
import { flagValue, UsageError, type ParsedArgs } from '../args.js';
import { usageLine } from '../commands.js';
import { compileArtifact, openSession } from '../model-io.js';
import { evaluateTestSet, testSetFor } from '../test-set.js';

export async function elboCommand(args: ParsedArgs): Promise<number> {
  const [file] = args.positionals;
  if (!file || args.positionals.length > 1) throw new UsageError(usageLine('elbo'));
  const compiled = compileArtifact(file, args.sets);
  if (!compiled) return 1;
  const { model } = compiled;
  const test = await testSetFor(model, String(flagValue(args, 'data')), args);
  const weights = args.flags.get('weights');
  const from = typeof weights === 'string' ? `--weights ${weights}` : `fresh weights (--init-seed ${String(args.flags.get('init-seed'))})`;
  const session = await openSession(args, model);
  try {
    const r = await evaluateTestSet(session, model, test, args, from);
    process.stdout.write(`${test.name}: −ELBO ${r.elboBpd.toFixed(4)} bits/dim (KL ${r.klBpd.toFixed(4)} bits/dim) over ${r.images} test images, ${session.backend.describe()}\n`);
    return 0;
  } finally {
    session.destroy();
  }
}
