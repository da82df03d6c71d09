// Evaluates model-level param values: numbers, bools, strings, lists, ranges and arithmetic
// on earlier params. Tensors don't exist at this level.
import type * as A from '../../grammar/ast.js';
import { fail } from '../../diagnostics/diagnostic.js';
import type { Env } from './scope.js';
import { bool, describe, list, num, type Value } from './values.js';

export function evalConst(e: A.Expr, env: Env): Value {
  switch (e.kind) {
    case 'Number': return num(e.value, e.isInt);
    case 'String': return { kind: 'string', value: e.value };
    case 'Bool': return bool(e.value);
    case 'List': return list(e.items.map((i) => evalConst(i, env)));
    case 'Name': {
      const b = env.lookup(e.name);
      if (!b) fail('E-UNKNOWN-NAME', `unknown name \`${e.name}\` (a param can use the params declared before it)`, e.span);
      return b.value;
    }
    case 'Range': {
      const [a, b] = [evalConst(e.from, env), evalConst(e.to, env)];
      if (a.kind !== 'number' || b.kind !== 'number' || !a.isInt || !b.isInt) fail('E-TYPE', 'a range needs int bounds', e.span);
      return list(Array.from({ length: Math.max(0, b.value - a.value) }, (_, i) => num(a.value + i)));
    }
    case 'Unary': {
      const v = evalConst(e.operand, env);
      if (e.op === '-' && v.kind === 'number') return num(-v.value, v.isInt);
      if (e.op === 'not' && v.kind === 'bool') return bool(!v.value);
      return fail('E-TYPE', `cannot apply \`${e.op}\` to ${describe(v)}`, e.span);
    }
    case 'Binary': {
      const [a, b] = [evalConst(e.left, env), evalConst(e.right, env)];
      if (a.kind === 'number' && b.kind === 'number') {
        const ints = a.isInt && b.isInt;
        switch (e.op) {
          case '+': return num(a.value + b.value, ints);
          case '-': return num(a.value - b.value, ints);
          case '*': return num(a.value * b.value, ints);
          case '/':
            if (b.value === 0) fail('E-DIV-ZERO', 'division by zero', e.span);
            return ints ? num(Math.floor(a.value / b.value)) : num(a.value / b.value, false);
        }
      }
      if (a.kind === 'list' && b.kind === 'list' && e.op === '+') return list([...a.items, ...b.items]);
      return fail('E-TYPE', `\`${e.op}\` is not defined for ${describe(a)} and ${describe(b)} in a param value`, e.span);
    }
    default:
      return fail('E-TYPE', 'a param value must be a number, bool, string, list or range', e.span);
  }
}
