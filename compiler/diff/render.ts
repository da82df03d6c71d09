// Renders a DiffReport as text (optionally coloured, for a terminal), Markdown (for a PR
// comment) or JSON.
import type { Attr } from '../../runtime/ir.js';
import { fmtFlops } from '../summary/summary.js';
import type { Change, DiffReport, ModuleDiff, ModuleSide, ParamRef, Stats } from './diff.js';

const fmtInt = (n: number) => n.toLocaleString('en-US');
const fmtBytes = (b: number) =>
  b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(2)} MiB` : b >= 2 ** 10 ? `${(b / 2 ** 10).toFixed(1)} KiB` : `${b} B`;
const signed = (d: number, f: (n: number) => string) => (d === 0 ? '0' : `${d > 0 ? '+' : '-'}${f(Math.abs(d))}`);
const shape = (s: number[] | undefined, batched = false) => (s ? `[${batched ? 'B, ' : ''}${s.join(', ')}]` : '–');
const attr = (v: Attr | undefined) => (v === undefined ? '–' : Array.isArray(v) ? `[${v.join(', ')}]` : typeof v === 'string' ? v : String(v));
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const METRICS: [string, keyof Stats, (n: number) => string][] = [
  ['params', 'params', fmtInt],
  ['FLOPs / example', 'flops', fmtFlops],
  ['activations / example', 'activationBytes', fmtBytes],
];

export function counts(r: DiffReport) {
  const n = (s: ModuleDiff['status']) => r.modules.filter((m) => m.status === s).length;
  return { changed: n('changed'), added: n('added'), removed: n('removed'), same: n('same') };
}

export function headline(r: DiffReport): string {
  if (r.same) return 'no architectural change';
  const c = counts(r);
  return `${plural(c.changed, 'module')} changed, ${c.added} added, ${c.removed} removed (${c.same} unchanged)`;
}

/** One line per difference inside a changed module. */
function describeChange(c: Change, m: ModuleDiff): string {
  switch (c.what) {
    case 'kind': return `kind: ${c.a} → ${c.b}`;
    case 'attr': return `${c.key}: ${attr(c.a)} → ${attr(c.b)}`;
    case 'outShape': return `output: ${shape(c.a, m.a?.outBatched)} → ${shape(c.b, m.b?.outBatched)}`;
    case 'param':
      if (!c.a) return `+ ${c.name} ${shape(c.b)}`;
      if (!c.b) return `- ${c.name} ${shape(c.a)}`;
      return `~ ${c.name} ${shape(c.a)} → ${shape(c.b)}`;
    case 'computation': return `the ops inside differ (${c.modes.join(' and ')} graph)`;
  }
}

type Paint = (style: 'add' | 'del' | 'mod' | 'dim' | 'bold', s: string) => string;
const STYLES = { add: '32', del: '31', mod: '33', dim: '2', bold: '1' } as const;

export function renderText(r: DiffReport, color = false): string {
  const paint: Paint = (style, s) => (color ? `\x1b[${STYLES[style]}m${s}\x1b[0m` : s);
  const out = [paint('bold', 'sdn diff'), `  a: ${r.a}`, `  b: ${r.b}`, ''];
  if (r.same) {
    out.push(`${paint('bold', 'no architectural change')} (${plural(r.modules.length, 'module')}, ${fmtInt(r.totals.a.params)} params)`);
    return out.join('\n');
  }
  for (const m of r.modules) if (m.status !== 'same') out.push(...textModule(m, paint));
  out.push(paint('bold', headline(r)), '');
  out.push(...table(['', 'a', 'b', 'delta'], METRICS.map(([label, key, f]) => [label, f(r.totals.a[key]), f(r.totals.b[key]), signed(r.totals.b[key] - r.totals.a[key], f)])));
  const blocks = r.blocks.filter((b) => METRICS.some(([, k]) => b.a[k] !== b.b[k]));
  if (blocks.length) {
    out.push('', paint('bold', 'per block (those that changed)'));
    out.push(...table(['block', 'params', 'FLOPs / example', 'activations / example'], blocks.map((b) => [b.block, ...METRICS.map(([, k, f]) => signed(b.b[k] - b.a[k], f))])));
  }
  out.push('', ...textWeights(r, paint));
  return out.join('\n');
}

function textModule(m: ModuleDiff, paint: Paint): string[] {
  const side = (m.b ?? m.a)!;
  if (m.status !== 'changed') {
    const [mark, style, label] = m.status === 'added' ? ['+', 'add', 'b'] as const : ['-', 'del', 'a'] as const;
    return [`${paint(style, `${mark} ${m.path}`)}  ${side.kind} ${shape(side.outShape, side.outBatched)}  ${fmtInt(side.params)} params  ${paint('dim', `${label}: ${side.source ?? '?'}`)}`];
  }
  const a = m.a!, b = m.b!;
  const kind = a.kind === b.kind ? a.kind : `${a.kind} → ${b.kind}`;
  const lines = [`${paint('mod', `~ ${m.path}`)}  ${kind}  ${paint('dim', sources(a, b))}`];
  for (const c of m.changes) {
    const text = `    ${describeChange(c, m)}`;
    lines.push(c.what === 'param' ? paint(!c.a ? 'add' : !c.b ? 'del' : 'mod', text) : text);
  }
  if (a.params !== b.params) lines.push(`    params: ${fmtInt(a.params)} → ${fmtInt(b.params)} (${signed(b.params - a.params, fmtInt)})`);
  return lines;
}

const sources = (a: ModuleSide, b: ModuleSide) => (a.source || b.source ? `a: ${a.source ?? '?'}  b: ${b.source ?? '?'}` : '');

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

/** Groups parameters by module, in the report's module order: `ladder_layers.3.down_a: weight, bias`. */
function byModule(r: DiffReport, refs: { path: string; module: string }[]): string[] {
  const groups = new Map<string, string[]>(r.modules.map((m) => [m.path, []]));
  for (const p of refs) {
    const name = p.path.startsWith(`${p.module}.`) ? p.path.slice(p.module.length + 1) : p.path;
    if (!groups.has(p.module)) groups.set(p.module, []);
    groups.get(p.module)!.push(name);
  }
  const list = (names: string[]) => (names.length <= 6 ? names.join(', ') : `${names.length} tensors (${names.slice(0, 3).join(', ')}, …)`);
  return [...groups].filter(([, names]) => names.length).map(([mod, names]) => `${mod}: ${list(names)}`);
}

const values = (refs: ParamRef[]) => refs.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);

export function weightsLine(r: DiffReport): string {
  const w = r.weights;
  const total = w.transferable.length + w.shapeDiffers.length + w.roleDiffers.length + w.missingInB.length;
  return `${w.transferable.length} of ${plural(total, 'parameter')} of a (${fmtInt(values(w.transferable))} values) can initialize b; ${plural(w.newInB.length, 'parameter')} of b start fresh`;
}

function textWeights(r: DiffReport, paint: Paint): string[] {
  const w = r.weights;
  const out = [`${paint('bold', 'weights:')} ${weightsLine(r)}`];
  if (w.shapeDiffers.length) out.push('  shape differs (a → b):', ...w.shapeDiffers.map((p) => `    ${p.path} ${shape(p.a)} → ${shape(p.b)}`));
  if (w.roleDiffers.length) out.push('  used differently (a → b):', ...w.roleDiffers.map((p) => `    ${p.path}: ${p.a} → ${p.b}`));
  if (w.missingInB.length) out.push('  missing in b:', ...byModule(r, w.missingInB).map((l) => `    ${l}`));
  if (w.newInB.length) out.push('  new in b:', ...byModule(r, w.newInB).map((l) => `    ${l}`));
  return out;
}

const cell = (s: string) => s.replace(/\|/g, '\\|');
const code = (s: string) => `\`${s}\``;

export function renderMarkdown(r: DiffReport): string {
  const out = [`### \`sdn diff\` ${code(r.a)} → ${code(r.b)}`, ''];
  if (r.same) return [...out, '**No architectural change.**', ''].join('\n');
  out.push(`**${headline(r)}**`, '');
  out.push('| | Module | Kind | Output | Params | Changes | Source (a → b) |', '|---|---|---|---|---:|---|---|');
  for (const m of r.modules) if (m.status !== 'same') out.push(markdownRow(m));
  out.push('', '| | a | b | Δ |', '|---|---:|---:|---:|');
  for (const [label, key, f] of METRICS) out.push(`| ${label} | ${f(r.totals.a[key])} | ${f(r.totals.b[key])} | ${signed(r.totals.b[key] - r.totals.a[key], f)} |`);
  const blocks = r.blocks.filter((b) => METRICS.some(([, k]) => b.a[k] !== b.b[k]));
  if (blocks.length) {
    out.push('', `<details><summary>Per-block deltas (${blocks.length})</summary>`, '', '| Block | Δ params | Δ FLOPs / example | Δ activations / example |', '|---|---:|---:|---:|');
    for (const b of blocks) out.push(`| ${code(b.block)} | ${METRICS.map(([, k, f]) => signed(b.b[k] - b.a[k], f)).join(' | ')} |`);
    out.push('', '</details>');
  }
  const w = r.weights;
  out.push('', `<details><summary>Weights: ${cell(weightsLine(r))}</summary>`, '');
  for (const p of w.shapeDiffers) out.push(`- shape differs: ${code(p.path)} ${shape(p.a)} → ${shape(p.b)}`);
  for (const p of w.roleDiffers) out.push(`- used differently: ${code(p.path)} ${cell(p.a)} → ${cell(p.b)}`);
  for (const l of byModule(r, w.missingInB)) out.push(`- missing in b: ${cell(l)}`);
  for (const l of byModule(r, w.newInB)) out.push(`- new in b: ${cell(l)}`);
  out.push('', '</details>', '');
  return out.join('\n');
}

function markdownRow(m: ModuleDiff): string {
  const a = m.a, b = m.b;
  const pick = <T>(f: (s: ModuleSide) => T, fmt: (v: T, s: ModuleSide) => string) => {
    if (!a || !b) return fmt(f((a ?? b)!), (a ?? b)!);
    const [x, y] = [fmt(f(a), a), fmt(f(b), b)];
    return x === y ? x : `${x} → ${y}`;
  };
  const mark = { added: '+', removed: '−', changed: '~', same: '' }[m.status];
  const params = m.changes.filter((c) => c.what === 'param');
  const other = m.changes.filter((c) => c.what !== 'param' && c.what !== 'kind' && c.what !== 'outShape').map((c) => describeChange(c, m));
  if (params.length > 4) {
    const n = (f: (c: Change & { what: 'param' }) => boolean) => params.filter(f).length;
    other.push(`tensors: +${n((c) => !c.a)} −${n((c) => !c.b)} ~${n((c) => !!c.a && !!c.b)}`);
  } else other.push(...params.map((c) => describeChange(c, m)));
  return `| ${mark} | ${code(m.path)} | ${pick((s) => s.kind, (v) => v)} | ${pick((s) => s.outShape, (v, s) => shape(v, s.outBatched))} | ${pick((s) => s.params, fmtInt)} | ${cell(other.join('<br>'))} | ${cell(pick((s) => s.source ?? '', (v) => v))} |`;
}

export const renderJson = (r: DiffReport): string => JSON.stringify(r, null, 2);
