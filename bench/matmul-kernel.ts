// WGSL generator for a register-blocked GEMM, C[b] = epilogue(A[b] · B[b] + bias) for b < batch:
// the benchmarks' reference of a plain GEMM on this adapter (bench/matmul.ts). The compiler's
// kernels no longer use it (the sweeps' hidden-state product is compiler/lower/kernels/sweep.ts).
//
// Each invocation accumulates a tile.rows × tile.cols block of C in vec4 registers (tile.cols
// a multiple of 4), reading A and B straight from storage, with no workgroup memory (on
// lavapipe, whose llvmpipe runs a workgroup's invocations as SIMD lanes of one CPU thread,
// staging tiles through workgroup memory is reported 3-6x slower). Shapes, strides and offsets
// are literals, or uniforms through `dim`. Operands are read as vec4 where layout and alignment
// allow (A along K, or along M when transposed; B along N, or along K when transposed),
// otherwise as scalars; rows and columns past the edge are clamped on load and skipped on
// store, so any M, N, K works. The workgroup grid is linearised and folded into x, y, z so no
// dispatch dimension exceeds maxWorkgroupsPerDimension.
//
// Tile shapes, measured with bench/matmul.ts and a sweep like it on lavapipe (Mesa 25.0.7,
// LLVM 15, 256-bit; 2 CPU cores shared with other jobs, so wall-clock figures vary ±50% run to
// run): best GFLOP/s seen at 512³ / 1024³, then flops per second of this process's CPU time
// × 2 cores ("cpu"), which is steadier under contention. rows×cols per invocation, wg cols×rows.
//   4x4  wg 8x8    9.1 / 11.1   cpu 12.7 / 11.1   <- default: ties for best, compiles ~25% faster than 8x4
//   8x4  wg 8x8    8.6 / 11.9   cpu 13.1 / 12.0
//   8x4  wg 8x4    6.2 /  6.4   cpu 12.8 / 12.8   (wall figures from a starved run)
//   8x4  wg 16x4   6.8 /  5.5   cpu 12.8 / 11.6
//   4x8  wg 8x8    8.0 /  6.4   cpu 12.4 / 11.6
//   4x4  wg 16x4   6.6 / 10.3   cpu 12.7 / 10.9
//   8x8  wg 8x4    4.6 /  7.3   cpu  9.2 /  9.2
//   2x8  wg 8x8    6.5 /  6.2   cpu  8.5 /  7.7
//   16x4 wg 8x4    2.1 /  2.6   cpu  7.4 /  5.3
//   4x4  wg 8x1    8.3 /  6.3   cpu 11.8 / 10.1
//   4x4  wg 16x16  -   /  5.0;  8x4 wg 4x4: 2.1 / 3.8 (small workgroups are slow on llvmpipe)
// fma(b, a, acc) instead of acc += b * a: no gain (10.1 vs 10.7 at 1024³).
import { createComputePipeline } from '../runtime/webgpu/device.js';

export interface MatmulTile {
  /** Rows of C per invocation. */
  rows: number;
  /** Columns of C per invocation, a multiple of 4. */
  cols: number;
  /** Workgroup size: invocations along columns (x) and rows (y). */
  wgCols: number;
  wgRows: number;
}

export const DEFAULT_MATMUL_TILE: MatmulTile = { rows: 4, cols: 4, wgCols: 8, wgRows: 8 };

export interface MatmulSpec {
  M: number;
  N: number;
  K: number;
  /** Number of independent products (the grid dimension); default 1. */
  batch?: number;
  /** A is stored as [K, M] (element (m, k) at k·lda + m) instead of [M, K]. */
  transA?: boolean;
  /** B is stored as [N, K] (element (k, n) at n·ldb + k) instead of [K, N]. */
  transB?: boolean;
  /** Row pitch (elements) of the stored A, B and C; default dense. */
  lda?: number;
  ldb?: number;
  ldc?: number;
  /** Elements between consecutive batch items; default dense, 0 broadcasts one matrix. */
  strideA?: number;
  strideB?: number;
  strideC?: number;
  /** Element offset of batch item 0 in each buffer; default 0. */
  offsetA?: number;
  offsetB?: number;
  offsetC?: number;
  /** Add bias[col] (a fourth binding) before the epilogue. */
  bias?: boolean;
  /** WGSL f32 expression of `acc` (f32, bias included), `row`, `col`, `batch` (u32), e.g. 'max(acc, 0.0)'. */
  epilogue?: string;
  /** WGSL declarations (helper functions, constants) the epilogue uses. */
  prelude?: string;
  tile?: MatmulTile;
  /** Default 65535, the WebGPU minimum of maxComputeWorkgroupsPerDimension. */
  maxWorkgroupsPerDimension?: number;
  /**
   * The batch as a WGSL u32 expression known only at run time (e.g. a field of a uniform block
   * the prelude declares), with the linear workgroup id as another expression of `wg`. The caller
   * then dispatches `groupsPerItem` workgroups per batch item on its own grid; `batch` and
   * `maxWorkgroupsPerDimension` only size `dispatch`.
   */
  runtimeBatch?: { batch: string; workgroupId: string };
  /**
   * WGSL of a size, offset or stride (the lowering passes KernelBuilder.dim, a uniform, so one
   * shader serves every shape with the same alignment); default a literal.
   */
  dim?: (n: number, key: string) => string;
  label?: string;
}

export interface MatmulKernel {
  label: string;
  wgsl: string;
  entryPoint: string;
  /** Workgroup counts for dispatchWorkgroups. */
  dispatch: [number, number, number];
  /** Workgroups per batch item, and invocations per workgroup. */
  groupsPerItem: number;
  workgroupSize: number;
  /** Binding order in group 0. */
  bindings: ('a' | 'b' | 'c' | 'bias')[];
  flops: number;
}

const XYZW = ['x', 'y', 'z', 'w'];
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export function matmulKernel(spec: MatmulSpec): MatmulKernel {
  const { M, N, K } = spec;
  const batch = spec.batch ?? 1;
  const tA = spec.transA ?? false, tB = spec.transB ?? false;
  const t = spec.tile ?? DEFAULT_MATMUL_TILE;
  const TM = t.rows, TN = t.cols, V = TN / 4;
  for (const [name, v] of Object.entries({ M, N, K, batch, ...t })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`matmul: ${name} must be a positive integer, got ${v}`);
  }
  if (TN % 4 !== 0) throw new Error(`matmul: tile.cols must be a multiple of 4, got ${TN}`);
  const lda = spec.lda ?? (tA ? M : K), ldb = spec.ldb ?? (tB ? K : N), ldc = spec.ldc ?? N;
  const sA = spec.strideA ?? M * K, sB = spec.strideB ?? K * N, sC = spec.strideC ?? M * N;
  const oA = spec.offsetA ?? 0, oB = spec.offsetB ?? 0, oC = spec.offsetC ?? 0;
  const end = (o: number, s: number, rows: number, ld: number, cols: number) => o + (batch - 1) * s + (rows - 1) * ld + cols;
  const ends = [end(oA, sA, tA ? K : M, lda, tA ? M : K), end(oB, sB, tB ? N : K, ldb, tB ? K : N), end(oC, sC, M, ldc, N)];
  if (ends.some((e) => e > 2 ** 32)) throw new Error('matmul: operands beyond 2^32 elements are not addressable');

  const al4 = (...v: number[]) => v.every((x) => x % 4 === 0);
  const aMode = !tA && al4(K, lda, sA, oA) ? 'k4' : tA && al4(M, TM, lda, sA, oA) ? 'm4' : 'scalar';
  const bMode = !tB && al4(N, ldb, sB, oB) ? 'n4' : tB && al4(K, ldb, sB, oB) ? 'k4' : 'scalar';
  const cVec = al4(N, ldc, sC, oC);

  const BM = TM * t.wgRows, BN = TN * t.wgCols;
  const tilesN = Math.ceil(N / BN), tilesM = Math.ceil(M / BM);
  const tiles = tilesN * tilesM, groups = tiles * batch;
  const maxDim = spec.maxWorkgroupsPerDimension ?? 65535;
  const dx = Math.min(groups, maxDim), dy = Math.min(Math.ceil(groups / dx), maxDim);
  const dz = Math.ceil(groups / (dx * dy));
  if (dz > maxDim) throw new Error(`matmul: ${groups} workgroups exceed ${maxDim}^3`);

  const rt = spec.runtimeBatch;
  const d = spec.dim ?? ((n: number) => `${n}u`);
  const vecA = aMode !== 'scalar', vecB = bMode !== 'scalar';
  const L: string[] = [];
  const emit = (s: string) => L.push(s);
  // Per-invocation base indices: rows/cols clamped into range so every load is in bounds.
  for (const r of range(TM)) emit(`  let rowc${r} = min(row0 + ${r}u, ${d(M, 'M')} - 1u);`);
  if (aMode === 'k4') for (const r of range(TM)) emit(`  let ai${r} = (aBase + rowc${r} * ${d(lda, 'lda')}) / 4u;`);
  if (aMode === 'm4') for (const g of range(TM / 4)) emit(`  let ai${g} = (aBase + min(row0 + ${4 * g}u, ${d(M, 'M')} - 4u)) / 4u;`);
  if (aMode === 'scalar') for (const r of range(TM)) emit(`  let ai${r} = aBase + rowc${r}${tA ? '' : ` * ${d(lda, 'lda')}`};`);
  if (bMode === 'n4') for (const v of range(V)) emit(`  let bi${v} = bBase / 4u + min(col0 / 4u + ${v}u, ${d(N, 'N')} / 4u - 1u);`);
  else for (const c of range(TN)) emit(`  let bi${c} = ${bMode === 'k4' ? '(' : ''}bBase + min(col0 + ${c}u, ${d(N, 'N')} - 1u)${tB ? ` * ${d(ldb, 'ldb')}` : ''}${bMode === 'k4' ? ') / 4u' : ''};`);
  for (const r of range(TM)) for (const v of range(V)) emit(`  var acc${r}_${v} = vec4f();`);

  // One step of `kc` consecutive k starting at `k` (the loop variable counts k/4 in k4 modes).
  const step = (kc: number, k: string) => {
    const S: string[] = [];
    const kAt = (kk: number) => (kk === 0 ? k : `(${k} + ${kk}u)`);
    let aAt: (r: number, kk: number) => string;
    if (aMode === 'k4') {
      for (const r of range(TM)) S.push(`let a${r} = A[ai${r} + k4];`);
      aAt = (r, kk) => `a${r}.${XYZW[kk]}`;
    } else if (aMode === 'm4') {
      for (const kk of range(kc)) for (const g of range(TM / 4)) S.push(`let a${g}_${kk} = A[ai${g} + ${kAt(kk)} * (${d(lda, 'lda')} / 4u)];`);
      aAt = (r, kk) => `a${r >> 2}_${kk}.${XYZW[r & 3]}`;
    } else {
      for (const kk of range(kc)) for (const r of range(TM)) S.push(`let a${r}_${kk} = A[ai${r} + ${kAt(kk)}${tA ? ` * ${d(lda, 'lda')}` : ''}];`);
      aAt = (r, kk) => `a${r}_${kk}`;
    }
    let bAt: (kk: number, v: number) => string;
    const cols4 = (v: number, f: (c: number) => string) => `vec4f(${range(4).map((j) => f(4 * v + j)).join(', ')})`;
    if (bMode === 'n4') {
      for (const kk of range(kc)) for (const v of range(V)) S.push(`let b${kk}_${v} = B[bi${v} + ${kAt(kk)} * (${d(ldb, 'ldb')} / 4u)];`);
      bAt = (kk, v) => `b${kk}_${v}`;
    } else if (bMode === 'k4') {
      for (const c of range(TN)) S.push(`let b${c} = B[bi${c} + k4];`);
      bAt = (kk, v) => cols4(v, (c) => `b${c}.${XYZW[kk]}`);
    } else {
      for (const kk of range(kc)) for (const c of range(TN)) S.push(`let b${c}_${kk} = B[bi${c} + ${kAt(kk)}${tB ? '' : ` * ${d(ldb, 'ldb')}`}];`);
      bAt = (kk, v) => cols4(v, (c) => `b${c}_${kk}`);
    }
    for (const kk of range(kc)) {
      for (const v of range(V)) {
        const bName = `bv${kk}_${v}`;
        S.push(`let ${bName} = ${bAt(kk, v)};`);
        for (const r of range(TM)) S.push(`acc${r}_${v} += ${bName} * ${aAt(r, kk)};`);
      }
    }
    return S.map((s) => `    ${s}`).join('\n');
  };
  const K4 = Math.floor(K / 4);
  if (K4 > 0) {
    // The bound is K4 (a bound array is never empty) but opaque to the compiler: Mesa fully
    // unrolls loops of up to ~8 constant trips, which made lavapipe's LLVM compile 10-20x slower
    // (e.g. 8 s instead of 0.5 s for K = 20) for no measurable runtime gain.
    emit(`  let k4End = select(${d(K, 'K')} / 4u, 0u, arrayLength(&C) == 0u);`);
    emit('  for (var k4 = 0u; k4 < k4End; k4++) {');
    if (aMode !== 'k4' || bMode !== 'k4') emit('    let k = k4 * 4u;');
    emit(step(4, 'k'));
    emit('  }');
  }
  if (K % 4 !== 0) {
    emit(`  for (var k = ${d(K, 'K')} / 4u * 4u; k < select(${d(K, 'K')}, 0u, arrayLength(&C) == 0u); k++) {`);
    emit(step(1, 'k'));
    emit('  }');
  }

  const fused = spec.bias || spec.epilogue !== undefined;
  const value = (r: number, v: number, j: number) => {
    const acc = `acc${r}_${v}.${XYZW[j]}`;
    return fused ? `mm_epilogue(${acc}, row0 + ${r}u, col0 + ${4 * v + j}u, b)` : acc;
  };
  for (const r of range(TM)) {
    emit(`  if (row0 + ${r}u < ${d(M, 'M')}) {`);
    emit(`    let ci = cBase + (row0 + ${r}u) * ${d(ldc, 'ldc')} + col0;`);
    for (const v of range(V)) {
      if (cVec) {
        emit(`    if (col0 + ${4 * v}u < ${d(N, 'N')}) { C[ci / 4u + ${v}u] = vec4f(${range(4).map((j) => value(r, v, j)).join(', ')}); }`);
      } else {
        for (const j of range(4)) emit(`    if (col0 + ${4 * v + j}u < ${d(N, 'N')}) { C[ci + ${4 * v + j}u] = ${value(r, v, j)}; }`);
      }
    }
    emit('  }');
  }

  const f = (v: boolean) => (v ? 'vec4f' : 'f32');
  const wgsl = `${spec.prelude ?? ''}
@group(0) @binding(0) var<storage, read> A: array<${f(vecA)}>;
@group(0) @binding(1) var<storage, read> B: array<${f(vecB)}>;
@group(0) @binding(2) var<storage, read_write> C: array<${f(cVec)}>;
${spec.bias ? '@group(0) @binding(3) var<storage, read> bias: array<f32>;' : ''}
${fused ? `fn mm_epilogue(acc_in: f32, row: u32, col: u32, batch: u32) -> f32 {
  let acc = acc_in${spec.bias ? ' + bias[col]' : ''};
  return ${spec.epilogue ?? 'acc'};
}` : ''}
@compute @workgroup_size(${t.wgCols}, ${t.wgRows})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let wid = ${rt ? rt.workgroupId : `wg.x + wg.y * ${dx}u + wg.z * ${dx * dy}u`};
  if (wid >= ${rt ? `${d(tiles, 'tiles')} * ${rt.batch}` : d(groups, 'groups')}) { return; }
  let b = wid / ${d(tiles, 'tiles')};
  let tile = wid % ${d(tiles, 'tiles')};
  let row0 = (tile / ${d(tilesN, 'tilesN')}) * ${BM}u + lid.y * ${TM}u;
  let col0 = (tile % ${d(tilesN, 'tilesN')}) * ${BN}u + lid.x * ${TN}u;
  let aBase = ${d(oA, 'oA')} + b * ${d(sA, 'sA')};
  let bBase = ${d(oB, 'oB')} + b * ${d(sB, 'sB')};
  let cBase = ${d(oC, 'oC')} + b * ${d(sC, 'sC')};
${L.join('\n')}
}
`;
  const label = spec.label ?? `matmul_${M}x${N}x${K}${batch > 1 ? `_b${batch}` : ''}${tA ? '_tA' : ''}${tB ? '_tB' : ''}`;
  const bindings: MatmulKernel['bindings'] = spec.bias ? ['a', 'b', 'c', 'bias'] : ['a', 'b', 'c'];
  return {
    label, wgsl, entryPoint: 'main', dispatch: [dx, dy, dz], groupsPerItem: tiles, workgroupSize: t.wgCols * t.wgRows,
    bindings, flops: 2 * M * N * K * batch,
  };
}

export interface MatmulBuffers {
  a: GPUBuffer;
  b: GPUBuffer;
  c: GPUBuffer;
  bias?: GPUBuffer;
}

export interface Matmul {
  kernel: MatmulKernel;
  pipeline: GPUComputePipeline;
  bindGroup(buffers: MatmulBuffers): GPUBindGroup;
  /** Records the dispatch into an open compute pass. */
  encode(pass: GPUComputePassEncoder, bindGroup: GPUBindGroup): void;
}

/** Generates, compiles and wraps a matmul for `device` (its workgroup-count limit applies). */
export async function createMatmul(device: GPUDevice, spec: MatmulSpec): Promise<Matmul> {
  const kernel = matmulKernel({
    ...spec,
    maxWorkgroupsPerDimension: spec.maxWorkgroupsPerDimension ?? device.limits.maxComputeWorkgroupsPerDimension,
  });
  const pipeline = await createComputePipeline(device, kernel.label, kernel.wgsl, kernel.entryPoint);
  return {
    kernel,
    pipeline,
    bindGroup(buffers) {
      return device.createBindGroup({
        label: kernel.label,
        layout: pipeline.getBindGroupLayout(0),
        entries: kernel.bindings.map((name, binding) => {
          const buffer = buffers[name];
          if (!buffer) throw new Error(`matmul ${kernel.label}: missing buffer '${name}'`);
          return { binding, resource: { buffer } };
        }),
      });
    },
    encode(pass, bindGroup) {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(...kernel.dispatch);
    },
  };
}
