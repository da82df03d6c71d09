// Conv register tiles compared in one run: a 3×3 conv (C→O channels on S×S maps, batch B)
// lowered with each tile, its run time (best of 5, round-robin) and cold compile time.
//   npx tsx bench/conv-tiles.ts C,O,S,B [RxC,RxC,…]   (default 64,64,14,32 and seven tiles)
import { lowerGraph } from '../compiler/lower/index.js';
import { numel } from '../runtime/ir.js';
import { GraphBuilder } from './graph-builder.js';
import { acquireDevice } from '../runtime/webgpu/device.js';
import { createExecutor } from '../runtime/webgpu/executor.js';
const fill = (n: number, seed: number) => new Float32Array(n).map((_, i) => Math.sin(i * 0.37 + seed));
const { device } = await acquireDevice();
const [C, O, S, batch] = (process.argv[2] ?? '64,64,14,32').split(',').map(Number);
const tiles = (process.argv[3] ?? '16x8,8x8,16x4,8x4,32x4,4x16,8x16').split(',').map((t) => t.split('x').map(Number));
const b = new GraphBuilder();
const x = b.input('x', [C, S, S]);
const y = b.add('conv2d', [x, b.param('w', [O, C, 3, 3]), b.param('b', [O])], { stride: 1, padding: 1 });
b.output('y', y);
const flops = 2 * batch * O * C * 9 * S * S;
const vs = [];
for (const [rows, cols] of tiles) {
  const program = lowerGraph(b.g, { convTile: { rows, cols, wg: 8 } });
  const t0 = performance.now();
  const ex = await createExecutor(device, program, { batch });
  const compile = performance.now() - t0;
  ex.setParams(new Map(b.g.params.map((p, i) => [p.path, fill(numel(p.shape), i)])));
  await ex.run({ inputs: { x: fill(batch * C * S * S, 1) } });
  const k = program.kernels.findIndex((s) => s.name.startsWith('conv2d'));
  vs.push({ label: `${rows}x${cols}`, compile, best: Infinity, run: () => ex.runKernel(k), chars: program.kernels[k].wgsl.length });
}
for (let r = 0; r < 5; r++) for (const v of vs) { const t0 = performance.now(); await v.run(); v.best = Math.min(v.best, performance.now() - t0); }
for (const v of vs) console.log(`${v.label}: ${(flops / v.best / 1e6).toFixed(1)} GFLOP/s (${v.best.toFixed(1)} ms), compile ${(v.compile / 1000).toFixed(2)} s, ${v.chars} chars`);
