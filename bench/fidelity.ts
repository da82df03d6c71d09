// The fidelity check of issue #4: a training run's test −ELBO (EMA and raw weights) beside the
// reference curve of shared/reference.md (fmnist-sdn, batch 32, Adamax 0.002, weight norm,
// EMA 0.999, free bits 0.01; first 500 test images). Writes docs/fidelity.md and docs/fidelity.svg.
//   npx tsx bench/fidelity.ts runs/fidelity-fmnist-sdn
// The run itself: sdn train models/fmnist-sdn.sdn --data fashion-mnist --steps 600 --batch 32
//   --eval-every 100 --eval-images 500 --eval-raw -o runs/fidelity-fmnist-sdn   (--resume to continue)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../cli/repo.js';
import { lineChartSvg } from '../runtime/train/plot.js';

/** shared/reference.md, fmnist-sdn: step → [EMA, raw] test −ELBO in bits/dim. */
const REFERENCE: [number, number, number][] = [
  [0, 6.974, 6.974], [100, 6.527, 4.202], [200, 6.211, 4.005], [300, 5.995, 3.859], [400, 5.84, 3.782], [500, 5.712, 3.728], [600, 5.595, 3.696],
];
const TOLERANCE = 0.1;

const run = process.argv[2];
if (!run) {
  console.error('usage: npx tsx bench/fidelity.ts RUN_DIR');
  process.exit(2);
}
interface Eval { kind: string; step: number; weights: 'ema' | 'raw'; elboBpd: number }
const records = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Eval);
const evals = records.filter((r) => r.kind === 'eval');
const ours = (step: number, w: 'ema' | 'raw') => evals.find((e) => e.step === step && e.weights === w)?.elboBpd;
const fmt = (v?: number) => (v === undefined ? '–' : v.toFixed(3));
const delta = (a?: number, b?: number) => (a === undefined || b === undefined ? '–' : `${a - b >= 0 ? '+' : ''}${(a - b).toFixed(3)}`);

const rows = REFERENCE.map(([step, ema, raw]) =>
  `| ${step} | ${ema.toFixed(3)} | ${fmt(ours(step, 'ema'))} | ${delta(ours(step, 'ema'), ema)} | ${raw.toFixed(3)} | ${fmt(ours(step, 'raw'))} | ${delta(ours(step, 'raw'), raw)} |`);
const last = Math.max(...records.map((e) => e.step));
const final = ours(600, 'ema') !== undefined
  ? `At step 600 the EMA curve is ${delta(ours(600, 'ema'), 5.595)} and the raw one ${delta(ours(600, 'raw'), 3.696)} bits/dim from the reference (tolerance ±${TOLERANCE}).`
  : `The run has trained ${last} of 600 steps so far (evaluations every 100); it continues with \`--resume\` (checkpoints every 100 steps).`;
const doc = `# Fidelity: fmnist-sdn training against the reference curve

Test −ELBO in bits/dim on the first 500 Fashion-MNIST test images (one posterior sample), with the
EMA weights and with the raw weights, for the recipe of the reference run in \`shared/reference.md\`:
batch 32, Adamax lr 0.002, orthogonal conv init, weight norm, EMA 0.999, free bits 0.01. Ours is
\`sdn train\` on WebGPU (the differentiated graph's kernels), seed 0; regenerate this page with
\`npx tsx bench/fidelity.ts ${run}\`.

| step | reference EMA | ours EMA | Δ | reference raw | ours raw | Δ |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

${final}

![curves](fidelity.svg)
`;
const series = (label: string, color: string, points: { x: number; y: number }[]) => ({ label, color, points });
const svg = lineChartSvg([
  series('reference EMA', '#9ecae1', REFERENCE.map(([x, y]) => ({ x, y }))),
  series('reference raw', '#fdae6b', REFERENCE.map(([x, , y]) => ({ x, y }))),
  series('ours EMA', '#08519c', evals.filter((e) => e.weights === 'ema').map((e) => ({ x: e.step, y: e.elboBpd }))),
  series('ours raw', '#d94801', evals.filter((e) => e.weights === 'raw').map((e) => ({ x: e.step, y: e.elboBpd }))),
], { title: 'fmnist-sdn: test −ELBO', xLabel: 'step', yLabel: 'bits/dim' });
const docs = join(repoRoot(), 'docs');
writeFileSync(join(docs, 'fidelity.md'), doc);
writeFileSync(join(docs, 'fidelity.svg'), svg);
console.log(doc);
