// Small kernels: noise streams (Philox on the GPU), the standalone GRU cell, copies.
import type { IrNode } from '../../../runtime/ir.js';
import { PHILOX_WGSL } from '../../../runtime/rng/philox-wgsl.js';
import { streamId } from '../../../runtime/rng/streams.js';
import type { ExprGen } from '../expr.js';
import type { Loc, LowerState } from '../state.js';
import { U } from '../wgsl.js';

/** Element i = b·numel + j of the stream: normals(seed, streamId, 0, batch·numel)[i] in philox.ts. */
export function noiseValue(gen: ExprGen, node: IrNode, b: string, j: string): string {
  gen.kb.helper('philox', PHILOX_WGSL);
  const n = node.shape.reduce((a, v) => a * v, 1);
  const idx = gen.body.let(U.add(U.mul(b, gen.kb.dim(n, `${node.id}:numel`)), j));
  return gen.body.let(`normal_at(u.seed, ${gen.kb.dim(streamId(node.attrs.stream as string), `${node.id}:stream`)}, ${idx})`);
}

/** gru_cell(x, h, W_ih, W_hh, b_ih, b_hh) for hidden unit j of example b (PyTorch GRUCell). */
export function gruValue(st: LowerState, gen: ExprGen, node: IrNode, b: string, j: string): string {
  const [x, h, wih, whh, bih, bhh] = node.inputs.map((i) => st.locs[i]!);
  const [I, H] = [st.graph.nodes[node.inputs[0]].shape[0], node.shape[0]];
  const B = (l: Loc) => gen.kb.buf(l.buffer);
  const D = (n: number, key: string) => gen.kb.dim(n, `${node.id}:${key}`);
  const at = (l: Loc, name: string, i: string) => `${B(l)}[${U.add(U.add(D(l.offset, `${name}.offset`), l.batchStride === 0 ? '0u' : U.mul(b, D(l.batchStride, `${name}.batchStride`))), i)}]`;
  const body = gen.body;
  for (const g of [0, 1, 2]) {
    const row = `${U.mul(D(H, 'H'), g)} + ${j}`;
    body.stmt(`var gi${g} = ${B(bih)}[${D(bih.offset, 'bih.offset')} + ${row}];`);
    body.stmt(`var gh${g} = ${B(bhh)}[${D(bhh.offset, 'bhh.offset')} + ${row}];`);
    body.stmt(`for (var k = 0u; k < ${D(I, 'I')}; k++) { gi${g} += ${B(wih)}[${D(wih.offset, 'wih.offset')} + (${row}) * ${D(I, 'I')} + k] * ${at(x, 'x', 'k')}; }`);
    body.stmt(`for (var k = 0u; k < ${D(H, 'H')}; k++) { gh${g} += ${B(whh)}[${D(whh.offset, 'whh.offset')} + (${row}) * ${D(H, 'H')} + k] * ${at(h, 'h', 'k')}; }`);
  }
  const sig = gen.kb.helper('sigmoid'), tanh = gen.kb.helper('tanh');
  const r = body.let(`${sig}(gi0 + gh0)`), z = body.let(`${sig}(gi1 + gh1)`);
  const n = body.let(`${tanh}(gi2 + ${r} * gh2)`);
  return body.let(`(1.0 - ${z}) * ${n} + ${z} * ${at(h, 'h', j)}`);
}
