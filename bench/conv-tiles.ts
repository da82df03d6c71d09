// Conv register tiles compared in one run: a 3×3 conv (C→O channels on S×S maps, batch B)
// lowered with each tile, its run time (best of 5, round-robin), its compile time (cold when
// Mesa's shader cache is new) and the WGSL the device runs (the subgroup variant where it has one).
//   npx tsx bench/conv-tiles.ts C,O,S,B [RxC,RxC,…] [--json]   (default 64,64,14,32 and seven tiles)
import { pathToFileURL } from 'node:url';
import { lowerGraph } from '../compiler/lower/index.js';
import { numel } from '../runtime/ir.js';
import { GraphBuilder } from './graph-builder.js';
import { acquireDevice } from '../runtime/webgpu/device.js';
import { createExecutor } from '../runtime/webgpu/executor.js';
import { kernelForDevice } from '../runtime/webgpu/pipelines.js';

export interface TileResult {
  label: string;
  gflops: number;
  ms: number;
  compileS: number;
  chars: number;
}

const fill = (n: number, seed: number) => new Float32Array(n).map((_, i) => Math.sin(i * 0.37 + seed));

export async function measureConvTiles(device: GPUDevice, [C, O, S, batch]: number[], tiles: number[][]): Promise<TileResult[]> {
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
    const compileS = (performance.now() - t0) / 1000;
    ex.setParams(new Map(b.g.params.map((p, i) => [p.path, fill(numel(p.shape), i)])));
    await ex.run({ inputs: { x: fill(batch * C * S * S, 1) } });
    const k = program.kernels.findIndex((s) => s.name.startsWith('conv2d'));
    vs.push({ label: `${rows}x${cols}`, compileS, best: Infinity, ex, k, chars: kernelForDevice(device, program.kernels[k]).wgsl.length });
  }
  for (let r = 0; r < 5; r++) {
    for (const v of vs) {
      const t0 = performance.now();
      await v.ex.runKernel(v.k);
      v.best = Math.min(v.best, performance.now() - t0);
    }
  }
  for (const v of vs) v.ex.destroy();
  return vs.map((v) => ({ label: v.label, gflops: flops / v.best / 1e6, ms: v.best, compileS: v.compileS, chars: v.chars }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { device } = await acquireDevice();
  const [shape = '64,64,14,32', tiles = '16x8,8x8,16x4,8x4,32x4,4x16,8x16'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const results = await measureConvTiles(device, shape.split(',').map(Number), tiles.split(',').map((t) => t.split('x').map(Number)));
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
  else for (const v of results) console.log(`${v.label}: ${v.gflops.toFixed(1)} GFLOP/s (${v.ms.toFixed(1)} ms), compile ${v.compileS.toFixed(2)} s, ${v.chars} chars`);
  device.destroy();
}
