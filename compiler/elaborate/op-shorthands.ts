// Shorthands for emitting primitive ops at one source span (`ops.<op>` typed, by property).
import type { Attr, OpName } from '../../runtime/ir.js';
import type { CallContext } from './builtin.js';
import type { TensorValue } from './values.js';

export function emitter(ctx: Pick<CallContext, 'b' | 'span'>) {
  const op = (name: OpName, ins: TensorValue[], attrs: Record<string, Attr> = {}) => ctx.b.emit(name, ins, attrs, ctx.span);
  const ops = ctx.b.at(ctx.span);
  const c = (value: number) => ops.const([], { value });
  return {
    op,
    ops,
    c,
    add: (a: TensorValue, b: TensorValue) => ops.add([a, b]),
    sub: (a: TensorValue, b: TensorValue) => ops.sub([a, b]),
    mul: (a: TensorValue, b: TensorValue) => ops.mul([a, b]),
    scale: (a: TensorValue, k: number) => ops.mul([a, c(k)]),
    exp: (a: TensorValue) => ops.exp([a]),
    square: (a: TensorValue) => ops.square([a]),
    sum: (a: TensorValue) => ops.sum_per_example([a]),
    slice: (a: TensorValue, start: number, size: number) => ops.slice_channels([a], { start, size }),
    chunk2: (a: TensorValue): [TensorValue, TensorValue] => {
      const half = a.shape[0] / 2;
      return [ops.slice_channels([a], { start: 0, size: half }), ops.slice_channels([a], { start: half, size: half })];
    },
  };
}
