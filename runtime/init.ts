// Parameter initialization as the authors' code: orthogonal conv weights (torch.nn.init.orthogonal_
// via weights_init), N(0, 0.02) linear weights, PyTorch's default uniform(±1/√fan_in) biases and
// GRU tensors, zeros for the learned constant and the DL log-scale. Seeded and deterministic:
// each parameter draws from its own Philox stream, named by its path.
import { numel, type IrParam } from './ir.js';
import { normals, uniforms } from './rng/philox.js';
import { streamId } from './rng/streams.js';

export function initParams(params: readonly IrParam[], seed: number): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const p of params) out.set(p.path, initParam(p, seed));
  return out;
}

export function initParam(p: IrParam, seed: number): Float32Array {
  const n = numel(p.shape);
  const stream = streamId(p.path);
  switch (p.init.kind) {
    case 'zeros':
      return new Float32Array(n);
    case 'normal': {
      const z = normals(seed, stream, 0, n);
      for (let i = 0; i < n; i++) z[i] *= p.init.std;
      return z;
    }
    case 'uniform': {
      const u = uniforms(seed, stream, 0, n);
      for (let i = 0; i < n; i++) u[i] = (2 * u[i] - 1) * p.init.bound;
      return u;
    }
    case 'orthogonal':
      return orthogonal(p.shape[0], n / p.shape[0], normals(seed, stream, 0, n));
  }
}

/**
 * torch.nn.init.orthogonal_: QR of a Gaussian [rows, cols] matrix (transposed when rows < cols),
 * Q's columns signed by diag(R), so the rows (or columns) of the result are orthonormal.
 * Modified Gram-Schmidt in float64 on the tall orientation.
 */
export function orthogonal(rows: number, cols: number, gaussian: Float32Array): Float32Array {
  const tall = rows >= cols;
  const [m, k] = tall ? [rows, cols] : [cols, rows];
  // a[j] is column j of the tall m×k matrix.
  const a = Array.from({ length: k }, (_, j) => {
    const col = new Float64Array(m);
    for (let i = 0; i < m; i++) col[i] = tall ? gaussian[i * cols + j] : gaussian[j * cols + i];
    return col;
  });
  for (let j = 0; j < k; j++) {
    const v = a[j];
    for (let p = 0; p < j; p++) {
      const q = a[p];
      let dot = 0;
      for (let i = 0; i < m; i++) dot += q[i] * v[i];
      for (let i = 0; i < m; i++) v[i] -= dot * q[i];
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    // MGS gives R's diagonal positive, which is exactly Q·sign(diag R) of Householder QR.
    for (let i = 0; i < m; i++) v[i] /= norm || 1;
  }
  const out = new Float32Array(rows * cols);
  for (let j = 0; j < k; j++) for (let i = 0; i < m; i++) out[tall ? i * cols + j : j * cols + i] = a[j][i];
  return out;
}
