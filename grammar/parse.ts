// Text → AST plus syntax diagnostics (lexer and parser errors, several per file thanks to recovery).
import type { IRecognitionException, IToken } from 'chevrotain';
import { allTokens, sdnLexer } from './lexer.js';
import { parser } from './parser.js';
import { buildAst, spanOf } from './to-ast.js';
import type { SourceFile } from './ast.js';
import { error, type Diagnostic, type Span } from '../diagnostics/diagnostic.js';

export interface ParseResult {
  ast?: SourceFile;
  diagnostics: Diagnostic[];
}

/**
 * Brackets of any kind may nest this deep. The parser and every pass over the AST recurse once per
 * level (several frames each), so a limit far above what models write keeps them off the end of
 * the stack.
 */
export const MAX_NESTING = 64;

const OPENERS = new Set(['LParen', 'LBracket', 'LBrace']);
const CLOSERS = new Set(['RParen', 'RBracket', 'RBrace']);

function tooDeep(file: string, tokens: IToken[]): Diagnostic | undefined {
  let depth = 0;
  for (const t of tokens) {
    if (OPENERS.has(t.tokenType.name) && ++depth > MAX_NESTING) {
      return error('E-NESTING', `brackets nest deeper than ${MAX_NESTING} levels here; split the expression with \`let\``, spanOf(file, t));
    }
    if (CLOSERS.has(t.tokenType.name)) depth = Math.max(0, depth - 1);
  }
  return undefined;
}

export function parseSource(file: string, text: string): ParseResult {
  const lexed = sdnLexer.tokenize(text);
  const deep = tooDeep(file, lexed.tokens);
  if (deep) return { diagnostics: [deep] };
  const diagnostics: Diagnostic[] = lexed.errors.map((e) => {
    const span: Span = {
      file,
      line: e.line ?? 1,
      col: e.column ?? 1,
      endLine: e.line ?? 1,
      endCol: (e.column ?? 1) + e.length,
      start: e.offset,
      end: e.offset + e.length,
    };
    const bad = text.slice(e.offset, e.offset + e.length);
    if (bad.startsWith('"')) return error('E-LEX', 'unterminated string (a string must end with `"` on the same line)', { ...span, endCol: span.col + 1, end: span.start + 1 });
    return error('E-LEX', `unexpected character ${JSON.stringify(bad)}`, span);
  });
  // The lexer accepts any backslash escape; the AST decodes strings as JSON, which is stricter.
  for (const t of lexed.tokens) {
    if (t.tokenType.name !== 'StringLiteral') continue;
    try {
      JSON.parse(t.image);
    } catch {
      diagnostics.push(error('E-LEX', 'invalid string: escapes are \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX, and tabs must be written \\t', spanOf(file, t)));
    }
  }
  parser.input = lexed.tokens;
  const cst = parser.file();
  const index = new Map(lexed.tokens.map((t, i) => [t.startOffset, i]));
  const lexLines = new Set(lexed.errors.map((e) => e.line));
  let last = -Infinity;
  for (const e of parser.errors) {
    if (lexLines.has(e.token.startLine)) continue;
    // Recovery often trips again on the next token or two: those are echoes of the same mistake.
    const at = index.get(e.token.startOffset) ?? lexed.tokens.length;
    if (at - last <= 2) continue;
    last = at;
    diagnostics.push(error('E-SYNTAX', syntaxMessage(e), errorSpan(file, lexed.tokens[at - 1], e.token, text)));
  }
  const comments = (lexed.groups.comments ?? []).map((t: IToken) => ({ text: t.image, span: spanOf(file, t) }));
  if (diagnostics.length > 0) return { diagnostics };
  return { ast: buildAst(file, cst, comments), diagnostics };
}

const EXPRESSION_START = ['NumberLiteral', 'Identifier', 'LParen', 'LBracket'];
const ITEM_START = ['Import', 'Param', 'Block', 'Model'];
const STATEMENT_START = ['Let', 'For', 'If', 'Return', 'Input', 'Output', 'Identifier'];

const DISPLAY = new Map<string, string>(
  allTokens.map((t) => {
    const words: Record<string, string> = { Identifier: 'a name', NumberLiteral: 'a number', StringLiteral: 'a string' };
    const source = (t.PATTERN as RegExp).source.replace(/\\b$/, '').replace(/\\/g, '');
    return [t.name, words[t.name] ?? `\`${source}\``];
  }),
);

function oneOf(names: string[]): string {
  const shown = [...new Set(names.map((n) => DISPLAY.get(n) ?? n))];
  return shown.length <= 1 ? (shown[0] ?? 'something else') : `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}

/** What the parser wanted, in words: chevrotain's message lists token type names. */
function expected(e: IRecognitionException): string {
  const rules = e.context?.ruleStack ?? [];
  const rule = rules[rules.length - 1];
  if (e.name === 'NotAllInputParsedException') return oneOf(ITEM_START);
  const single = /-->\s*(\w+)\s*<--/.exec(e.message);
  if (e.name === 'MismatchedTokenException' && single) {
    if (single[1] === 'RBrace' && rule === 'body') return 'a statement or `}`';
    if (single[1] === 'EOF') return oneOf(ITEM_START);
    return oneOf([single[1]]);
  }
  // NoViableAlt / EarlyExit: alternatives as `[First, Second, ...]` token sequences; their first tokens tell.
  const firsts = [...e.message.matchAll(/\[(\w+)/g)].map((m) => m[1]);
  if (EXPRESSION_START.every((t) => firsts.includes(t))) return 'an expression';
  if (ITEM_START.every((t) => firsts.includes(t))) return oneOf(ITEM_START);
  if (rule === 'stmt' && STATEMENT_START.every((t) => firsts.includes(t))) return 'a statement';
  return oneOf(firsts);
}

function syntaxMessage(e: IRecognitionException): string {
  const found = e.token.tokenType?.name === 'EOF' ? 'the end of the file' : `\`${e.token.image}\``;
  return `expected ${expected(e)} but found ${found}`;
}

/** A token missing at the end of a line is reported just after that line's last token, not at the next line's first. */
function errorSpan(file: string, prev: IToken | undefined, token: IToken, text: string): Span {
  const found = tokenSpan(file, token, text);
  if (!prev || prev.endLine === undefined || prev.endOffset === undefined || prev.endLine >= found.line) return found;
  const col = (prev.endColumn ?? 0) + 1;
  const start = Math.min(prev.endOffset + 1, text.length);
  return { file, line: prev.endLine, col, endLine: prev.endLine, endCol: col + 1, start, end: Math.min(start + 1, text.length) };
}

/** EOF tokens have no position: point at the end of the text instead. */
function tokenSpan(file: string, token: IToken, text: string): Span {
  if (Number.isFinite(token.startOffset) && token.startLine !== undefined && !Number.isNaN(token.startLine)) return spanOf(file, token);
  const lines = text.split('\n');
  const line = lines.length;
  const col = lines[lines.length - 1].length + 1;
  return { file, line, col, endLine: line, endCol: col + 1, start: text.length, end: text.length };
}
