// Progress of a long phase on stderr (stdout stays the command's output): on a terminal one line
// rewritten in place, in a log a line when it starts, at every quarter and when it ends.
import { isTerminal } from './terminal.js';

export interface Phase {
  /** The log line before the first step; none on a terminal. */
  start?: (total: number) => string;
  step: (done: number, total: number) => string;
  end: (total: number, seconds: string) => string;
}

/**
 * Call with (0, total) when a phase starts (optional for the first) and (done, total) after each
 * step; a reporter serves phase after phase (a backend compiles the kernels of each graph it runs).
 */
export function phaseReporter(phase: Phase, stream: NodeJS.WriteStream = process.stderr): (done: number, total: number) => void {
  const tty = isTerminal(stream);
  let t0: number | undefined;
  let quarter = 0;
  return (done, total) => {
    if (t0 === undefined || done === 0) {
      t0 = performance.now();
      quarter = 0;
      if (!tty && phase.start) stream.write(phase.start(total) + '\n');
    }
    const seconds = `${((performance.now() - t0) / 1000).toFixed(1)} s`;
    if (done >= total) {
      stream.write(`${tty ? '\r' : ''}${phase.end(total, seconds)}\n`);
      t0 = undefined;
    } else if (tty) {
      stream.write(`\r${phase.step(done, total)}`);
    } else if (Math.floor((4 * done) / total) > quarter) {
      quarter = Math.floor((4 * done) / total);
      stream.write(`${phase.step(done, total)} (${seconds})\n`);
    }
  };
}
