// `sdn summary`: one row per module (layer or labelled block) of the ELBO graph with its
// output shape, parameter count and forward FLOPs per example, torchinfo style.
import { numel, type IrGraph } from '../../runtime/ir.js';
import { OPS } from '../ops/index.js';

export interface SummaryRow {
  path: string;
  kind: string;
  depth: number;
  outShape?: string;
  params: number;
  flops: number;
  source?: string;
}

export interface Summary {
  rows: SummaryRow[];
  totalParams: number;
  totalFlops: number;
  /** Forward FLOPs per example not inside any module (model-level glue, likelihood). */
  glueFlops: number;
}

export function nodeFlops(g: IrGraph): number[] {
  return g.nodes.map((n) => {
    const ins = n.inputs.map((i) => ({ shape: g.nodes[i].shape, batched: g.nodes[i].batched }));
    return OPS[n.op].flops(ins, n.shape, n.attrs);
  });
}

export function summarize(g: IrGraph): Summary {
  const rows: SummaryRow[] = g.layers.map((l) => ({
    path: l.path, kind: l.kind, depth: l.depth, params: 0, flops: 0,
    outShape: l.outShape && `[${l.outBatched ? 'B, ' : ''}${l.outShape.join(', ')}]`,
    source: l.source ? `${l.source.file}:${l.source.line}` : undefined,
  }));
  for (const p of g.params) if (p.layer >= 0) rows[p.layer].params += numel(p.shape);
  const flops = nodeFlops(g);
  let glueFlops = 0;
  g.nodes.forEach((n, i) => {
    if (n.layer >= 0) rows[n.layer].flops += flops[i];
    else glueFlops += flops[i];
  });
  return {
    rows: treeOrder(rows),
    totalParams: g.params.reduce((s, p) => s + numel(p.shape), 0),
    totalFlops: flops.reduce((a, b) => a + b, 0),
    glueFlops,
  };
}

/** Parents first, each followed by its children (a ladder layer's up and down halves together). */
function treeOrder(rows: SummaryRow[]): SummaryRow[] {
  const children = new Map<string, SummaryRow[]>();
  const roots: SummaryRow[] = [];
  const byPath = new Map(rows.map((r) => [r.path, r]));
  for (const r of rows) {
    const parts = r.path.split('.');
    let parent: string | undefined;
    for (let n = parts.length - 1; n > 0 && !parent; n--) if (byPath.has(parts.slice(0, n).join('.'))) parent = parts.slice(0, n).join('.');
    if (parent) children.set(parent, [...(children.get(parent) ?? []), r]);
    else roots.push(r);
  }
  const out: SummaryRow[] = [];
  const visit = (r: SummaryRow) => {
    out.push(r);
    (children.get(r.path) ?? []).forEach(visit);
  };
  roots.forEach(visit);
  return out;
}

const fmtInt = (n: number) => n.toLocaleString('en-US');
export const fmtFlops = (f: number) =>
  f >= 1e9 ? `${(f / 1e9).toFixed(2)} G` : f >= 1e6 ? `${(f / 1e6).toFixed(2)} M` : f >= 1e3 ? `${(f / 1e3).toFixed(1)} K` : String(f);

export function renderSummary(name: string, s: Summary): string {
  const header = ['Layer (path)', 'Kind', 'Output shape', 'Params', 'FLOPs'];
  const body = s.rows.map((r) => [
    `${'  '.repeat(r.depth)}${r.path.split('.').slice(r.depth).join('.') || r.path}`,
    r.kind,
    r.outShape ?? '',
    r.params ? fmtInt(r.params) : '--',
    r.flops ? fmtFlops(r.flops) : '--',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  const rule = '='.repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [
    rule,
    `Model: ${name}`,
    rule,
    line(header),
    rule.replace(/=/g, '-'),
    ...body.map(line),
    rule,
    `Total params: ${fmtInt(s.totalParams)}`,
    `Trainable params: ${fmtInt(s.totalParams)}`,
    `Forward FLOPs per example: ${fmtFlops(s.totalFlops)} (${fmtFlops(s.glueFlops)} outside layers)`,
    rule,
  ].join('\n');
}
