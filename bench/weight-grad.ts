// Benchmark (not a test): the weight-gradient kernels (compiler/lower/kernels/weight-grad.ts)
// against the forward dense kernel of the same layer in the same run, in achieved GFLOP/s
// (both do 2·B·O·C·kh·kw·Ho·Wo FLOPs; sweep_grad_wih 2·B·(3F)²·H·W).
//   npx tsx bench/weight-grad.ts [--tiles] [--reps N]
// --tiles also times each weight gradient with every candidate tile, in both lane layouts (how
// weightGradTileFor was chosen). Kernels are timed round-robin, best of N, as the machine is shared.
import { initialState, PASSES } from '../compiler/lower/index.js';
import { weightGradKernel, type WeightGradTile } from '../compiler/lower/kernels/weight-grad.js';
import { isConv, isWeightGrad } from '../compiler/lower/state.js';
import { numel, type IrGraph, type OpName } from '../runtime/ir.js';
import { GraphBuilder } from './graph-builder.js';
import type { GraphProgram } from '../runtime/program.js';
import { acquireDevice } from '../runtime/webgpu/device.js';
import { createExecutor } from '../runtime/webgpu/executor.js';

const fill = (n: number, seed: number) => new Float32Array(n).map((_, i) => Math.sin(i * 0.37 + seed));

interface Case {
  name: string;
  batch: number;
  /** Adds the forward op (output 'fwd', absent for the sweep) and its weight gradient (output 'dw'). */
  build(b: GraphBuilder): void;
}

function conv(name: string, batch: number, c: number, o: number, size: number, k: number, stride: number, padding: number, transposed = false): Case {
  return {
    name, batch,
    build(b) {
      const x = b.input('x', [c, size, size]);
      const w = b.param('w', transposed ? [c, o, k, k] : [o, c, k, k]);
      const y = b.add(transposed ? 'conv_transpose2d' : 'conv2d', [x, w], { stride, padding });
      const g = b.input('g', b.g.nodes[y].shape);
      const attrs = { stride, padding, kernel: [k, k] };
      b.output('fwd', y).output('dw', b.add(transposed ? 'conv_transpose2d_grad_weight' : 'conv2d_grad_weight', [g, x], attrs, false));
    },
  };
}

const CASES: Case[] = [
  conv('conv 3×3 64→64 32×32 (SDN layer)', 8, 64, 64, 32, 3, 1, 1),
  conv('conv 3×3 32→32 16×16', 16, 32, 32, 16, 3, 1, 1),
  conv('conv 3×3 32→32 8×8', 16, 32, 32, 8, 3, 1, 1),
  conv('conv 3×3 32→32 4×4', 32, 32, 32, 4, 3, 1, 1),
  conv('conv 1×1 32→32 16×16', 16, 32, 32, 16, 1, 1, 0),
  conv('conv 4×4 s2 32→32 32×32', 16, 32, 32, 32, 4, 2, 1),
  conv('convT 4×4 s2 32→32 16×16', 16, 32, 32, 16, 4, 2, 1, true),
  conv('conv 3×3 1→32 28×28 (data in)', 16, 1, 32, 28, 3, 1, 1),
  {
    name: 'linear 1024→256', batch: 16,
    build(b) {
      const x = b.input('x', [1024]);
      b.output('fwd', b.add('linear', [x, b.param('w', [256, 1024])])).output('dw', b.add('linear_grad_weight', [b.input('g', [256]), x], {}, false));
    },
  },
  {
    name: 'sweep_grad_wih F=64 32×32', batch: 8,
    build(b) {
      b.output('dw', b.add('sweep_grad_wih', [b.input('dgi', [192, 32, 32]), b.input('y', [64, 32, 32])], { direction: 0 }, false));
    },
  },
];

const TILES: WeightGradTile[] = [
  { positions: false, rows: 8, cols: 4, wg: 8 }, { positions: false, rows: 16, cols: 4, wg: 8 }, { positions: false, rows: 16, cols: 8, wg: 8 },
  { positions: true, rows: 8, cols: 8, wg: 8 }, { positions: true, rows: 16, cols: 4, wg: 8 }, { positions: true, rows: 16, cols: 8, wg: 8 },
];

/** The lowered graph (without buffer reuse), its weight-gradient kernel regenerated with `tile`. */
function lower(g: IrGraph, tile?: WeightGradTile): GraphProgram {
  const st = initialState(g);
  for (const p of PASSES) if (p.name !== 'reuse') p.run(st);
  st.kernels = st.kernels.map((k) => {
    const n = g.nodes[k.nodes[0]];
    return tile && isWeightGrad(n.op) ? weightGradKernel(st, k.name, n, st.locs[n.id]!, k.nodes, tile) : k;
  });
  return { ir: g, buffers: st.buffers, kernels: st.kernels, ...st.program };
}

/** Kernel `which` of the lowered graph, dispatched alone, keeping its best wall time. */
async function timed(device: GPUDevice, g: IrGraph, batch: number, which: (op: OpName) => boolean, label: string, tile?: WeightGradTile) {
  const program = lower(g, tile);
  const k = program.kernels.findIndex((s) => which(g.nodes[s.nodes[0]].op));
  if (k < 0) return undefined;
  const ex = await createExecutor(device, program, { batch });
  ex.setParams(new Map(g.params.map((p, i) => [p.path, fill(numel(p.shape), i)])));
  await ex.run({ inputs: Object.fromEntries(g.inputs.map((i, n) => [i.name, fill(batch * numel(i.shape), 10 + n)])) });
  return { label, best: Infinity, run: () => ex.runKernel(k), destroy: () => ex.destroy() };
}

async function main(args: string[]): Promise<void> {
  const tiles = args.includes('--tiles');
  const reps = Number(args[args.indexOf('--reps') + 1]) || 5;
  const { device, adapterInfo } = await acquireDevice();
  console.log(`adapter: ${adapterInfo}`);
  try {
    for (const c of CASES) {
      const b = new GraphBuilder();
      c.build(b);
      const dw = b.g.nodes[b.g.outputs.find((o) => o.name === 'dw')!.node];
      const [a, x] = dw.inputs.map((i) => b.g.nodes[i].shape);
      const flops = dw.op === 'sweep_grad_wih' ? 2 * c.batch * numel(a) * a[0]
        : dw.op === 'conv_transpose2d_grad_weight' ? 2 * c.batch * numel(x) * numel(dw.shape) / x[0]
        : 2 * c.batch * numel(a) * numel(dw.shape) / a[0];
      const variants = [
        await timed(device, b.g, c.batch, isConv, 'forward'),
        await timed(device, b.g, c.batch, isWeightGrad, 'weight grad'),
        ...(tiles ? await Promise.all(TILES.map((t) => timed(device, b.g, c.batch, isWeightGrad, `  ${t.positions ? 'positions' : 'channels'} ${t.rows}×${t.cols} wg ${t.wg}`, t))) : []),
      ].filter((v) => v !== undefined);
      for (let r = 0; r < reps; r++) {
        for (const v of variants) {
          const t0 = performance.now();
          await v.run();
          v.best = Math.min(v.best, performance.now() - t0);
        }
      }
      console.log(`${c.name}, batch ${c.batch} (${(flops / 1e9).toFixed(3)} GFLOP), best of ${reps}:`);
      for (const v of variants) {
        console.log(`  ${v.label}: ${v.best.toFixed(2)} ms = ${(flops / (v.best * 1e6)).toFixed(2)} GFLOP/s`);
        v.destroy();
      }
    }
  } finally {
    device.destroy();
  }
}

await main(process.argv.slice(2));
