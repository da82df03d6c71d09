// Prints diagnostics as `file:line:col: error[CODE]: message` with a code frame and caret.
import type { Diagnostic, Span } from './diagnostic.js';

export type SourceLookup = (file: string) => string | undefined;

export function renderDiagnostic(d: Diagnostic, sources: SourceLookup, color = false): string {
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const sev = d.severity === 'error' ? paint('1;31', 'error') : paint('1;33', 'warning');
  const out = [`${location(d.span)}: ${sev}[${d.code}]: ${paint('1', d.message)}`];
  out.push(...codeFrame(d.span, sources, paint));
  for (const n of d.notes) {
    out.push(`  = note: ${n.message}${n.span ? ` (${location(n.span)})` : ''}`);
    if (n.span) out.push(...codeFrame(n.span, sources, paint));
  }
  return out.join('\n');
}

export function location(span: Span): string {
  return `${span.file}:${span.line}:${span.col}`;
}

function codeFrame(span: Span, sources: SourceLookup, paint: (c: string, s: string) => string): string[] {
  const text = sources(span.file);
  if (text === undefined) return [];
  const lines = text.split('\n');
  const src = lines[span.line - 1];
  if (src === undefined) return [];
  const gutter = String(span.line).length;
  const width = span.endLine === span.line ? Math.max(1, span.endCol - span.col) : Math.max(1, src.length - span.col + 1);
  return [
    `${' '.repeat(gutter)} |`,
    `${span.line} | ${src}`,
    `${' '.repeat(gutter)} | ${' '.repeat(Math.max(0, span.col - 1))}${paint('1;31', '^'.repeat(width))}`,
  ];
}
