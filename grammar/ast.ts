// The .sdn abstract syntax tree. Every node carries the source span it came from.
import type { Span } from '../diagnostics/diagnostic.js';

export interface SourceFile {
  kind: 'File';
  path: string;
  items: Item[];
  comments: Comment[];
  span: Span;
}

export interface Comment {
  text: string;
  span: Span;
}

export type Item = ImportDecl | ParamDecl | BlockDecl | ModelDecl;

export interface ImportDecl { kind: 'Import'; path: string; span: Span }

export interface TypeRef { kind: 'Type'; name: string; arg?: TypeRef; span: Span }

export interface ParamDecl { kind: 'Param'; name: Ident; type?: TypeRef; value: Expr; span: Span }

export interface BlockParam { kind: 'BlockParam'; name: Ident; type?: TypeRef; default?: Expr; span: Span }

export interface BlockDecl { kind: 'Block'; name: Ident; params: BlockParam[]; body: Stmt[]; span: Span }

export interface ModelDecl { kind: 'Model'; name: Ident; body: Stmt[]; span: Span }

export interface Ident { name: string; span: Span }

export type Stmt = LetStmt | AssignStmt | ForStmt | IfStmt | ReturnStmt | InputStmt | OutputStmt | ExprStmt;

export interface LetStmt { kind: 'Let'; names: Ident[]; destructure: boolean; value: Expr; span: Span }
export interface AssignStmt { kind: 'Assign'; name: Ident; value: Expr; span: Span }
export interface ForStmt { kind: 'For'; variable: Ident; iterable: Expr; body: Stmt[]; span: Span }
export interface IfStmt { kind: 'If'; cond: Expr; then: Stmt[]; else?: Stmt[]; span: Span }
export interface ReturnStmt { kind: 'Return'; value: Expr; span: Span }
export interface InputStmt { kind: 'Input'; name: Ident; type: Ident; args: Arg[]; span: Span }
/** A call whose result is not bound, e.g. a block that declares the model's outputs. */
export interface ExprStmt { kind: 'Expr'; value: Expr; span: Span }
export interface OutputStmt { kind: 'Output'; name: Ident; value: Expr; span: Span }

export type Expr =
  | NumberLit | StringLit | BoolLit | NameRef | ListExpr | RangeExpr
  | UnaryExpr | BinaryExpr | TernaryExpr | CallExpr | IndexExpr | MemberExpr | LabelExpr;

export interface NumberLit { kind: 'Number'; value: number; isInt: boolean; text: string; span: Span }
export interface StringLit { kind: 'String'; value: string; span: Span }
export interface BoolLit { kind: 'Bool'; value: boolean; span: Span }
export interface NameRef { kind: 'Name'; name: string; span: Span }
export interface ListExpr { kind: 'List'; items: Expr[]; span: Span }
export interface RangeExpr { kind: 'Range'; from: Expr; to: Expr; span: Span }
export type UnaryOp = '-' | 'not';
export interface UnaryExpr { kind: 'Unary'; op: UnaryOp; operand: Expr; span: Span }
export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'and' | 'or';
export interface BinaryExpr { kind: 'Binary'; op: BinaryOp; left: Expr; right: Expr; span: Span }
export interface TernaryExpr { kind: 'Ternary'; cond: Expr; then: Expr; else: Expr; span: Span }
export interface Arg { name?: Ident; value: Expr; span: Span }
export interface CallExpr { kind: 'Call'; callee: Expr; args: Arg[]; span: Span }
export interface IndexExpr { kind: 'Index'; target: Expr; index: Expr; span: Span }
export interface MemberExpr { kind: 'Member'; target: Expr; member: Ident; span: Span }
/** `expr as a.b[i]`: names the module (and so the parameter paths) a layer or block call creates. */
export interface LabelExpr { kind: 'Label'; target: Expr; label: LabelPart[]; span: Span }
export type LabelPart = { kind: 'Field'; name: Ident } | { kind: 'Index'; index: Expr; span: Span };
