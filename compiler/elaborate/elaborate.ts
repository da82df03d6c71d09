// Elaboration: runs a checked program's model body like an interpreter. Compile-time values
// (numbers, lists, bools) are computed; tensor expressions emit IR nodes with static shapes;
// layer and block calls open module scopes that name their parameters.
import type * as A from '../../grammar/ast.js';
import { DiagnosticError, fail, type Diagnostic, type Span } from '../../diagnostics/diagnostic.js';
import type { Attr, IrGraph, OpName } from '../../runtime/ir.js';
import type { Program } from '../load.js';
import type { Args, CallContext, ParamSpec } from './builtin.js';
import { BUILTINS, INPUT_KINDS } from './builtins.js';
import { callMethod, METHODS } from './distributions.js';
import { emitter } from './op-shorthands.js';
import { GraphBuilder } from './graph-builder.js';
import { Env } from './scope.js';
import { bool, describe, hasType, list, num, show, type TensorValue, type Value } from './values.js';

export interface ElaborateResult {
  graph?: IrGraph;
  diagnostics: Diagnostic[];
}

class Return {
  constructor(readonly value: Value) {}
}

/**
 * Bounds on the compile-time work a model may ask for, each reported at the source position that
 * exceeds it: elaboration steps (statements run and calls made, loop iterations included; the
 * largest paper model, celebahq256-sdn, takes about 1,200), list lengths, and block-call depth.
 */
export const LIMITS = { steps: 1_000_000, listLength: 1_000_000, callDepth: 100 };

export function elaborate(program: Program, mode: 'elbo' | 'sample'): ElaborateResult {
  try {
    return { graph: new Elaborator(program, mode).run(), diagnostics: [] };
  } catch (e) {
    if (e instanceof DiagnosticError) return { diagnostics: [e.diagnostic] };
    throw e;
  }
}

function checkLength(n: number, span: Span): void {
  if (n > LIMITS.listLength) fail('E-LIMIT', `this list would have ${n.toLocaleString('en-US')} items, over the limit of ${LIMITS.listLength.toLocaleString('en-US')}`, span);
}

class Elaborator {
  private readonly b: GraphBuilder;
  private readonly scope: string[] = [];
  private readonly autoLabels = new Map<string, number>();
  private readonly callStack: string[] = [];
  private readonly scalars = new Map<string, TensorValue>();
  private steps = 0;

  constructor(private readonly program: Program, private readonly mode: 'elbo' | 'sample') {
    this.b = new GraphBuilder(mode);
  }

  run(): IrGraph {
    const globals = this.program.globals;
    const env = new Env();
    for (const [name, p] of globals) env.define(name, p.value, p.span);
    env.define('sampling', bool(this.mode === 'sample'), this.program.model.span);
    this.execBody(this.program.model.body, new Env(env));
    return this.b.finish();
  }

  private execBody(stmts: A.Stmt[], env: Env): void {
    for (const s of stmts) this.exec(s, env);
  }

  private step(span: Span): void {
    if (++this.steps > LIMITS.steps) {
      fail('E-LIMIT', `elaborating the model takes over ${LIMITS.steps.toLocaleString('en-US')} steps (statements and calls); a loop or a chain of block calls here is far larger than any model needs`, span);
    }
  }

  private exec(s: A.Stmt, env: Env): void {
    this.step(s.span);
    switch (s.kind) {
      case 'Let': {
        const v = this.eval(s.value, env);
        if (!s.destructure) return env.define(s.names[0].name, v, s.names[0].span);
        if (v.kind !== 'list') fail('E-TYPE', `cannot unpack ${describe(v)} into ${s.names.length} names`, s.value.span);
        if (v.items.length !== s.names.length)
          fail('E-ARITY', `cannot unpack ${v.items.length} values into ${s.names.length} names`, s.span);
        s.names.forEach((n, i) => env.define(n.name, v.items[i], n.span));
        return;
      }
      case 'Assign': {
        const v = this.eval(s.value, env);
        if (!env.assign(s.name.name, v)) fail('E-UNKNOWN-NAME', `cannot assign to undeclared \`${s.name.name}\` (declare it with let)`, s.name.span);
        return;
      }
      case 'For': {
        const it = this.eval(s.iterable, env);
        if (it.kind !== 'list') fail('E-TYPE', `cannot iterate over ${describe(it)}`, s.iterable.span);
        for (const item of it.items) {
          const inner = new Env(env);
          inner.define(s.variable.name, item, s.variable.span);
          this.execBody(s.body, inner);
        }
        return;
      }
      case 'If': {
        if (this.truth(s.cond, env)) this.execBody(s.then, new Env(env));
        else if (s.else) this.execBody(s.else, new Env(env));
        return;
      }
      case 'Return':
        throw new Return(this.eval(s.value, env));
      case 'Input': {
        const rank = INPUT_KINDS[s.type.name];
        if (rank === undefined) fail('E-UNKNOWN-NAME', `unknown input kind \`${s.type.name}\` (expected ${Object.keys(INPUT_KINDS).join(' or ')})`, s.type.span);
        const dims = s.args.map((a) => this.eval(a.value, env));
        if (dims.length !== rank) fail('E-ARITY', `${s.type.name}(…) takes ${rank} sizes, got ${dims.length}`, s.span);
        const shape = dims.map((d, i) => {
          if (d.kind !== 'number' || !d.isInt || d.value <= 0) fail('E-HYPERPARAM', `input size must be a positive int, got ${show(d)}`, s.args[i].span);
          return d.value;
        });
        const t = this.b.at(s.span).input([], { name: s.name.name, shape });
        this.b.inputs.push({ name: s.name.name, node: t.node, shape });
        env.define(s.name.name, t, s.name.span);
        return;
      }
      case 'Output': {
        const v = this.eval(s.value, env);
        if (v.kind !== 'tensor') fail('E-TYPE', `an output must be a tensor, got ${describe(v)}`, s.value.span);
        if (this.b.outputs.some((o) => o.name === s.name.name)) fail('E-DUPLICATE', `output \`${s.name.name}\` is defined twice`, s.name.span);
        this.b.outputs.push({ name: s.name.name, node: v.node });
        return;
      }
      case 'Expr':
        this.eval(s.value, env);
        return;
    }
  }

  private truth(e: A.Expr, env: Env): boolean {
    const v = this.eval(e, env);
    if (v.kind !== 'bool') fail('E-TYPE', `a condition must be a bool, got ${describe(v)}`, e.span);
    return v.value;
  }

  private scalar(name: string, span: Span): TensorValue {
    let t = this.scalars.get(name);
    if (!t) {
      t = this.b.at(span).scalar_input([], { name });
      this.scalars.set(name, t);
    }
    return t;
  }

  eval(e: A.Expr, env: Env): Value {
    switch (e.kind) {
      case 'Number': return num(e.value, e.isInt);
      case 'String': return { kind: 'string', value: e.value };
      case 'Bool': return bool(e.value);
      case 'List': return list(e.items.map((i) => this.eval(i, env)));
      case 'Range': {
        const [from, to] = [this.eval(e.from, env), this.eval(e.to, env)];
        if (from.kind !== 'number' || to.kind !== 'number' || !from.isInt || !to.isInt) fail('E-TYPE', 'a range needs int bounds', e.span);
        checkLength(to.value - from.value, e.span);
        return list(Array.from({ length: Math.max(0, to.value - from.value) }, (_, i) => num(from.value + i)));
      }
      case 'Name': {
        if (e.name === 'temperature' || e.name === 'beta') return env.lookup(e.name)?.value ?? this.scalar(e.name, e.span);
        const b = env.lookup(e.name);
        if (!b) fail('E-UNKNOWN-NAME', `unknown name \`${e.name}\``, e.span);
        return b.value;
      }
      case 'Unary': {
        const v = this.eval(e.operand, env);
        if (e.op === 'not') {
          if (v.kind !== 'bool') fail('E-TYPE', `\`not\` needs a bool, got ${describe(v)}`, e.span);
          return bool(!v.value);
        }
        if (v.kind === 'number') return num(-v.value, v.isInt);
        if (v.kind === 'tensor') return this.b.at(e.span).neg([v]);
        return fail('E-TYPE', `cannot negate ${describe(v)}`, e.span);
      }
      case 'Binary': return this.binary(e, env);
      case 'Ternary': return this.truth(e.cond, env) ? this.eval(e.then, env) : this.eval(e.else, env);
      case 'Index': {
        const target = this.eval(e.target, env), index = this.eval(e.index, env);
        if (target.kind !== 'list') fail('E-TYPE', `cannot index ${describe(target)}`, e.target.span);
        if (index.kind !== 'number' || !index.isInt) fail('E-TYPE', `an index must be an int, got ${describe(index)}`, e.index.span);
        const i = index.value < 0 ? target.items.length + index.value : index.value;
        if (i < 0 || i >= target.items.length) fail('E-INDEX', `index ${index.value} is out of range for a list of ${target.items.length}`, e.index.span);
        return target.items[i];
      }
      case 'Member': return fail('E-TYPE', `\`.${e.member.name}\` must be called, e.g. \`.${e.member.name}(…)\``, e.span);
      case 'Call': return this.call(e, env, undefined);
      case 'Label': {
        if (e.target.kind !== 'Call') fail('E-LABEL', '`as` names the module a layer or block call creates; put it after a call', e.span);
        return this.call(e.target, env, e.label);
      }
    }
  }

  private binary(e: A.BinaryExpr, env: Env): Value {
    if (e.op === 'and' || e.op === 'or') {
      const l = this.truth(e.left, env);
      if (e.op === 'and' ? !l : l) return bool(l);
      return bool(this.truth(e.right, env));
    }
    const l = this.eval(e.left, env), r = this.eval(e.right, env);
    if (e.op === 'in') {
      if (r.kind !== 'list') fail('E-TYPE', `\`in\` needs a list on the right, got ${describe(r)}`, e.right.span);
      return bool(r.items.some((i) => show(i) === show(l)));
    }
    if (e.op === '==' || e.op === '!=') return bool((show(l) === show(r)) === (e.op === '=='));
    if (l.kind === 'list' && r.kind === 'list' && e.op === '+') {
      checkLength(l.items.length + r.items.length, e.span);
      return list([...l.items, ...r.items]);
    }
    if (l.kind === 'number' && r.kind === 'number') return arithmetic(e, l.value, r.value, l.isInt && r.isInt);
    if ((l.kind === 'tensor' || l.kind === 'number') && (r.kind === 'tensor' || r.kind === 'number')) {
      const ops = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div' } as const satisfies Record<string, OpName>;
      const op = ops[e.op as keyof typeof ops];
      if (!op) fail('E-TYPE', `\`${e.op}\` is not defined on tensors`, e.span);
      if (l.kind === 'tensor' && r.kind === 'tensor' && l.shape.length > 0 && r.shape.length > 0 && l.shape.join() !== r.shape.join())
        fail('E-SHAPE', `\`${e.op}\` needs tensors of the same shape, got [${l.shape.join(', ')}] and [${r.shape.join(', ')}]`, e.span);
      const em = emitter({ b: this.b, span: e.span });
      const t = (v: Value) => (v.kind === 'tensor' ? v : em.c((v as { value: number }).value));
      return em.op(op, [t(l), t(r)]);
    }
    return fail('E-TYPE', `\`${e.op}\` is not defined for ${describe(l)} and ${describe(r)}`, e.span);
  }

  private label(parts: A.LabelPart[] | undefined, fallback: string, env: Env): string[] {
    if (!parts) {
      const key = [...this.scope, fallback].join('.');
      const n = this.autoLabels.get(key) ?? 0;
      this.autoLabels.set(key, n + 1);
      return [`${fallback}${n}`];
    }
    return parts.map((p) => {
      if (p.kind === 'Field') return p.name.name;
      const v = this.eval(p.index, env);
      if (v.kind !== 'number' || !v.isInt || v.value < 0) fail('E-LABEL', `a label index must be a non-negative int, got ${show(v)}`, p.span);
      return String(v.value);
    });
  }

  private call(e: A.CallExpr, env: Env, label: A.LabelPart[] | undefined): Value {
    this.step(e.span);
    if (e.callee.kind === 'Member') {
      const target = this.eval(e.callee.target, env);
      const method = e.callee.member.name;
      if (target.kind !== 'dist') fail('E-TYPE', `${describe(target)} has no method \`${method}\``, e.callee.member.span);
      const spec = METHODS[method];
      if (!spec) fail('E-METHOD', `unknown method \`${method}\` (distributions have ${Object.keys(METHODS).join(', ')})`, e.callee.member.span);
      const args = this.bindArgs(`${target.dist}.${method}`, spec.params, e, env);
      const run = () => callMethod(this.ctx(e.span, [...target.scope]), target, method, args);
      // A distribution with its own module (IAF, DL) accounts its computation to that module's row.
      const row = this.b.layers.findIndex((l) => l.path === target.scope.join('.'));
      if (row < 0) return run();
      const prev = this.b.currentLayer;
      this.b.currentLayer = row;
      try {
        return run();
      } finally {
        this.b.currentLayer = prev;
      }
    }
    if (e.callee.kind !== 'Name') return fail('E-TYPE', 'only named functions, layers and blocks can be called', e.callee.span);
    const name = e.callee.name;
    const block = this.program.blocks.get(name);
    if (block) return this.callBlock(block.decl, e, env, label);
    const builtin = BUILTINS[name];
    if (!builtin) return fail('E-UNKNOWN-NAME', `unknown function, layer or block \`${name}\``, e.callee.span);
    if (label && builtin.kind !== 'layer') fail('E-LABEL', `\`${name}\` has no parameters, so it takes no \`as\` label`, e.span);
    const args = this.bindArgs(name, builtin.params, e, env);
    if (builtin.kind === 'function') return builtin.call(this.ctx(e.span, this.scope), args);
    const path = this.label(label, name, env);
    return this.inModule(path, name, e.span, compileTimeAttrs(args), () => builtin.call(this.ctx(e.span, [...this.scope]), args));
  }

  private inModule(path: string[], kind: string, span: Span, attrs: Record<string, Attr>, body: () => Value): Value {
    this.scope.push(...path);
    const prev = this.b.enterLayer(this.scope.join('.'), kind, this.scope.length - path.length, attrs, span);
    try {
      const out = body();
      const first = out.kind === 'list' ? out.items[0] : out;
      this.b.leaveLayer(prev, first?.kind === 'tensor' ? first : undefined);
      return out;
    } finally {
      this.scope.splice(this.scope.length - path.length, path.length);
    }
  }

  private callBlock(decl: A.BlockDecl, e: A.CallExpr, env: Env, label: A.LabelPart[] | undefined): Value {
    const specs: ParamSpec[] = decl.params.map((p) => ({
      name: p.name.name,
      type: p.type ? (p.type.arg ? `${p.type.name}[${p.type.arg.name}]` : p.type.name) : 'any',
      default: p.default ? this.eval(p.default, this.program.globalEnv(decl)) : undefined,
    }));
    const args = this.bindArgs(decl.name.name, specs, e, env);
    const inner = new Env(this.program.globalEnv(decl));
    inner.define('sampling', bool(this.mode === 'sample'), decl.span);
    decl.params.forEach((p) => inner.define(p.name.name, args[p.name.name]!, p.name.span));
    if (this.callStack.length >= LIMITS.callDepth) {
      fail('E-LIMIT', `block calls nest deeper than ${LIMITS.callDepth} (${this.callStack.slice(0, 3).join(' → ')} → … → ${decl.name.name})`, e.span);
    }
    const run = (): Value => {
      this.callStack.push(decl.name.name);
      try {
        this.execBody(decl.body, inner);
        return list([]);
      } catch (r) {
        if (r instanceof Return) return r.value;
        throw r;
      } finally {
        this.callStack.pop();
      }
    };
    // An unlabelled block call is inlined into the caller's module; a labelled one is a module.
    return label ? this.inModule(this.label(label, decl.name.name, env), decl.name.name, e.span, compileTimeAttrs(args), run) : run();
  }

  private bindArgs(callee: string, specs: { name: string; type: string; default?: Value | null }[], e: A.CallExpr, env: Env): Args {
    const args: Args = {};
    let positional = 0;
    for (const a of e.args) {
      const v = this.eval(a.value, env);
      let spec;
      if (a.name) {
        spec = specs.find((s) => s.name === a.name!.name);
        if (!spec) fail('E-ARG', `\`${callee}\` has no parameter \`${a.name.name}\` (it takes ${specs.map((s) => s.name).join(', ') || 'nothing'})`, a.name.span);
      } else {
        spec = specs[positional++];
        if (!spec) fail('E-ARITY', `\`${callee}\` takes at most ${specs.length} arguments, got ${e.args.length}`, a.span);
      }
      if (args[spec.name] !== undefined) fail('E-ARG', `\`${spec.name}\` is given twice`, a.span);
      const [type, arg] = spec.type.replace(']', '').split('[');
      if (!hasType(v, type, arg)) fail('E-TYPE', `\`${callee}\`: \`${spec.name}\` must be ${spec.type}, got ${describe(v)} ${show(v)}`.trim(), a.value.span);
      args[spec.name] = v;
    }
    for (const s of specs) {
      if (args[s.name] !== undefined) continue;
      if (s.default === undefined) fail('E-ARITY', `\`${callee}\` is missing its \`${s.name}\` argument`, e.span);
      if (s.default !== null) args[s.name] = s.default;
    }
    return args;
  }

  private ctx(span: Span, scope: string[]): CallContext {
    return { b: this.b, scope, span, sampling: this.mode === 'sample', scalarInput: (n, sp) => this.scalar(n, sp) };
  }
}

function arithmetic(e: A.BinaryExpr, a: number, b: number, ints: boolean): Value {
  switch (e.op) {
    case '+': return num(a + b, ints);
    case '-': return num(a - b, ints);
    case '*': return num(a * b, ints);
    case '/':
      if (b === 0) fail('E-DIV-ZERO', 'division by zero', e.span);
      // `/` on two ints is floor division, so channel arithmetic stays integral.
      return ints ? num(Math.floor(a / b), true) : num(a / b, false);
    case '%':
      if (b === 0) fail('E-DIV-ZERO', 'modulo by zero', e.span);
      return num(((a % b) + b) % b, ints);
    case '<': return bool(a < b);
    case '<=': return bool(a <= b);
    case '>': return bool(a > b);
    case '>=': return bool(a >= b);
    default: return fail('E-TYPE', `\`${e.op}\` is not defined on numbers`, e.span);
  }
}

/** A module call's compile-time arguments (its hyperparameters), recorded on its layer row. */
function compileTimeAttrs(args: Args): Record<string, Attr> {
  const out: Record<string, Attr> = {};
  const constant = (v: Value): boolean => v.kind === 'number' || v.kind === 'bool' || v.kind === 'string' || (v.kind === 'list' && v.items.every(constant));
  for (const [name, v] of Object.entries(args)) {
    if (!v || !constant(v)) continue;
    if (v.kind === 'list') out[name] = v.items.every((i) => i.kind === 'number') ? v.items.map((i) => (i as { value: number }).value) : show(v);
    else out[name] = (v as { value: number | boolean | string }).value;
  }
  return out;
}
