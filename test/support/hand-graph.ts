// A hand-built IR graph through the compiler's own GraphBuilder (shape rules, batched flags),
// for tests of single ops. Node n gets the source line n + 1 of a file named hand.sdn.
import { GraphBuilder } from '../../compiler/elaborate/graph-builder.js';
import type { Span } from '../../diagnostics/diagnostic.js';
import type { TensorValue } from '../../compiler/elaborate/values.js';
import type { Attr, IrGraph, OpName } from '../../runtime/ir.js';

export function handGraph() {
  const b = new GraphBuilder('elbo');
  let line = 1;
  const span = (): Span => ({ file: 'hand.sdn', line: line++, col: 3, endLine: line, endCol: 4, start: 0, end: 1 });
  return {
    input: (name: string, shape: number[]) => {
      const t = b.emit('input', [], { name, shape }, span());
      b.inputs.push({ name, node: t.node, shape });
      return t;
    },
    param: (path: string, shape: number[]) => b.param(path, path, shape, { kind: 'zeros' }, span()),
    c: (value: number) => b.emit('const', [], { value }, span()),
    op: (op: OpName, ins: TensorValue[], attrs: Record<string, Attr> = {}) => b.emit(op, ins, attrs, span()),
    out: (name: string, t: TensorValue) => b.outputs.push({ name, node: t.node }),
    finish: (): IrGraph => b.finish(),
  };
}
