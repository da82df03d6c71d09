// Shorthands for emitting primitive ops at one source span.
import type { Attr, OpName } from '../../runtime/ir.js';
import type { CallContext } from './builtin.js';
import type { TensorValue } from './values.js';

export function emitter(ctx: Pick<CallContext, 'b' | 'span'>) {
  const op = (name: OpName, ins: TensorValue[], attrs: Record<string, Attr> = {}) => ctx.b.emit(name, ins, attrs, ctx.span);
  const c = (value: number) => op('const', [], { value });
  return {
    op,
    c,
    add: (a: TensorValue, b: TensorValue) => op('add', [a, b]),
    sub: (a: TensorValue, b: TensorValue) => op('sub', [a, b]),
    mul: (a: TensorValue, b: TensorValue) => op('mul', [a, b]),
    scale: (a: TensorValue, k: number) => op('mul', [a, c(k)]),
    exp: (a: TensorValue) => op('exp', [a]),
    square: (a: TensorValue) => op('square', [a]),
    sum: (a: TensorValue) => op('sum_per_example', [a]),
    slice: (a: TensorValue, start: number, size: number) => op('slice_channels', [a], { start, size }),
    chunk2: (a: TensorValue): [TensorValue, TensorValue] => {
      const half = a.shape[0] / 2;
      return [op('slice_channels', [a], { start: 0, size: half }), op('slice_channels', [a], { start: half, size: half })];
    },
  };
}
