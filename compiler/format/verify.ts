// Formatting with a safety net: the output is parsed again and must give the same AST and the
// same comments as the input, so `sdn fmt` can never change what a file means or drop a comment.
import type * as A from '../../grammar/ast.js';
import { parseSource } from '../../grammar/parse.js';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { commentText, formatSource } from './format.js';

/** The AST without source positions, comments as `sdn fmt` prints them: equal iff same meaning and comments. */
export function astShape(ast: A.SourceFile): unknown {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(Object.entries(v).filter(([k, x]) => k !== 'span' && x !== undefined).map(([k, x]) => [k, strip(x)]));
  };
  return { items: strip(ast.items), comments: ast.comments.map(commentText) };
}

// Comments must all be kept; their order may change where comments inside one expression both
// stay between list elements and move above the statement.
const key = (ast: A.SourceFile): string => {
  const shape = astShape(ast) as { items: unknown; comments: string[] };
  return JSON.stringify({ items: shape.items, comments: [...shape.comments].sort() });
};

export interface FormatResult {
  /** The formatted text; absent when the file has syntax errors. */
  output?: string;
  diagnostics: Diagnostic[];
}

export function formatText(file: string, text: string): FormatResult {
  const parsed = parseSource(file, text);
  if (!parsed.ast) return { diagnostics: parsed.diagnostics };
  const output = formatSource(parsed.ast, text);
  const again = parseSource(file, output);
  if (!again.ast || key(again.ast) !== key(parsed.ast))
    throw new Error(`sdn fmt: formatting ${file} would change its meaning or lose a comment (a bug in the formatter); the file is left as it is`);
  return { output, diagnostics: [] };
}
