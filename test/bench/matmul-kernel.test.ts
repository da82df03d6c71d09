import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMatmul, matmulKernel, type MatmulSpec, type MatmulTile } from '../../bench/matmul-kernel.js';
import { acquireDevice, createStorageBuffer, readBuffer } from '../../runtime/webgpu/device.js';

/** Deterministic values in [-1, 1) (a small LCG; the tests need no statistical quality). */
function fill(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Reference in float64, plus Σ|a·b| per element to scale the tolerance. */
function reference(spec: MatmulSpec, a: Float32Array, b: Float32Array, bias: Float32Array | undefined, epilogue: (v: number, row: number, col: number, batch: number) => number) {
  const { M, N, K } = spec;
  const batch = spec.batch ?? 1, tA = spec.transA ?? false, tB = spec.transB ?? false;
  const lda = spec.lda ?? (tA ? M : K), ldb = spec.ldb ?? (tB ? K : N), ldc = spec.ldc ?? N;
  const sA = spec.strideA ?? M * K, sB = spec.strideB ?? K * N, sC = spec.strideC ?? M * N;
  const cLen = (spec.offsetC ?? 0) + (batch - 1) * sC + (M - 1) * ldc + N;
  const c = new Float64Array(cLen).fill(NaN);
  const scale = new Float64Array(cLen);
  for (let bt = 0; bt < batch; bt++) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0, mag = 0;
        for (let k = 0; k < K; k++) {
          const av = a[(spec.offsetA ?? 0) + bt * sA + (tA ? k * lda + i : i * lda + k)];
          const bv = b[(spec.offsetB ?? 0) + bt * sB + (tB ? j * ldb + k : k * ldb + j)];
          acc += av * bv;
          mag += Math.abs(av * bv);
        }
        const at = (spec.offsetC ?? 0) + bt * sC + i * ldc + j;
        c[at] = epilogue(acc + (bias ? bias[j] : 0), i, j, bt);
        scale[at] = mag + (bias ? Math.abs(bias[j]) : 0);
      }
    }
  }
  return { c, scale };
}

function operandLength(spec: MatmulSpec, which: 'a' | 'b'): number {
  const { M, N, K } = spec;
  const batch = spec.batch ?? 1;
  if (which === 'a') {
    const t = spec.transA ?? false, ld = spec.lda ?? (t ? M : K);
    return (spec.offsetA ?? 0) + (batch - 1) * (spec.strideA ?? M * K) + ((t ? K : M) - 1) * ld + (t ? M : K);
  }
  const t = spec.transB ?? false, ld = spec.ldb ?? (t ? K : N);
  return (spec.offsetB ?? 0) + (batch - 1) * (spec.strideB ?? K * N) + ((t ? N : K) - 1) * ld + (t ? K : N);
}

describe('matmul kernel generator', () => {
  it('splits the workgroup grid so no dispatch dimension exceeds the limit', () => {
    const k = matmulKernel({ M: 4096, N: 4096, K: 4, batch: 64, maxWorkgroupsPerDimension: 65535 });
    expect(Math.max(...k.dispatch)).toBeLessThanOrEqual(65535);
    expect(k.dispatch[0] * k.dispatch[1] * k.dispatch[2]).toBeGreaterThanOrEqual((4096 / 32) ** 2 * 64);
  });

  it('takes the batch and the workgroup id from caller expressions when the batch is a runtime value', () => {
    const k = matmulKernel({ M: 64, N: 64, K: 8, batch: 1, runtimeBatch: { batch: 'u.batch', workgroupId: 'wg.x + wg.y * u.wgx' } });
    expect(k.groupsPerItem).toBe(4);
    expect(k.workgroupSize).toBe(64);
    expect(k.wgsl).toContain('let wid = wg.x + wg.y * u.wgx;');
    expect(k.wgsl).toContain('if (wid >= 4u * u.batch) { return; }');
  });

  it('rejects a tile whose columns are not a multiple of 4', () => {
    expect(() => matmulKernel({ M: 4, N: 4, K: 4, tile: { rows: 2, cols: 6, wgCols: 1, wgRows: 1 } })).toThrow(/multiple of 4/);
  });
});

describe('matmul on the GPU against a float64 reference', () => {
  let device: GPUDevice;
  beforeAll(async () => {
    ({ device } = await acquireDevice());
  });
  afterAll(() => device?.destroy());

  /** `gen` overrides the spec the kernel is generated from; `padC` extra elements of C must stay untouched. */
  async function check(
    spec: MatmulSpec, epilogue: (v: number, row: number, col: number, batch: number) => number = (v) => v,
    gen: Partial<MatmulSpec> = {}, padC = 0,
  ) {
    const a = fill(operandLength({ ...spec, ...gen }, 'a'), 1);
    const b = fill(operandLength({ ...spec, ...gen }, 'b'), 2);
    const bias = spec.bias ? fill(spec.N, 3) : undefined;
    const ref = reference(spec, a, b, bias, epilogue);
    const mm = await createMatmul(device, { ...spec, ...gen });
    const bufs = {
      a: createStorageBuffer(device, a, 'a'),
      b: createStorageBuffer(device, b, 'b'),
      c: createStorageBuffer(device, new Float32Array(ref.c.length + padC).fill(-7), 'c'),
      bias: bias && createStorageBuffer(device, bias, 'bias'),
    };
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    mm.encode(pass, mm.bindGroup(bufs));
    pass.end();
    device.queue.submit([enc.finish()]);
    const got = await readBuffer(device, bufs.c, (ref.c.length + padC) * 4);
    for (const buf of Object.values(bufs)) buf?.destroy();
    for (let i = 0; i < ref.c.length + padC; i++) {
      // Elements of C outside the product (padding between rows or batches) must be untouched.
      const want = i >= ref.c.length || Number.isNaN(ref.c[i]) ? -7 : ref.c[i];
      if (!(Math.abs(got[i] - want) <= 1e-5 * Math.max(ref.scale[i] ?? 0, 1e-30))) {
        throw new Error(`${mm.kernel.label}: C[${i}] = ${got[i]}, want ${want}`);
      }
    }
  }

  // Each distinct kernel costs lavapipe ~0.3-2 s of LLVM compilation on a cold shader cache, so
  // the odd-shape/transpose matrix runs on the default tile and two other tiles get a sample.
  const cases: [number, number, number, MatmulTile | undefined][] = [
    ...([[1, 1, 1], [5, 8, 12], [17, 13, 9], [33, 40, 20], [64, 68, 72]] as const).map(
      ([M, N, K]) => [M, N, K, undefined] as [number, number, number, undefined],
    ),
    [8, 12, 16, { rows: 2, cols: 8, wgCols: 4, wgRows: 2 }],
    [17, 13, 9, { rows: 2, cols: 8, wgCols: 4, wgRows: 2 }],
    [8, 12, 16, { rows: 8, cols: 4, wgCols: 2, wgRows: 2 }],
    [19, 6, 5, { rows: 8, cols: 4, wgCols: 2, wgRows: 2 }],
  ];
  for (const [M, N, K, tile] of cases) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const tileName = tile ? `${tile.rows}x${tile.cols}` : 'default';
        it(`${M}x${N}x${K} transA=${transA} transB=${transB} tile ${tileName}`, async () => {
          await check({ M, N, K, transA, transB, tile });
        });
      }
    }
  }

  it('batched with strides, offsets, padded leading dimensions and a broadcast operand', async () => {
    await check({ M: 6, N: 8, K: 12, batch: 3, lda: 16, strideA: 100, offsetA: 4, strideB: 0, ldc: 12, strideC: 80, offsetC: 8 });
    await check({ M: 5, N: 7, K: 3, batch: 4, transA: true, transB: true, offsetB: 1, strideB: 30, ldc: 9, strideC: 50 });
  });

  it('fuses bias and an epilogue of acc, row, col and batch', async () => {
    await check({ M: 9, N: 12, K: 8, batch: 2, bias: true, epilogue: 'max(acc, 0.0)' }, (v) => Math.max(v, 0));
    await check(
      { M: 7, N: 5, K: 6, bias: true, prelude: 'fn sq(x: f32) -> f32 { return x * x; }', epilogue: 'sq(acc) + f32(col) - f32(row) + f32(batch)' },
      (v, row, col, batch) => v * v + col - row + batch,
    );
  });

  it('stops at a batch given as a WGSL expression, on a grid dispatched for more items', async () => {
    // Dispatched for 3 items (one row of workgroups), computed for 2: the third item's C stays untouched.
    const spec: MatmulSpec = { M: 9, N: 8, K: 6, batch: 2, bias: true };
    await check(spec, (v) => v, { batch: 3, runtimeBatch: { batch: '2u', workgroupId: 'wg.x' } }, 9 * 8);
  });

  it('is correct when the workgroup grid is split over y and z', async () => {
    const spec: MatmulSpec = { M: 20, N: 24, K: 5, batch: 3, tile: { rows: 2, cols: 4, wgCols: 1, wgRows: 1 }, maxWorkgroupsPerDimension: 7 };
    expect(matmulKernel(spec).dispatch[2]).toBeGreaterThan(1);
    await check(spec);
  });
});
