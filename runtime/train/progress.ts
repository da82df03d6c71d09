// Training progress: on a TTY one line rewritten in place (step/N, loss, bits/dim, steps/s, ETA);
// elsewhere (logs, CI) a plain line every `every` steps and at the end. Browser-safe: the caller
// gives the writer.

export interface ProgressOptions {
  write: (s: string) => void;
  tty: boolean;
  /** Plain mode: print every this many steps (default: about 20 lines per run). */
  every?: number;
  width?: number;
  /** Milliseconds (default performance.now). */
  clock?: () => number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

export class Progress {
  private readonly clock: () => number;
  private readonly t0: number;
  /** When the first step of this run ended: its time includes compiling every kernel. */
  private firstStepEnd?: { step: number; at: number };
  private readonly every: number;
  private testBpd?: number;
  private lastLen = 0;

  constructor(private readonly total: number, private readonly startStep: number, private readonly opts: ProgressOptions) {
    this.every = opts.every ?? Math.max(1, Math.round((total - startStep) / 20));
    this.clock = opts.clock ?? (() => performance.now());
    this.t0 = this.clock();
  }

  line(step: number, loss: number, bpd: number): string {
    const now = this.clock();
    const first = (this.firstStepEnd ??= { step, at: now });
    // The rate leaves out the first step, which on a fresh machine is mostly kernel compilation.
    const [steps, ms] = step > first.step ? [step - first.step, now - first.at] : [step - this.startStep, now - this.t0];
    const rate = steps > 0 ? steps / (ms / 1000) : 0;
    const eta = rate > 0 ? (this.total - step) / rate : NaN;
    const test = this.testBpd !== undefined ? `  test ${this.testBpd.toFixed(3)} bpd` : '';
    const rateText = rate >= 1 ? `${rate.toFixed(2)} steps/s` : rate > 0 ? `${(1 / rate).toFixed(1)} s/step` : '– steps/s';
    return `step ${step}/${this.total}  loss ${loss.toFixed(2)} (${bpd.toFixed(3)} bpd)${test}  ${rateText}  ETA ${formatDuration(eta)}`;
  }

  step(step: number, loss: number, bpd: number): void {
    const text = this.line(step, loss, bpd);
    if (this.opts.tty) {
      const width = this.opts.width ?? 120;
      const frac = Math.min(1, step / this.total), barW = 20, fill = Math.round(frac * barW);
      const bar = `[${'#'.repeat(fill)}${'.'.repeat(barW - fill)}] `;
      const s = (bar + text).slice(0, width - 1);
      this.opts.write(`\r${s}${' '.repeat(Math.max(0, this.lastLen - s.length))}`);
      this.lastLen = s.length;
    } else if (step === this.total || (step - this.startStep) % this.every === 0) {
      this.opts.write(`${text}\n`);
    }
  }

  /** A message on its own line (an evaluation result, a warning) without breaking the bar. */
  note(message: string, testBpd?: number): void {
    if (testBpd !== undefined) this.testBpd = testBpd;
    const clear = this.opts.tty && this.lastLen > 0 ? `\r${' '.repeat(this.lastLen)}\r` : '';
    this.opts.write(`${clear}${message}\n`);
    this.lastLen = 0;
  }

  /** Evaluation progress: TTY only (a plain log gets the result line). */
  evalProgress(done: number, total: number): void {
    if (!this.opts.tty) return;
    const s = `evaluating ${done}/${total} test images`;
    this.opts.write(`\r${s}${' '.repeat(Math.max(0, this.lastLen - s.length))}`);
    this.lastLen = s.length;
  }

  end(): void {
    if (this.opts.tty && this.lastLen > 0) this.opts.write('\n');
    this.lastLen = 0;
  }
}
