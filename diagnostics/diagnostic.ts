// The one diagnostic type every stage reports: severity, code, message, source span, notes.
export interface Span {
  file: string;
  /** 1-based line and column of the first character. */
  line: number;
  col: number;
  /** 1-based line and column just past the last character. */
  endLine: number;
  endCol: number;
  /** 0-based character offsets into the file's text. */
  start: number;
  end: number;
}

export type Severity = 'error' | 'warning';

export interface Note {
  message: string;
  span?: Span;
}

export interface Diagnostic {
  severity: Severity;
  /** Stable identifier, e.g. `E-SYNTAX`, `E-UNKNOWN-NAME`. */
  code: string;
  message: string;
  span: Span;
  notes: Note[];
}

export function error(code: string, message: string, span: Span, notes: Note[] = []): Diagnostic {
  return { severity: 'error', code, message, span, notes };
}

/** Thrown to abort elaboration; carries the diagnostic that explains why. */
export class DiagnosticError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

export function fail(code: string, message: string, span: Span, notes: Note[] = []): never {
  throw new DiagnosticError(error(code, message, span, notes));
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === 'error');
}
