// Static checks before elaboration, reporting every problem they find (elaboration stops at
// the first): unknown names and callees, duplicate declarations, unknown named arguments,
// unknown types, misplaced statements, and recursive blocks.
import type * as A from '../../grammar/ast.js';
import { error, type Diagnostic, type Span } from '../../diagnostics/diagnostic.js';
import { BUILTINS, BUILTIN_NAMES } from '../elaborate/builtins.js';
import { KNOWN_TYPES } from '../elaborate/values.js';
import type { Program } from '../load.js';

type Names = Map<string, Span>;

export function check(program: Program): Diagnostic[] {
  const diags: Diagnostic[] = [];
  const calls = new Map<string, { callee: string; span: Span }[]>();

  const checkType = (t: A.TypeRef | undefined) => {
    if (!t) return;
    if (!KNOWN_TYPES.includes(t.name)) diags.push(error('E-TYPE', `unknown type \`${t.name}\` (types: ${KNOWN_TYPES.join(', ')})`, t.span));
    checkType(t.arg);
  };

  const walkBody = (stmts: A.Stmt[], scopes: Names[], where: { block?: string; model: boolean }) => {
    const local: Names = new Map();
    const inner = [...scopes, local];
    const declare = (id: A.Ident) => {
      const prev = local.get(id.name);
      if (prev) diags.push(error('E-DUPLICATE', `\`${id.name}\` is already declared in this scope (use \`${id.name} = …\` to rebind it)`, id.span, [{ message: 'declared here', span: prev }]));
      local.set(id.name, id.span);
    };
    for (const s of stmts) {
      switch (s.kind) {
        case 'Let':
          walkExpr(s.value, inner, where);
          s.names.forEach(declare);
          break;
        case 'Assign':
          walkExpr(s.value, inner, where);
          if (!lookup(inner, s.name.name)) {
            diags.push(error('E-UNKNOWN-NAME', `cannot assign to \`${s.name.name}\`: it is not declared (declare it with \`let ${s.name.name} = …\`)`, s.name.span));
            local.set(s.name.name, s.name.span);
          }
          break;
        case 'For':
          walkExpr(s.iterable, inner, where);
          walkBody(s.body, [...inner, new Map([[s.variable.name, s.variable.span]])], where);
          break;
        case 'If':
          walkExpr(s.cond, inner, where);
          walkBody(s.then, inner, where);
          if (s.else) walkBody(s.else, inner, where);
          break;
        case 'Return':
          if (!where.block) diags.push(error('E-PLACEMENT', '`return` is only allowed in a block', s.span));
          walkExpr(s.value, inner, where);
          break;
        case 'Input':
          if (!where.model) diags.push(error('E-PLACEMENT', '`input` is only allowed in the model body', s.span));
          s.args.forEach((a) => walkExpr(a.value, inner, where));
          declare(s.name);
          break;
        case 'Output':
        case 'Expr':
          walkExpr(s.value, inner, where);
          break;
      }
    }
  };

  const walkExpr = (e: A.Expr, scopes: Names[], where: { block?: string }): void => {
    switch (e.kind) {
      case 'Name':
        if (!lookup(scopes, e.name) && !(BUILTIN_NAMES as readonly string[]).includes(e.name)) diags.push(unknown(e.name, e.span, scopes, 'name'));
        return;
      case 'List': return e.items.forEach((i) => walkExpr(i, scopes, where));
      case 'Range': walkExpr(e.from, scopes, where); return walkExpr(e.to, scopes, where);
      case 'Unary': return walkExpr(e.operand, scopes, where);
      case 'Binary': walkExpr(e.left, scopes, where); return walkExpr(e.right, scopes, where);
      case 'Ternary': walkExpr(e.cond, scopes, where); walkExpr(e.then, scopes, where); return walkExpr(e.else, scopes, where);
      case 'Index': walkExpr(e.target, scopes, where); return walkExpr(e.index, scopes, where);
      case 'Member': return walkExpr(e.target, scopes, where);
      case 'Label':
        e.label.forEach((p) => p.kind === 'Index' && walkExpr(p.index, scopes, where));
        return walkExpr(e.target, scopes, where);
      case 'Call': {
        e.args.forEach((a) => walkExpr(a.value, scopes, where));
        if (e.callee.kind !== 'Name') return walkExpr(e.callee, scopes, where);
        const name = e.callee.name;
        const block = program.blocks.get(name)?.decl;
        const params = block ? block.params.map((p) => p.name.name) : BUILTINS[name]?.params.map((p) => p.name);
        if (!params) {
          diags.push(unknown(name, e.callee.span, [], 'function, layer or block', [...program.blocks.keys(), ...Object.keys(BUILTINS)]));
          return;
        }
        if (block && where.block) calls.get(where.block)!.push({ callee: name, span: e.callee.span });
        const positional = e.args.filter((a) => !a.name).length;
        if (positional > params.length) diags.push(error('E-ARITY', `\`${name}\` takes at most ${params.length} arguments, got ${positional}`, e.span));
        for (const a of e.args) {
          if (a.name && !params.includes(a.name.name)) {
            const near = nearest(a.name.name, params);
            const hint = near.length ? `did you mean ${near.map((n) => `\`${n}\``).join(' or ')}?` : `its parameters are ${params.join(', ')}`;
            diags.push(error('E-UNKNOWN-NAME', `\`${name}\` has no parameter \`${a.name.name}\`; ${hint}`, a.name.span));
          }
        }
        return;
      }
      default:
        return;
    }
  };

  for (const [name, { decl, file }] of program.blocks) {
    calls.set(name, []);
    const globals: Names = new Map();
    for (const item of program.files.get(file)!.items) if (item.kind === 'Param') globals.set(item.name.name, item.name.span);
    const params: Names = new Map();
    for (const p of decl.params) {
      checkType(p.type);
      if (params.has(p.name.name)) diags.push(error('E-DUPLICATE', `block \`${name}\` has two parameters named \`${p.name.name}\``, p.name.span));
      params.set(p.name.name, p.name.span);
      if (p.default) walkExpr(p.default, [globals], {});
    }
    walkBody(decl.body, [globals, params], { block: name, model: false });
  }
  const mainGlobals: Names = new Map([...program.globals].map(([n, g]) => [n, g.span]));
  for (const ast of program.files.values()) for (const item of ast.items) if (item.kind === 'Param') checkType(item.type);
  walkBody(program.model.body, [mainGlobals], { model: true });
  diags.push(...recursion(calls));
  return diags;
}

function lookup(scopes: Names[], name: string): boolean {
  return scopes.some((s) => s.has(name));
}

function unknown(name: string, span: Span, scopes: Names[], what: string, candidates: string[] = []): Diagnostic {
  const near = nearest(name, [...candidates, ...scopes.flatMap((s) => [...s.keys()])]);
  return error('E-UNKNOWN-NAME', `unknown ${what} \`${name}\`${near.length ? `; did you mean ${near.map((n) => `\`${n}\``).join(' or ')}?` : ''}`, span);
}

/** Up to three names close to `name`; replacing every letter (`h` for `x`) is not close. */
function nearest(name: string, all: string[]): string[] {
  const close = (c: string) => {
    const d = editDistance(c, name);
    return d <= Math.max(1, Math.floor(name.length / 3)) && d < Math.max(c.length, name.length);
  };
  return [...new Set(all)].filter(close).slice(0, 3);
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

/**
 * A block that calls itself, directly or through others, would elaborate forever. One depth-first
 * walk visits each block once (a block already finished cannot lead back to the current path), so
 * the work is linear in the calls however many call paths there are.
 */
function recursion(calls: Map<string, { callee: string; span: Span }[]>): Diagnostic[] {
  const diags: Diagnostic[] = [];
  const reported = new Set<string>();
  const done = new Set<string>();
  for (const root of calls.keys()) {
    if (done.has(root)) continue;
    // The current path, each entry with the index of its next call to follow (no JS recursion:
    // a long chain of blocks must not overflow the stack).
    const path: { name: string; next: number }[] = [{ name: root, next: 0 }];
    while (path.length > 0) {
      const top = path[path.length - 1];
      const c = (calls.get(top.name) ?? [])[top.next++];
      if (!c) {
        done.add(top.name);
        path.pop();
        continue;
      }
      if (done.has(c.callee)) continue;
      const at = path.findIndex((p) => p.name === c.callee);
      if (at < 0) {
        path.push({ name: c.callee, next: 0 });
        continue;
      }
      const cycle = [...path.slice(at).map((p) => p.name), c.callee];
      const key = [...new Set(cycle)].sort().join();
      if (!reported.has(key)) {
        reported.add(key);
        diags.push(error('E-RECURSION', `block \`${c.callee}\` is recursive: ${cycle.join(' → ')}`, c.span));
      }
    }
  }
  return diags;
}
