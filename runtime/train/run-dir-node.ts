// A training run's folder: metrics.jsonl (one JSON record per step and per evaluation),
// samples-<step>.png grids, loss.svg (train loss and test bits/dim against the step) and
// checkpoint.safetensors. Whole-file writes are atomic (temporary file, then rename).
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageGrid } from '../image/grid.js';
import { writePngFile } from '../image/png-node.js';
import { lineChartSvg } from './plot.js';

export interface MetricRecord {
  kind: string;
  step: number;
  [key: string]: unknown;
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export class RunDir {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  get checkpointPath(): string {
    return join(this.dir, 'checkpoint.safetensors');
  }

  get metricsPath(): string {
    return join(this.dir, 'metrics.jsonl');
  }

  hasCheckpoint(): boolean {
    return existsSync(this.checkpointPath);
  }

  appendMetrics(record: MetricRecord): void {
    // NaN/Infinity are not JSON: written as null (a skipped step's gradient norm).
    appendFileSync(this.metricsPath, JSON.stringify(record, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n');
  }

  readMetrics(): MetricRecord[] {
    if (!existsSync(this.metricsPath)) return [];
    return readFileSync(this.metricsPath, 'utf8').split('\n').filter((l) => l.trim()).flatMap((l) => {
      try {
        return [JSON.parse(l) as MetricRecord];
      } catch {
        return []; // a line cut short by a crash
      }
    });
  }

  /** Drops records after `step` (written after the checkpoint a resumed run restarts from). */
  truncateMetrics(step: number): void {
    const keep = this.readMetrics().filter((r) => r.step <= step);
    writeFileAtomic(this.metricsPath, keep.map((r) => JSON.stringify(r) + '\n').join(''));
  }

  async writeSamples(step: number, grid: ImageGrid): Promise<string> {
    const path = join(this.dir, `samples-${step}.png`);
    const tmp = `${path}.tmp-${process.pid}`;
    await writePngFile(tmp, { width: grid.width, height: grid.height, channels: grid.channels as 1 | 3, pixels: grid.pixels });
    renameSync(tmp, path);
    return path;
  }

  /** Redraws loss.svg from metrics.jsonl. */
  writeLossPlot(title: string): string {
    const recs = this.readMetrics();
    const train = recs.filter((r) => r.kind === 'train' && !r.skipped && typeof r.bpd === 'number');
    const evals = (w: string) => recs.filter((r) => r.kind === 'eval' && r.weights === w).map((r) => ({ x: r.step, y: r.elboBpd as number }));
    const series = [
      { label: 'train loss (bits/dim)', color: '#1f77b4', points: smooth(train.map((r) => ({ x: r.step, y: r.bpd as number }))) },
      { label: 'test −ELBO, EMA', color: '#d62728', points: evals('ema') },
      { label: 'test −ELBO, raw', color: '#2ca02c', points: evals('raw') },
    ].filter((s) => s.points.length > 0);
    const path = join(this.dir, 'loss.svg');
    writeFileAtomic(path, lineChartSvg(series, { title, xLabel: 'step', yLabel: 'bits/dim' }));
    return path;
  }
}

/** Mean over windows, so a long run's plot has at most ~500 points. */
function smooth(points: { x: number; y: number }[]): { x: number; y: number }[] {
  const k = Math.ceil(points.length / 500);
  if (k <= 1) return points;
  const out = [];
  for (let i = 0; i < points.length; i += k) {
    const w = points.slice(i, i + k);
    out.push({ x: w[w.length - 1].x, y: w.reduce((s, p) => s + p.y, 0) / w.length });
  }
  return out;
}
