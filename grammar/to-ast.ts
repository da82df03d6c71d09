// CST → AST. Only called on a CST without syntax errors, so every required child is present.
import type { CstNode, CstNodeLocation, IToken } from 'chevrotain';
import { parser } from './parser.js';
import type * as A from './ast.js';
import type { Span } from '../diagnostics/diagnostic.js';

type Ctx = Record<string, (CstNode | IToken)[] | undefined>;

const BaseVisitor = parser.getBaseCstVisitorConstructor();

export function spanOf(file: string, loc: CstNodeLocation | IToken): Span {
  const l = loc as CstNodeLocation;
  return {
    file,
    line: l.startLine ?? 1,
    col: l.startColumn ?? 1,
    endLine: l.endLine ?? l.startLine ?? 1,
    endCol: (l.endColumn ?? l.startColumn ?? 0) + 1,
    start: l.startOffset,
    end: (l.endOffset ?? l.startOffset) + 1,
  };
}

class AstBuilder extends BaseVisitor {
  constructor(private readonly path: string) {
    super();
    this.validateVisitor();
  }

  private span(node: CstNode | IToken): Span {
    return spanOf(this.path, 'image' in node ? node : (node.location as CstNodeLocation));
  }
  private tok(ctx: Ctx, name: string, i = 0): IToken {
    return ctx[name]![i] as IToken;
  }
  private node(ctx: Ctx, name: string, i = 0): CstNode {
    return ctx[name]![i] as CstNode;
  }
  private nodes(ctx: Ctx, name: string): CstNode[] {
    return (ctx[name] ?? []) as CstNode[];
  }
  private ident(t: IToken): A.Ident {
    return { name: t.image, span: this.span(t) };
  }
  private own(ctx: Ctx): Span {
    // The span of a rule: from its first to its last token.
    const toks: IToken[] = [];
    for (const children of Object.values(ctx)) {
      for (const c of children ?? []) {
        if ('image' in c) toks.push(c);
        else toks.push(c.location as unknown as IToken);
      }
    }
    const first = toks.reduce((a, b) => (b.startOffset < a.startOffset ? b : a));
    const last = toks.reduce((a, b) => ((b.endOffset ?? 0) > (a.endOffset ?? 0) ? b : a));
    return { ...spanOf(this.path, first), endLine: last.endLine ?? 1, endCol: (last.endColumn ?? 0) + 1, end: (last.endOffset ?? 0) + 1 };
  }

  file(ctx: Ctx, comments: A.Comment[]): A.SourceFile {
    const items = this.nodes(ctx, 'item').map((n) => this.visit(n) as A.Item);
    const span: Span = { file: this.path, line: 1, col: 1, endLine: 1, endCol: 1, start: 0, end: 0 };
    return { kind: 'File', path: this.path, items, comments, span };
  }
  item(ctx: Ctx): A.Item {
    return this.visit(Object.values(ctx)[0]![0] as CstNode);
  }
  importDecl(ctx: Ctx): A.ImportDecl {
    return { kind: 'Import', path: JSON.parse(this.tok(ctx, 'StringLiteral').image), span: this.own(ctx) };
  }
  typeRef(ctx: Ctx): A.TypeRef {
    const arg = ctx.typeRef ? (this.visit(this.node(ctx, 'typeRef')) as A.TypeRef) : undefined;
    return { kind: 'Type', name: this.tok(ctx, 'Identifier').image, arg, span: this.own(ctx) };
  }
  paramDecl(ctx: Ctx): A.ParamDecl {
    return {
      kind: 'Param',
      name: this.ident(this.tok(ctx, 'Identifier')),
      type: ctx.typeRef ? this.visit(this.node(ctx, 'typeRef')) : undefined,
      value: this.visit(this.node(ctx, 'expr')),
      span: this.own(ctx),
    };
  }
  blockParam(ctx: Ctx): A.BlockParam {
    return {
      kind: 'BlockParam',
      name: this.ident(this.tok(ctx, 'Identifier')),
      type: ctx.typeRef ? this.visit(this.node(ctx, 'typeRef')) : undefined,
      default: ctx.expr ? this.visit(this.node(ctx, 'expr')) : undefined,
      span: this.own(ctx),
    };
  }
  blockDecl(ctx: Ctx): A.BlockDecl {
    return {
      kind: 'Block',
      name: this.ident(this.tok(ctx, 'Identifier')),
      params: this.nodes(ctx, 'blockParam').map((n) => this.visit(n)),
      body: this.visit(this.node(ctx, 'body')),
      span: this.own(ctx),
    };
  }
  modelDecl(ctx: Ctx): A.ModelDecl {
    return { kind: 'Model', name: this.ident(this.tok(ctx, 'Identifier')), body: this.visit(this.node(ctx, 'body')), span: this.own(ctx) };
  }
  body(ctx: Ctx): A.Stmt[] {
    return this.nodes(ctx, 'stmt').map((n) => this.visit(n));
  }
  stmt(ctx: Ctx): A.Stmt {
    return this.visit(Object.values(ctx)[0]![0] as CstNode);
  }
  letStmt(ctx: Ctx): A.LetStmt {
    const names = (ctx.Identifier as IToken[]).map((t) => this.ident(t));
    return { kind: 'Let', names, destructure: !!ctx.LBracket, value: this.visit(this.node(ctx, 'expr')), span: this.own(ctx) };
  }
  assignStmt(ctx: Ctx): A.AssignStmt {
    return { kind: 'Assign', name: this.ident(this.tok(ctx, 'Identifier')), value: this.visit(this.node(ctx, 'expr')), span: this.own(ctx) };
  }
  forStmt(ctx: Ctx): A.ForStmt {
    return {
      kind: 'For',
      variable: this.ident(this.tok(ctx, 'Identifier')),
      iterable: this.visit(this.node(ctx, 'expr')),
      body: this.visit(this.node(ctx, 'body')),
      span: this.own(ctx),
    };
  }
  ifStmt(ctx: Ctx): A.IfStmt {
    const bodies = this.nodes(ctx, 'body');
    let elseBody: A.Stmt[] | undefined;
    if (ctx.ifStmt) elseBody = [this.visit(this.node(ctx, 'ifStmt'))];
    else if (bodies.length > 1) elseBody = this.visit(bodies[1]);
    return { kind: 'If', cond: this.visit(this.node(ctx, 'expr')), then: this.visit(bodies[0]), else: elseBody, span: this.own(ctx) };
  }
  returnStmt(ctx: Ctx): A.ReturnStmt {
    return { kind: 'Return', value: this.visit(this.node(ctx, 'expr')), span: this.own(ctx) };
  }
  inputStmt(ctx: Ctx): A.InputStmt {
    return {
      kind: 'Input',
      name: this.ident(this.tok(ctx, 'Identifier', 0)),
      type: this.ident(this.tok(ctx, 'Identifier', 1)),
      args: this.visit(this.node(ctx, 'args')),
      span: this.own(ctx),
    };
  }
  exprStmt(ctx: Ctx): A.ExprStmt {
    const value = this.visit(this.node(ctx, 'postfixExpr')) as A.Expr;
    return { kind: 'Expr', value, span: value.span };
  }
  outputStmt(ctx: Ctx): A.OutputStmt {
    return { kind: 'Output', name: this.ident(this.tok(ctx, 'Identifier')), value: this.visit(this.node(ctx, 'expr')), span: this.own(ctx) };
  }
  expr(ctx: Ctx): A.Expr {
    const cond = this.visit(this.node(ctx, 'orExpr')) as A.Expr;
    if (!ctx.Question) return cond;
    const [a, b] = this.nodes(ctx, 'expr').map((n) => this.visit(n) as A.Expr);
    return { kind: 'Ternary', cond, then: a, else: b, span: this.own(ctx) };
  }
  private leftAssoc(ctx: Ctx, sub: string, ops: string[]): A.Expr {
    const operands = this.nodes(ctx, sub).map((n) => this.visit(n) as A.Expr);
    const opToks = ops.flatMap((o) => (ctx[o] ?? []) as IToken[]).sort((a, b) => a.startOffset - b.startOffset);
    let acc = operands[0];
    opToks.forEach((t, i) => {
      const right = operands[i + 1];
      acc = { kind: 'Binary', op: t.image as A.BinaryOp, left: acc, right, span: joinSpans(acc.span, right.span) };
    });
    return acc;
  }
  orExpr(ctx: Ctx): A.Expr {
    return this.leftAssoc(ctx, 'andExpr', ['Or']);
  }
  andExpr(ctx: Ctx): A.Expr {
    return this.leftAssoc(ctx, 'notExpr', ['And']);
  }
  notExpr(ctx: Ctx): A.Expr {
    if (!ctx.Not) return this.visit(this.node(ctx, 'cmpExpr'));
    return { kind: 'Unary', op: 'not', operand: this.visit(this.node(ctx, 'notExpr')), span: this.own(ctx) };
  }
  cmpExpr(ctx: Ctx): A.Expr {
    return this.leftAssoc(ctx, 'rangeExpr', ['EqEq', 'NotEq', 'LtEq', 'GtEq', 'Lt', 'Gt', 'In']);
  }
  rangeExpr(ctx: Ctx): A.Expr {
    const [from, to] = this.nodes(ctx, 'addExpr').map((n) => this.visit(n) as A.Expr);
    return to ? { kind: 'Range', from, to, span: joinSpans(from.span, to.span) } : from;
  }
  addExpr(ctx: Ctx): A.Expr {
    return this.leftAssoc(ctx, 'mulExpr', ['Plus', 'Minus']);
  }
  mulExpr(ctx: Ctx): A.Expr {
    return this.leftAssoc(ctx, 'unaryExpr', ['Star', 'Slash', 'Percent']);
  }
  unaryExpr(ctx: Ctx): A.Expr {
    if (!ctx.Minus) return this.visit(this.node(ctx, 'postfixExpr'));
    return { kind: 'Unary', op: '-', operand: this.visit(this.node(ctx, 'unaryExpr')), span: this.own(ctx) };
  }
  postfixExpr(ctx: Ctx): A.Expr {
    let acc = this.visit(this.node(ctx, 'primary')) as A.Expr;
    // Postfix operators in source order: calls, indexing and member access.
    const ops: { at: number; apply: (e: A.Expr) => A.Expr }[] = [];
    const close = (t: IToken) => spanOf(this.path, t);
    (ctx.LParen as IToken[] | undefined)?.forEach((t, i) => {
      const args = this.visit(this.nodes(ctx, 'args')[i]) as A.Arg[];
      const rp = (ctx.RParen as IToken[])[i];
      ops.push({ at: t.startOffset, apply: (e) => ({ kind: 'Call', callee: e, args, span: joinSpans(e.span, close(rp)) }) });
    });
    (ctx.LBracket as IToken[] | undefined)?.forEach((t, i) => {
      const index = this.visit(this.nodes(ctx, 'expr')[i]) as A.Expr;
      const rb = (ctx.RBracket as IToken[])[i];
      ops.push({ at: t.startOffset, apply: (e) => ({ kind: 'Index', target: e, index, span: joinSpans(e.span, close(rb)) }) });
    });
    (ctx.Identifier as IToken[] | undefined)?.forEach((t) => {
      const member = this.ident(t);
      ops.push({ at: t.startOffset, apply: (e) => ({ kind: 'Member', target: e, member, span: joinSpans(e.span, member.span) }) });
    });
    for (const op of ops.sort((a, b) => a.at - b.at)) acc = op.apply(acc);
    if (ctx.labelPath) {
      const label = this.visit(this.node(ctx, 'labelPath')) as A.LabelPart[];
      const last = label[label.length - 1];
      acc = { kind: 'Label', target: acc, label, span: joinSpans(acc.span, last.kind === 'Field' ? last.name.span : last.span) };
    }
    return acc;
  }
  labelPath(ctx: Ctx): A.LabelPart[] {
    const parts: { at: number; part: A.LabelPart }[] = [];
    (ctx.Identifier as IToken[]).forEach((t) => parts.push({ at: t.startOffset, part: { kind: 'Field', name: this.ident(t) } }));
    (ctx.LBracket as IToken[] | undefined)?.forEach((t, i) => {
      const rb = (ctx.RBracket as IToken[])[i];
      const index = this.visit(this.nodes(ctx, 'expr')[i]) as A.Expr;
      parts.push({ at: t.startOffset, part: { kind: 'Index', index, span: joinSpans(spanOf(this.path, t), spanOf(this.path, rb)) } });
    });
    return parts.sort((a, b) => a.at - b.at).map((p) => p.part);
  }
  args(ctx: Ctx): A.Arg[] {
    return this.nodes(ctx, 'arg').map((n) => this.visit(n));
  }
  arg(ctx: Ctx): A.Arg {
    const value = this.visit(this.node(ctx, 'expr')) as A.Expr;
    const name = ctx.Identifier ? this.ident(this.tok(ctx, 'Identifier')) : undefined;
    return { name, value, span: name ? joinSpans(name.span, value.span) : value.span };
  }
  primary(ctx: Ctx): A.Expr {
    const span = this.own(ctx);
    if (ctx.NumberLiteral) {
      const text = this.tok(ctx, 'NumberLiteral').image;
      return { kind: 'Number', value: Number(text), isInt: /^\d+$/.test(text), text, span };
    }
    if (ctx.StringLiteral) return { kind: 'String', value: JSON.parse(this.tok(ctx, 'StringLiteral').image), span };
    if (ctx.True || ctx.False) return { kind: 'Bool', value: !!ctx.True, span };
    if (ctx.Identifier) return { kind: 'Name', name: this.tok(ctx, 'Identifier').image, span };
    if (ctx.LParen) return this.visit(this.node(ctx, 'expr'));
    return { kind: 'List', items: this.nodes(ctx, 'expr').map((n) => this.visit(n)), span };
  }
}

export function joinSpans(a: Span, b: Span): Span {
  return { ...a, endLine: b.endLine, endCol: b.endCol, end: b.end };
}

export function buildAst(file: string, cst: CstNode, comments: A.Comment[]): A.SourceFile {
  return new AstBuilder(file).file(cst.children as Ctx, comments);
}
