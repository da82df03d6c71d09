// `sdn fmt`: canonical formatting of a parsed .sdn file. 2-space indentation, one statement per
// line, spaces around binary operators and `=`, minimal parentheses; a call, list or parameter
// list that doesn't fit in 100 columns goes one element per line, and a ternary that doesn't
// fit puts `? then` and `: else` on lines of their own.
//
// Comments are kept, each in one of these places (decided from the source positions):
//   - on lines of their own before an item, a statement or an element of a broken list;
//   - at the end of the line of the item, statement or element they follow on the same line
//     (a comment after `{` or between a header and its `{` stays on the `{` line);
//   - before a `}` or a closing bracket (comments after the last statement or element).
// A list with a comment inside is always broken. A comment inside an expression that is not
// between elements of a list moves up to its own line before the innermost enclosing
// statement or list element. Runs of blank lines between items and statements become one.
import type { IToken, TokenType } from 'chevrotain';
import type * as A from '../../grammar/ast.js';
import * as T from '../../grammar/lexer.js';
import { group, hardline, indent, join, line, lineSuffix, render, softline, type Doc } from './doc.js';

export const WIDTH = 100;

export function formatSource(ast: A.SourceFile, text: string): string {
  const out = new Formatter(ast, text).file();
  return out === '' ? '' : out + '\n';
}

/** A comment as `sdn fmt` prints it: line comments lose trailing blanks, block comments CRLF. */
export function commentText(c: A.Comment): string {
  return c.text.startsWith('//') ? c.text.trimEnd() : c.text.replace(/\r\n?/g, '\n');
}

interface Unit { start: number; end: number; doc: () => Doc }

// Binding strength of each expression form; a child printed where a stronger form is needed gets parentheses.
const BINARY_PREC: Record<A.BinaryOp, number> = {
  or: 1, and: 2, '==': 4, '!=': 4, '<': 4, '<=': 4, '>': 4, '>=': 4, in: 4, '+': 6, '-': 6, '*': 7, '/': 7, '%': 7,
};
// [left, right] operand minimums: left-associative chains, and comparisons that don't chain.
const OPERANDS: Record<number, [number, number]> = { 1: [1, 2], 2: [2, 3], 4: [5, 5], 6: [6, 7], 7: [7, 8] };

function prec(e: A.Expr): number {
  switch (e.kind) {
    case 'Ternary': return 0;
    case 'Binary': return BINARY_PREC[e.op];
    case 'Unary': return e.op === 'not' ? 3 : 8;
    case 'Range': return 5;
    case 'Label': return 9;
    case 'Call': case 'Index': case 'Member': return 10;
    default: return 11;
  }
}

class Formatter {
  private readonly comments: A.Comment[];
  private readonly claimed: boolean[];
  private readonly tokens: IToken[];
  private readonly lineStarts: number[] = [0];

  constructor(private readonly ast: A.SourceFile, private readonly text: string) {
    this.comments = [...ast.comments].sort((a, b) => a.span.start - b.span.start);
    this.claimed = this.comments.map(() => false);
    this.tokens = T.sdnLexer.tokenize(text).tokens;
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  file(): string {
    const units = this.ast.items.map((it) => this.unit(it.span, () => this.item(it)));
    return render(this.lines(units, 0, this.text.length), WIDTH);
  }

  // ---- comments and tokens ----

  private lineOf(offset: number): number {
    let lo = 0, hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Claims the unclaimed comments that start in [from, to), optionally only while `keep` holds. */
  private take(from: number, to: number, keep: (c: A.Comment) => boolean = () => true): A.Comment[] {
    const out: A.Comment[] = [];
    this.comments.forEach((c, i) => {
      if (this.claimed[i] || c.span.start < from || c.span.start >= to) return;
      if (!keep(c)) return;
      this.claimed[i] = true;
      out.push(c);
    });
    return out;
  }

  /** Comments after `end` (exclusive) that start on the line `end` is on, before `limit`. */
  private trailing(end: number, limit: number): A.Comment[] {
    const lineNo = this.lineOf(Math.max(0, end - 1));
    let open = true;
    return this.take(end, limit, (c) => (open &&= this.lineOf(c.span.start) === lineNo));
  }

  /** A comment in (from, to) that no enclosing construct has placed yet (claimed ones print elsewhere). */
  private hasComment(from: number, to: number): boolean {
    return this.comments.some((c, i) => !this.claimed[i] && c.span.start > from && c.span.start < to);
  }

  private blankBetween(from: number, to: number): boolean {
    return from < to && /\n[ \t\r]*\n/.test(this.text.slice(from, to));
  }

  /** The first token of `type` at or after `offset`. */
  private tokenAfter(type: TokenType, offset: number): IToken {
    const t = this.tokens.find((tok) => tok.tokenType === type && tok.startOffset >= offset);
    if (!t) throw new Error(`sdn fmt: no ${type.name} after offset ${offset}`);
    return t;
  }

  /** The bracket that closes `open`. */
  private closing(open: IToken): IToken {
    const close = { LParen: T.RParen, LBracket: T.RBracket, LBrace: T.RBrace }[open.tokenType.name as 'LParen'];
    let depth = 0;
    for (let i = this.tokens.indexOf(open); i < this.tokens.length; i++) {
      const t = this.tokens[i];
      if (t.tokenType === open.tokenType) depth++;
      else if (t.tokenType === close && --depth === 0) return t;
    }
    throw new Error(`sdn fmt: unbalanced ${open.image} at offset ${open.startOffset}`);
  }

  private static trailer(cs: A.Comment[]): Doc {
    return cs.length === 0 ? '' : lineSuffix(' ' + cs.map(commentText).join(' '));
  }

  // ---- layout of units: items, statements, list elements ----

  private unit(span: { start: number; end: number }, doc: () => Doc): Unit {
    return { start: span.start, end: span.end, doc };
  }

  /** Builds a unit; comments left inside it (not placed by a nested list) go on lines above it. */
  private build(u: Unit): Doc {
    const doc = u.doc();
    const inner = this.take(u.start, u.end);
    return [...inner.map((c) => [commentText(c), hardline]), doc];
  }

  /** Items or statements, one per line, with their comments; keeps single blank lines. */
  private lines(units: Unit[], from: number, to: number, tail: A.Comment[] = [], lead: A.Comment[] = []): Doc {
    const out: Doc[] = [];
    let prevEnd = -1;
    const push = (doc: Doc, start: number, end: number) => {
      if (out.length > 0) out.push(this.blankBetween(prevEnd, start) ? [hardline, hardline] : hardline);
      out.push(doc);
      prevEnd = end;
    };
    for (const c of lead) push(commentText(c), c.span.start, c.span.end);
    let cursor = from;
    for (const u of units) {
      for (const c of this.take(cursor, u.start)) push(commentText(c), c.span.start, c.span.end);
      const doc = this.build(u);
      const trail = this.trailing(u.end, to);
      push([doc, Formatter.trailer(trail)], u.start, trail.length > 0 ? trail[trail.length - 1].span.end : u.end);
      cursor = prevEnd;
    }
    for (const c of [...this.take(cursor, to), ...tail]) push(commentText(c), c.span.start, c.span.end);
    return out;
  }

  /** `{ statements }`; `headerEnd` is where the construct's header ends (comments from there to `{` join the `{` line). */
  private body(stmts: A.Stmt[], headerEnd: number, lbrace: IToken, tail: A.Comment[] = []): Doc {
    const rbrace = this.closing(lbrace);
    const firstStart = stmts.length > 0 ? stmts[0].span.start : rbrace.startOffset;
    const comments = [...this.take(headerEnd, lbrace.startOffset), ...this.trailing(lbrace.startOffset + 1, firstStart)];
    // Everything up to the first line comment fits on the `{` line; the rest opens the body.
    const cut = comments.findIndex((c) => c.text.startsWith('//')) + 1 || comments.length;
    const head = comments.slice(0, cut);
    const units = stmts.map((s) => this.unit(s.span, () => this.stmt(s)));
    const inner = this.lines(units, lbrace.startOffset + 1, rbrace.startOffset, tail, comments.slice(cut));
    if (Array.isArray(inner) && inner.length === 0) return head.length === 0 ? '{}' : ['{', Formatter.trailer(head), hardline, '}'];
    return ['{', Formatter.trailer(head), indent([hardline, inner]), hardline, '}'];
  }

  /** A bracketed, comma-separated list that breaks one element per line when it doesn't fit or holds a comment. */
  private seq(open: IToken, elements: Unit[]): Doc {
    const close = this.closing(open);
    const forced = this.hasComment(open.startOffset, close.startOffset);
    if (elements.length === 0 && !forced) return open.image + close.image;
    const entries: Doc[] = [];
    let cursor = open.startOffset + 1;
    elements.forEach((el, i) => {
      const lead = this.take(cursor, el.start).map((c) => [commentText(c), hardline]);
      const doc = this.build(el);
      const limit = i + 1 < elements.length ? elements[i + 1].start : close.startOffset;
      const trail = this.trailing(el.end, limit);
      cursor = trail.length > 0 ? trail[trail.length - 1].span.end : el.end;
      entries.push([...lead, doc, i + 1 < elements.length ? ',' : '', Formatter.trailer(trail)]);
    });
    entries.push(...this.take(cursor, close.startOffset).map(commentText));
    return group([open.image, indent([softline, join(line, entries)]), softline, close.image], forced);
  }

  // ---- items and statements ----

  private item(it: A.Item): Doc {
    switch (it.kind) {
      case 'Import': return ['import ', JSON.stringify(it.path)];
      case 'Param': return ['param ', it.name.name, this.typeAnn(it.type), ' = ', this.expr(it.value, 0)];
      case 'Model': return ['model ', it.name.name, ' ', this.body(it.body, it.name.span.end, this.tokenAfter(T.LBrace, it.name.span.end))];
      case 'Block': {
        const open = this.tokenAfter(T.LParen, it.name.span.end);
        const params = this.seq(open, it.params.map((p) => this.unit(p.span, () => [
          p.name.name, this.typeAnn(p.type), p.default ? [' = ', this.expr(p.default, 0)] : '',
        ])));
        const close = this.closing(open);
        const lbrace = this.tokenAfter(T.LBrace, close.endOffset! + 1);
        return ['block ', it.name.name, params, ' ', this.body(it.body, close.endOffset! + 1, lbrace)];
      }
    }
  }

  private typeAnn(t: A.TypeRef | undefined): string {
    const show = (r: A.TypeRef): string => (r.arg ? `${r.name}[${show(r.arg)}]` : r.name);
    return t ? `: ${show(t)}` : '';
  }

  private stmt(s: A.Stmt): Doc {
    switch (s.kind) {
      case 'Let': {
        const names = s.destructure ? `[${s.names.map((n) => n.name).join(', ')}]` : s.names[0].name;
        return ['let ', names, ' = ', this.expr(s.value, 0)];
      }
      case 'Assign': return [s.name.name, ' = ', this.expr(s.value, 0)];
      case 'Return': return ['return ', this.expr(s.value, 0)];
      case 'Output': return ['output ', s.name.name, ' = ', this.expr(s.value, 0)];
      case 'Expr': return this.expr(s.value, 9);
      case 'Input': return ['input ', s.name.name, ': ', s.type.name, this.args(this.tokenAfter(T.LParen, s.type.span.end), s.args)];
      case 'For': {
        const lbrace = this.tokenAfter(T.LBrace, s.iterable.span.end);
        return ['for ', s.variable.name, ' in ', this.expr(s.iterable, 0), ' ', this.body(s.body, s.iterable.span.end, lbrace)];
      }
      case 'If': return this.ifStmt(s);
    }
  }

  /** `if … {} else if … {} else {}`; comments between `}` and the next branch go before that `}`. */
  private ifStmt(s: A.IfStmt): Doc {
    const cond = this.expr(s.cond, 0);
    const lbrace = this.tokenAfter(T.LBrace, s.cond.span.end);
    if (!s.else) return ['if ', cond, ' ', this.body(s.then, s.cond.span.end, lbrace)];
    const rbrace = this.closing(lbrace);
    const elseTok = this.tokenAfter(T.Else, rbrace.endOffset! + 1);
    const afterElse = this.tokens[this.tokens.indexOf(elseTok) + 1];
    const tail = this.take(rbrace.endOffset! + 1, elseTok.startOffset);
    let elseDoc: Doc;
    if (afterElse.tokenType === T.LBrace) {
      elseDoc = this.body(s.else, elseTok.endOffset! + 1, afterElse);
    } else {
      const nested = s.else[0] as A.IfStmt;
      tail.push(...this.take(elseTok.endOffset! + 1, nested.span.start));
      elseDoc = this.ifStmt(nested);
      tail.push(...this.take(nested.span.start, this.tokenAfter(T.LBrace, nested.cond.span.end).startOffset));
    }
    return ['if ', cond, ' ', this.body(s.then, s.cond.span.end, lbrace, tail), ' else ', elseDoc];
  }

  // ---- expressions ----

  private args(open: IToken, args: A.Arg[]): Doc {
    return this.seq(open, args.map((a) => this.unit(a.span, () => (a.name ? [a.name.name, ' = ', this.expr(a.value, 0)] : this.expr(a.value, 0)))));
  }

  private expr(e: A.Expr, min: number): Doc {
    const doc = this.bare(e);
    return prec(e) < min ? ['(', doc, ')'] : doc;
  }

  private bare(e: A.Expr): Doc {
    switch (e.kind) {
      case 'Number': return e.text;
      case 'String': return JSON.stringify(e.value);
      case 'Bool': return String(e.value);
      case 'Name': return e.name;
      case 'List': return this.seq(this.tokenAfter(T.LBracket, e.span.start), e.items.map((i) => this.unit(i.span, () => this.expr(i, 0))));
      case 'Range': return [this.expr(e.from, 6), '..', this.expr(e.to, 6)];
      case 'Unary': return e.op === 'not' ? ['not ', this.expr(e.operand, 3)] : ['-', this.expr(e.operand, 8)];
      case 'Binary': {
        const [l, r] = OPERANDS[BINARY_PREC[e.op]];
        return [this.expr(e.left, l), ` ${e.op} `, this.expr(e.right, r)];
      }
      case 'Ternary':
        return group([this.expr(e.cond, 1), indent([line, '? ', this.expr(e.then, 0), line, ': ', this.expr(e.else, 0)])]);
      case 'Call': return [this.expr(e.callee, 10), this.args(this.tokenAfter(T.LParen, e.callee.span.end), e.args)];
      case 'Index': return [this.expr(e.target, 10), '[', this.expr(e.index, 0), ']'];
      case 'Member': return [this.expr(e.target, 10), '.', e.member.name];
      case 'Label': {
        const parts = e.label.map((p, i) => (p.kind === 'Field' ? (i === 0 ? p.name.name : ['.', p.name.name]) : ['[', this.expr(p.index, 0), ']']));
        return [this.expr(e.target, 10), ' as ', parts];
      }
    }
  }
}
