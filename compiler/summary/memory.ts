// The memory plan of a lowered graph at a batch size: what the device holds, by role, after
// buffer reuse (compiler/lower/reuse.ts). For a differentiated graph it also says which forward
// values the backward pass reads, i.e. what training keeps alive beyond a forward pass.
import { isConst, isInput, isParam, isScalarInput, numel } from '../../runtime/ir.js';
import type { BufferRole, GraphProgram } from '../../runtime/program.js';

export interface MemoryRow {
  what: string;
  buffers: number;
  bytes: number;
}

export interface MemoryPlan {
  graph: string;
  batch: number;
  kernels: number;
  rows: MemoryRow[];
  totalBytes: number;
  /** Differentiated graphs: forward values (not parameters or inputs) that backward nodes read. */
  keptForBackward?: { values: number; bytes: number };
}

const LABEL: Record<BufferRole, string> = {
  param: 'parameters', input: 'inputs', output: 'outputs', activation: 'activations (after reuse)', scalar: 'scalars', scratch: 'scratch', zeros: 'zeros',
};

export function memoryPlan(graph: string, p: GraphProgram, batch: number): MemoryPlan {
  const bytesOf = (b: GraphProgram['buffers'][number]) => 4 * (b.size.perExample * batch + b.size.fixed);
  const grads = new Set(p.outputs.filter((o) => o.name.startsWith('grad:')).map((o) => o.buffer));
  const rows = new Map<string, MemoryRow>();
  for (const b of p.buffers) {
    const what = grads.has(b.id) ? 'gradients' : LABEL[b.role];
    const r = rows.get(what) ?? { what, buffers: 0, bytes: 0 };
    r.buffers++;
    r.bytes += bytesOf(b);
    rows.set(what, r);
  }
  const plan: MemoryPlan = { graph, batch, kernels: p.kernels.length, rows: [...rows.values()], totalBytes: [...rows.values()].reduce((s, r) => s + r.bytes, 0) };
  const from = p.ir.backwardFrom;
  if (from !== undefined) {
    const read = new Set<number>();
    for (const n of p.ir.nodes.slice(from)) for (const i of n.inputs) if (i < from) read.add(i);
    const kept = [...read].map((i) => p.ir.nodes[i]).filter((n) => !(isParam(n) || isInput(n) || isConst(n) || isScalarInput(n)));
    plan.keptForBackward = { values: kept.length, bytes: kept.reduce((s, n) => s + 4 * numel(n.shape) * (n.batched ? batch : 1), 0) };
  }
  return plan;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

export function renderMemoryPlan(model: string, plans: MemoryPlan[]): string {
  const out: string[] = [];
  for (const p of plans) {
    out.push(`${model} ${p.graph} graph at batch ${p.batch}: ${mib(p.totalBytes)} in ${p.rows.reduce((s, r) => s + r.buffers, 0)} buffers, ${p.kernels} kernels`);
    for (const r of p.rows) out.push(`  ${r.what.padEnd(26)} ${mib(r.bytes).padStart(11)}  (${r.buffers} buffers)`);
    if (p.keptForBackward) {
      out.push(`  forward values the backward pass reads: ${p.keptForBackward.values} (${mib(p.keptForBackward.bytes)} before reuse; the rest is freed after its last forward use)`);
    }
  }
  return out.join('\n');
}
