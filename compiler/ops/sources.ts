// Sources: what a graph reads rather than computes. Inputs, parameters and scalar inputs are
// uploaded by the runtime; constants become literals; noise streams are generated on the device.
import { numel, type OpName } from '../../runtime/ir.js';
import { pyFloat } from '../export/ops-py.js';
import { noiseValue } from '../lower/kernels/misc.js';
import { elementKernel } from '../lower/kernels/common.js';
import { f32 } from '../lower/wgsl.js';
import { noGrad } from './shared.js';
import type { OpEntry } from './types.js';

const shapeAttr = (_i: unknown, a: Record<string, unknown>) => a.shape as number[];

export const SOURCES = {
  input: {
    shape: shapeAttr, flops: () => 0, batch: 'always', grad: noGrad, fusion: 'source', lower: { uploaded: true },
    torch: (c) => c.input(c.node.attrs.name as string),
  },
  param: {
    shape: shapeAttr, flops: () => 0, batch: 'operands', grad: noGrad, fusion: 'source', lower: { uploaded: true },
    torch: (c) => c.param(c.node.attrs.path as string),
  },
  const: {
    shape: () => [], flops: () => 0, batch: 'operands', grad: noGrad, fusion: 'const',
    lower: { inline: (c) => f32(c.node.attrs.value as number) },
    torch: (c) => `torch.tensor(${pyFloat(c.node.attrs.value as number)}, dtype=dtype, device=device)`,
  },
  scalar_input: {
    shape: () => [], flops: () => 0, batch: 'operands', grad: noGrad, fusion: 'source', lower: { uploaded: true },
    torch: (c) => `torch.as_tensor(${c.scalar(c.node.attrs.name as string)}, dtype=dtype, device=device)`,
  },
  noise: {
    shape: shapeAttr, flops: (_i, out) => 20 * numel(out), batch: 'always', grad: noGrad, fusion: 'kernel',
    lower: {
      kernel: (st, n, k) => {
        k.push(elementKernel(st, { name: k.name, node: n, out: k.out, nodes: k.nodes, source: n.source, value: (gen, b, j) => noiseValue(gen, n, b, j) }));
        st.program.noise.find((s) => s.buffer === k.out.buffer)!.kernel = st.kernels.length - 1;
      },
    },
    torch: (c) => c.noise(c.node.attrs.stream as string),
  },
} satisfies Partial<Record<OpName, OpEntry>>;
