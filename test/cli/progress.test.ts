// cli/progress.ts: a phase's progress on a terminal (one line rewritten) and in a log (a line at
// the start, at each quarter and at the end), and one reporter serving phase after phase.
import { describe, expect, it } from 'vitest';
import { phaseReporter, type Phase } from '../../cli/progress.js';

const PHASE: Phase = {
  start: (total) => `compiling ${total} kernels`,
  step: (done, total) => `compiling kernels ${done}/${total}`,
  end: (total, seconds) => `compiled ${total} kernels in ${seconds}`,
};

function stream(isTTY: boolean): { s: NodeJS.WriteStream; text: () => string } {
  let out = '';
  const s = { isTTY, write: (t: string) => ((out += t), true) } as unknown as NodeJS.WriteStream;
  return { s, text: () => out };
}

describe('phaseReporter', () => {
  it('in a log: the start, each quarter and the end of every phase, each phase timed from its own start', () => {
    const { s, text } = stream(false);
    const report = phaseReporter(PHASE, s);
    for (let d = 0; d <= 8; d++) report(d, 8);
    for (let d = 0; d <= 3; d++) report(d, 3);
    const lines = text().trim().split('\n').map((l) => l.replace(/\d+\.\d s/, 'T'));
    expect(lines).toEqual([
      'compiling 8 kernels', 'compiling kernels 2/8 (T)', 'compiling kernels 4/8 (T)', 'compiling kernels 6/8 (T)', 'compiled 8 kernels in T',
      'compiling 3 kernels', 'compiling kernels 1/3 (T)', 'compiling kernels 2/3 (T)', 'compiled 3 kernels in T',
    ]);
  });

  it('on a terminal: one line rewritten in place, ended by the total', () => {
    const prev = process.env.TERM;
    process.env.TERM = 'xterm';
    try {
      const { s, text } = stream(true);
      const report = phaseReporter(PHASE, s);
      for (let d = 0; d <= 2; d++) report(d, 2);
      expect(text().replace(/\d+\.\d s/, 'T')).toBe('\rcompiling kernels 0/2\rcompiling kernels 1/2\rcompiled 2 kernels in T\n');
    } finally {
      process.env.TERM = prev;
    }
  });
});
