// Parser unit tests: operator precedence, ternaries, ranges, labels, destructuring, named
// arguments, comments, source spans, and error recovery.
import { describe, expect, it } from 'vitest';
import type * as A from '../../grammar/ast.js';
import { parseSource } from '../../grammar/parse.js';

function parse(text: string): A.SourceFile {
  const r = parseSource('t.sdn', text);
  expect(r.diagnostics).toEqual([]);
  return r.ast!;
}

/** The value of `param p = <expr>`. */
const expr = (text: string): A.Expr => (parse(`param p = ${text}`).items[0] as A.ParamDecl).value;

/** An expression as an s-expression, to compare structure at a glance. */
function sx(e: A.Expr): string {
  switch (e.kind) {
    case 'Number': return e.text;
    case 'String': return JSON.stringify(e.value);
    case 'Bool': return String(e.value);
    case 'Name': return e.name;
    case 'List': return `[${e.items.map(sx).join(' ')}]`;
    case 'Range': return `(.. ${sx(e.from)} ${sx(e.to)})`;
    case 'Unary': return `(${e.op} ${sx(e.operand)})`;
    case 'Binary': return `(${e.op} ${sx(e.left)} ${sx(e.right)})`;
    case 'Ternary': return `(? ${sx(e.cond)} ${sx(e.then)} ${sx(e.else)})`;
    case 'Call': return `(call ${sx(e.callee)}${e.args.map((a) => ` ${a.name ? `${a.name.name}=` : ''}${sx(a.value)}`).join('')})`;
    case 'Index': return `(index ${sx(e.target)} ${sx(e.index)})`;
    case 'Member': return `(. ${sx(e.target)} ${e.member.name})`;
    case 'Label': return `(as ${sx(e.target)} ${e.label.map((p) => (p.kind === 'Field' ? p.name.name : `[${sx(p.index)}]`)).join('.')})`;
  }
}

/** The model body of `text`. */
const body = (text: string): A.Stmt[] => (parse(text).items.find((i) => i.kind === 'Model') as A.ModelDecl).body;

describe('expressions', () => {
  it.each([
    ['1 + 2 * 3', '(+ 1 (* 2 3))'],
    ['a - b - c', '(- (- a b) c)'],
    ['a / b * c % d', '(% (* (/ a b) c) d)'],
    ['-a * b', '(* (- a) b)'],
    ['-(a + b)', '(- (+ a b))'],
    ['a + b == c * 2', '(== (+ a b) (* c 2))'],
    ['not a and b or c', '(or (and (not a) b) c)'],
    ['a or b and c', '(or a (and b c))'],
    ['not a == b', '(not (== a b))'],
    ['i in xs and i > 0', '(and (in i xs) (> i 0))'],
    ['(a + b) * c', '(* (+ a b) c)'],
  ])('%s', (text, want) => {
    expect(sx(expr(text))).toBe(want);
  });

  it('ternaries nest to the right and take an or-expression as condition', () => {
    expect(sx(expr('a ? b : c ? d : e'))).toBe('(? a b (? c d e))');
    expect(sx(expr('a or b ? c + 1 : d'))).toBe('(? (or a b) (+ c 1) d)');
    expect(sx(expr('(a ? b : c) ? d : e'))).toBe('(? (? a b c) d e)');
  });

  it('ranges bind looser than arithmetic and tighter than comparison', () => {
    expect(sx(expr('0..n + 1'))).toBe('(.. 0 (+ n 1))');
    expect(sx(expr('i in 0..4'))).toBe('(in i (.. 0 4))');
    expect(sx(expr('reversed(0..depth)'))).toBe('(call reversed (.. 0 depth))');
  });

  it('postfix chains: calls, indexing, members', () => {
    expect(sx(expr('f(x)(y)[0].mode()'))).toBe('(call (. (index (call (call f x) y) 0) mode))');
    expect(sx(expr('xs[i + 1]'))).toBe('(index xs (+ i 1))');
  });

  it('labels name the call before them: `as a.b[i]`', () => {
    expect(sx(expr('conv(x, 8) as ladder_layers[i].down_a'))).toBe('(as (call conv x 8) ladder_layers.[i].down_a)');
    expect(sx(expr('relu(conv(x, 8) as enc.c[2 * j])'))).toBe('(call relu (as (call conv x 8) enc.c.[(* 2 j)]))');
    expect(sx(expr('-f(x) as l'))).toBe('(- (as (call f x) l))');
  });

  it('named arguments and lists', () => {
    const e = expr('sdn(x, 8, features = 16, dirs = [0, 1])') as A.CallExpr;
    expect(e.args.map((a) => a.name?.name)).toEqual([undefined, undefined, 'features', 'dirs']);
    expect(sx(e)).toBe('(call sdn x 8 features=16 dirs=[0 1])');
    expect(sx(expr('[]'))).toBe('[]');
  });

  it('numbers keep their text and know whether they are ints', () => {
    const n = expr('1.50') as A.NumberLit;
    expect([n.value, n.isInt, n.text]).toEqual([1.5, false, '1.50']);
    expect((expr('3e2') as A.NumberLit).isInt).toBe(false);
    expect((expr('300') as A.NumberLit).isInt).toBe(true);
  });
});

describe('statements and items', () => {
  it('destructuring let, assignment, for, if/else if/else, output, expression statements', () => {
    const stmts = body(`model m {
  input x: image(3, 8, 8)
  let [a, b] = split(x, [1, 2])
  a = relu(a)
  for i in 0..2 { a = a }
  if sampling { output s = a } else if beta > 1 { output t = a } else { output u = b }
  enc(x) as e
}`);
    expect(stmts.map((s) => s.kind)).toEqual(['Input', 'Let', 'Assign', 'For', 'If', 'Expr']);
    const let_ = stmts[1] as A.LetStmt;
    expect([let_.destructure, let_.names.map((n) => n.name)]).toEqual([true, ['a', 'b']]);
    const if_ = stmts[4] as A.IfStmt;
    expect(if_.else![0].kind).toBe('If');
    expect((if_.else![0] as A.IfStmt).else![0].kind).toBe('Output');
    expect(sx((stmts[5] as A.ExprStmt).value)).toBe('(as (call enc x) e)');
  });

  it('imports, typed params with defaults, blocks with typed and defaulted parameters', () => {
    const f = parse('import "lib/x.sdn"\nparam ds: list[int] = [1, 2]\nblock b(x, n: int = 2, flag: bool) { return x }\nmodel m {}');
    expect(f.items.map((i) => i.kind)).toEqual(['Import', 'Param', 'Block', 'Model']);
    expect((f.items[0] as A.ImportDecl).path).toBe('lib/x.sdn');
    const p = f.items[1] as A.ParamDecl;
    expect([p.type!.name, p.type!.arg!.name]).toEqual(['list', 'int']);
    const b = f.items[2] as A.BlockDecl;
    expect(b.params.map((q) => [q.name.name, q.type?.name, q.default ? sx(q.default) : undefined])).toEqual([
      ['x', undefined, undefined], ['n', 'int', '2'], ['flag', 'bool', undefined],
    ]);
  });

  it('keeps line and block comments with their positions', () => {
    const f = parse('// head\nparam a = 1 /* inline */\n/* multi\n line */\nmodel m {} // tail');
    expect(f.comments.map((c) => [c.text, c.span.line, c.span.col])).toEqual([
      ['// head', 1, 1], ['/* inline */', 2, 13], ['/* multi\n line */', 3, 1], ['// tail', 5, 12],
    ]);
    expect(f.items).toHaveLength(2);
  });
});

describe('spans', () => {
  const text = 'model m {\n  input x: image(3, 8, 8)\n  let h = relu(conv(x, 8) as enc)\n}\n';
  const stmts = body(text);

  it('point at the first character and just past the last', () => {
    const let_ = stmts[1] as A.LetStmt;
    expect([let_.span.line, let_.span.col, let_.span.endLine, let_.span.endCol]).toEqual([3, 3, 3, 34]);
    expect(text.slice(let_.span.start, let_.span.end)).toBe('let h = relu(conv(x, 8) as enc)');
    const call = let_.value as A.CallExpr;
    const label = call.args[0].value as A.LabelExpr;
    expect([label.span.line, label.span.col]).toEqual([3, 16]);
    expect(text.slice(label.span.start, label.span.end)).toBe('conv(x, 8) as enc');
    expect(text.slice(label.target.span.start, label.target.span.end)).toBe('conv(x, 8)');
  });

  it('names and identifiers carry their own spans', () => {
    const input = stmts[0] as A.InputStmt;
    expect([input.name.span.line, input.name.span.col, input.type.span.col]).toEqual([2, 9, 12]);
    const let_ = stmts[1] as A.LetStmt;
    expect(text.slice(let_.names[0].span.start, let_.names[0].span.end)).toBe('h');
  });

  it('items span their whole declaration', () => {
    const m = parse(text).items[0] as A.ModelDecl;
    expect([m.span.line, m.span.col, m.span.endLine, m.span.endCol]).toEqual([1, 1, 4, 2]);
  });
});

describe('syntax errors', () => {
  it('recovery reports several errors, each where it happens', () => {
    const r = parseSource('t.sdn', 'param h: int =\nparam z = 4\nmodel m {\n  let a = conv(x, h\n  let b = 2 +\n  let c = [1, 2\n  output o = a\n}\n');
    expect(r.ast).toBeUndefined();
    expect(r.diagnostics.map((d) => `${d.code} ${d.span.line}:${d.span.col} ${d.message}`)).toEqual([
      'E-SYNTAX 1:15 expected an expression but found `param`',
      'E-SYNTAX 4:20 expected `)` but found `let`',
      'E-SYNTAX 5:14 expected an expression but found `let`',
      'E-SYNTAX 6:16 expected `]` but found `output`',
    ]);
  });

  it('names tokens as written, and the end of the file in words', () => {
    const msg = (t: string) => parseSource('t.sdn', t).diagnostics.map((d) => d.message);
    expect(msg('model m {')).toEqual(['expected a statement or `}` but found the end of the file']);
    expect(msg('model m { let [] = x }')).toEqual(['expected a name but found `]`']);
    expect(msg('let a = 1')).toEqual(['expected `import`, `param`, `block` or `model` but found `let`']);
    expect(msg('param a 1')).toEqual(['expected `=` but found `1`']);
  });

  it('reports bad characters and strings without throwing', () => {
    const diags = (t: string) => parseSource('t.sdn', t).diagnostics.map((d) => `${d.code} ${d.span.col} ${d.message}`);
    expect(diags('param a = 1 $ 2')).toEqual(['E-LEX 13 unexpected character "$"']);
    expect(diags('import "a\\qb"')[0]).toMatch(/^E-LEX 8 invalid string/);
    expect(diags('param a = "tab\there"')[0]).toMatch(/^E-LEX 11 invalid string/);
    expect(diags('param a = "open\nmodel m {}')).toEqual(['E-LEX 11 unterminated string (a string must end with `"` on the same line)']);
  });
});
