// Matmul throughput on the current WebGPU adapter (a benchmark, not a test).
//   npx tsc -p tsconfig.build.json && node dist/bench/matmul.js [--tiles] [sizes...]
// --tiles sweeps the candidate tile shapes (how DEFAULT_MATMUL_TILE was chosen).
import { pathToFileURL } from 'node:url';
import { acquireDevice, createStorageBuffer, readBuffer } from '../runtime/webgpu/device.js';
import { gpuWait } from '../runtime/webgpu/wait.js';
import { createMatmul, DEFAULT_MATMUL_TILE, type MatmulTile } from './matmul-kernel.js';

export const MATMUL_TILE_CANDIDATES: MatmulTile[] = [
  { rows: 4, cols: 4, wgCols: 8, wgRows: 8 },
  { rows: 4, cols: 4, wgCols: 16, wgRows: 4 },
  { rows: 4, cols: 8, wgCols: 8, wgRows: 8 },
  { rows: 8, cols: 4, wgCols: 8, wgRows: 8 },
  { rows: 8, cols: 4, wgCols: 8, wgRows: 4 },
  { rows: 8, cols: 4, wgCols: 16, wgRows: 4 },
  { rows: 8, cols: 8, wgCols: 8, wgRows: 4 },
  { rows: 2, cols: 8, wgCols: 8, wgRows: 8 },
  { rows: 16, cols: 4, wgCols: 8, wgRows: 4 },
  { rows: 4, cols: 4, wgCols: 8, wgRows: 1 },
];

export interface MatmulBenchOptions {
  tile?: MatmulTile;
  /** Seconds of GPU work per timed sample (default 1); the best of `samples` (default 3) counts. */
  seconds?: number;
  samples?: number;
}

export interface MatmulMeasurement {
  gflops: number;
  /** Wall seconds per product. */
  seconds: number;
  /**
   * This process's CPU seconds per wall second while timing. On a CPU adapter (lavapipe) it
   * shows whether the run had the cores to itself: well below the core count means other
   * processes took them and `gflops` understates the adapter.
   */
  cpuPerWall: number;
}

async function timeDispatches(device: GPUDevice, encode: (pass: GPUComputePassEncoder) => void, reps: number) {
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  for (let i = 0; i < reps; i++) encode(pass);
  pass.end();
  device.queue.submit([enc.finish()]);
  await gpuWait(device.queue.onSubmittedWorkDone());
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - start) / 1000;
  return { seconds: wall / reps, cpuPerWall: (cpu.user + cpu.system) / 1e6 / wall };
}

/** Steady-state timing (after the driver's shader compile) of an n×n×n matmul on `device`. */
export async function measureMatmul(device: GPUDevice, size: number, opts: MatmulBenchOptions = {}): Promise<MatmulMeasurement> {
  const n = size;
  const data = new Float32Array(n * n).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const bufs = {
    a: createStorageBuffer(device, data, 'bench.a'),
    b: createStorageBuffer(device, data, 'bench.b'),
    c: createStorageBuffer(device, n * n * 4, 'bench.c'),
  };
  try {
    const mm = await createMatmul(device, { M: n, N: n, K: n, tile: opts.tile ?? DEFAULT_MATMUL_TILE });
    const bindGroup = mm.bindGroup(bufs);
    const encode = (pass: GPUComputePassEncoder) => mm.encode(pass, bindGroup);
    await timeDispatches(device, encode, 1); // includes the driver's shader compile
    await readBuffer(device, bufs.c, 4);
    const once = (await timeDispatches(device, encode, 1)).seconds;
    const reps = Math.max(1, Math.round((opts.seconds ?? 1) / once));
    let best = { seconds: Infinity, cpuPerWall: 0 };
    for (let s = 0; s < (opts.samples ?? 3); s++) {
      const t = await timeDispatches(device, encode, reps);
      if (t.seconds < best.seconds) best = t;
    }
    return { gflops: mm.kernel.flops / best.seconds / 1e9, ...best };
  } finally {
    for (const b of Object.values(bufs)) b.destroy();
  }
}

/** GFLOP/s (2·n³ flops per product) of an n×n×n matmul on `device`, steady state after compilation. */
export async function measureMatmulGflops(device: GPUDevice, size: number, opts: MatmulBenchOptions = {}): Promise<number> {
  return (await measureMatmul(device, size, opts)).gflops;
}

const tileName = (t: MatmulTile) => `${t.rows}x${t.cols} wg ${t.wgCols}x${t.wgRows}`;

async function main(args: string[]): Promise<void> {
  const sweep = args.includes('--tiles');
  const sizes = args.filter((a) => /^\d+$/.test(a)).map(Number);
  const { device, adapterInfo } = await acquireDevice();
  console.log(`adapter: ${adapterInfo}`);
  try {
    for (const tile of sweep ? MATMUL_TILE_CANDIDATES : [DEFAULT_MATMUL_TILE]) {
      for (const size of sizes.length > 0 ? sizes : [512, 1024]) {
        const m = await measureMatmul(device, size, { tile });
        console.log(
          `matmul ${size}x${size}x${size}  tile ${tileName(tile)}  ${m.gflops.toFixed(2)} GFLOP/s  ` +
            `(${(m.seconds * 1e3).toFixed(1)} ms, process CPU ${m.cpuPerWall.toFixed(2)} s/s)`,
        );
      }
    }
  } finally {
    device.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}
