import { describe, expect, it } from 'vitest';
import { lineChartSvg } from '../../../runtime/train/plot.js';
import { formatDuration, Progress } from '../../../runtime/train/progress.js';

describe('progress', () => {
  it('rewrites one line on a TTY and clears it for notes', () => {
    let out = '';
    const p = new Progress(10, 0, { write: (s) => (out += s), tty: true });
    p.step(1, 123.4, 5.6789);
    expect(out).toMatch(/^\r\[##\.{18}\] step 1\/10 {2}loss 123\.40 \(5\.679 bpd\) {2}.* ETA /);
    p.note('step 1: test −ELBO 5.5 bits/dim', 5.5);
    p.step(2, 100, 5);
    expect(out).toMatch(/\r +\rstep 1: test −ELBO 5\.5 bits\/dim\n\r\[####.*test 5\.500 bpd/);
    expect(out).not.toMatch(/\n\r\[##\.{18}/);
  });

  it('prints plain lines every few steps when not a TTY', () => {
    const lines: string[] = [];
    const p = new Progress(40, 0, { write: (s) => lines.push(s), tty: false });
    for (let s = 1; s <= 40; s++) p.step(s, 1, 1);
    expect(lines.length).toBe(20);
    expect(lines.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
    expect(lines[19]).toMatch(/^step 40\/40 /);
  });

  it('leaves the first step (kernel compilation) out of the rate and the ETA', () => {
    let now = 0;
    const p = new Progress(100, 0, { write: () => {}, tty: false, clock: () => now });
    now = 60_000; // the first step compiles for a minute
    expect(p.line(1, 1, 1)).toMatch(/60\.0 s\/step {2}ETA 1:39:00$/);
    now += 10 * 2_000; // then 2 s per step
    expect(p.line(11, 1, 1)).toMatch(/2\.0 s\/step {2}ETA 2:58$/);
  });

  it('formats durations', () => {
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(NaN)).toBe('?');
  });
});

describe('loss plot', () => {
  it('is an SVG with one line per series and a legend', () => {
    const svg = lineChartSvg([
      { label: 'train', color: 'blue', points: [{ x: 1, y: 8 }, { x: 2, y: 7 }, { x: 3, y: NaN }] },
      { label: 'test <EMA>', color: 'red', points: [{ x: 0, y: 7.9 }, { x: 2, y: 7.5 }] },
    ], { title: 'run', xLabel: 'step', yLabel: 'bits/dim' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<polyline/g)?.length).toBe(2);
    expect(svg).toContain('test &lt;EMA&gt;');
    expect(svg).not.toContain('NaN');
  });
});
