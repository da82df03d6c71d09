// sdn demo [model.sdn] [any sdn train flag]; DEMO_DEFAULTS in cli/commands.ts.
// The main job on the embedded default: a short training run of fmnist-sdn on the real
// Fashion-MNIST with the reference recipe (batch 32, Adamax 0.002, weight norm, EMA 0.999,
// free bits 0.01), evaluated on the first 500 test images with the EMA and the raw weights, as
// the reference curve in shared/reference.md. It is `sdn train` with those defaults, into a new
// run folder each time (metrics.jsonl, sample grids, loss.svg, checkpoints).
import { join } from 'node:path';
import type { ParsedArgs } from '../args.js';
import { DEMO_DEFAULTS } from '../commands.js';
import { repoRoot } from '../repo.js';
import { trainCommand } from './train.js';

export async function demoCommand(args: ParsedArgs): Promise<number> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const flags = new Map(args.flags);
  for (const [k, v] of Object.entries(DEMO_DEFAULTS)) if (!flags.has(k)) flags.set(k, v);
  if (!flags.has('o')) flags.set('o', join('runs', `demo-${stamp}`));
  const model = args.positionals[0] ?? join(repoRoot(), 'models', 'fmnist-sdn.sdn');
  return trainCommand({ ...args, positionals: [model], flags });
}
