// Summarises a disentanglement study folder (scripts/disentanglement-study.sh): one row per run
// (decoder, seed, final test −ELBO, the five scores), then mean ± std (sample std) per decoder.
// Writes the markdown to stdout and to DIR/summary.md.
import { readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) throw new Error('usage: disentanglement-table.ts STUDY_DIR');

const columns = ['−ELBO (bits/dim)', 'β-VAE', 'FactorVAE', 'MIG', 'DCI dis.', 'DCI compl.', 'DCI inf.', 'SAP'] as const;

interface Run { decoder: string; seed: string; values: number[] }

function lastEvalBpd(runDir: string): number {
  const evals = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n')
    .map((line) => JSON.parse(line)).filter((row) => row.kind === 'eval');
  return evals[evals.length - 1].elboBpd;
}

const runs: Run[] = [];
for (const name of readdirSync(dir).sort()) {
  const scoresFile = join(dir, name, 'disentanglement.json');
  const match = /^(\w+)-s(\d+)$/.exec(name);
  if (!match || !existsSync(scoresFile)) continue;
  const s = JSON.parse(readFileSync(scoresFile, 'utf8'));
  runs.push({
    decoder: match[1], seed: match[2],
    values: [lastEvalBpd(join(dir, name)), s.beta_vae, s.factor_vae, s.mig,
      s.dci.disentanglement, s.dci.completeness, s.dci.informativeness, s.sap],
  });
}

const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
const header = [row(['decoder', 'seed', ...columns]), row(['---', '---', ...columns.map(() => '---')])];
const lines = [...header, ...runs.map((r) => row([r.decoder, r.seed, ...r.values.map((v) => v.toFixed(3))]))];

lines.push('', ...header.map((h) => h.replace('| seed ', '| seeds ')));
for (const decoder of [...new Set(runs.map((r) => r.decoder))]) {
  const group = runs.filter((r) => r.decoder === decoder);
  const cells = columns.map((_, i) => {
    const xs = group.map((r) => r.values[i]);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
    return `${mean.toFixed(3)} ± ${std.toFixed(3)}`;
  });
  lines.push(row([decoder, String(group.length), ...cells]));
}

const markdown = lines.join('\n') + '\n';
writeFileSync(join(dir, 'summary.md'), markdown);
process.stdout.write(markdown);
