// Text → AST plus syntax diagnostics (lexer and parser errors, several per file thanks to recovery).
import type { IToken } from 'chevrotain';
import { sdnLexer } from './lexer.js';
import { parser } from './parser.js';
import { buildAst, spanOf } from './to-ast.js';
import type { SourceFile } from './ast.js';
import { error, type Diagnostic, type Span } from '../compiler/diagnostics/diagnostic.js';

export interface ParseResult {
  ast?: SourceFile;
  diagnostics: Diagnostic[];
}

export function parseSource(file: string, text: string): ParseResult {
  const lexed = sdnLexer.tokenize(text);
  const diagnostics: Diagnostic[] = lexed.errors.map((e) =>
    error('E-LEX', `unexpected character ${JSON.stringify(text.slice(e.offset, e.offset + e.length))}`, {
      file,
      line: e.line ?? 1,
      col: e.column ?? 1,
      endLine: e.line ?? 1,
      endCol: (e.column ?? 1) + e.length,
      start: e.offset,
      end: e.offset + e.length,
    }),
  );
  parser.input = lexed.tokens;
  const cst = parser.file();
  for (const e of parser.errors) {
    diagnostics.push(error('E-SYNTAX', syntaxMessage(e.token, e.message), tokenSpan(file, e.token, text)));
  }
  const comments = (lexed.groups.comments ?? []).map((t: IToken) => ({ text: t.image, span: spanOf(file, t) }));
  if (diagnostics.length > 0) return { diagnostics };
  return { ast: buildAst(file, cst, comments), diagnostics };
}

function syntaxMessage(token: IToken, message: string): string {
  if (token.tokenType?.name === 'EOF') return `unexpected end of file: ${message.replace(/\s+/g, ' ')}`;
  return message.replace(/\s+/g, ' ').replace(/^Expecting/, 'expected').replace(/but found: (.*)$/, 'but found $1');
}

/** EOF tokens have no position: point at the end of the text instead. */
function tokenSpan(file: string, token: IToken, text: string): Span {
  if (Number.isFinite(token.startOffset) && token.startLine !== undefined && !Number.isNaN(token.startLine)) return spanOf(file, token);
  const lines = text.split('\n');
  const line = lines.length;
  const col = lines[lines.length - 1].length + 1;
  return { file, line, col, endLine: line, endCol: col + 1, start: text.length, end: text.length };
}
