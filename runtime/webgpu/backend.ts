// The WebGPU backend of runtime/session.ts: one device, an executor per (graph, batch).
import type { Backend, GraphRunner } from '../session.js';
import { acquireDevice, type AcquiredDevice } from './device.js';
import { createExecutor } from './executor.js';
import type { CompileProgress } from './pipelines.js';

export interface WebGpuBackendOptions {
  /** Progress of the kernels each new graph compiles (see compilePipelines). */
  onCompile?: CompileProgress;
}

export async function createWebGpuBackend(acquired?: AcquiredDevice, opts: WebGpuBackendOptions = {}): Promise<Backend> {
  const gpu = acquired ?? (await acquireDevice({ label: 'sdn' }));
  return {
    name: 'webgpu',
    describe: () => `WebGPU on ${gpu.adapterInfo}`,
    async prepare(program, batch): Promise<GraphRunner> {
      const ex = await createExecutor(gpu.device, program, { batch, onCompile: opts.onCompile });
      return {
        setParams: (p) => ex.setParams(p),
        run: (req) => ex.run({ inputs: req.inputs, scalars: req.scalars, seed: req.seed }),
        destroy: () => ex.destroy(),
      };
    },
  };
}
