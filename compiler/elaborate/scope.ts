// Lexical environments of the elaborator.
import type { Span } from '../../diagnostics/diagnostic.js';
import type { Value } from './values.js';

export interface Binding {
  value: Value;
  span: Span;
}

export class Env {
  private readonly vars = new Map<string, Binding>();
  constructor(readonly parent?: Env) {}

  lookup(name: string): Binding | undefined {
    return this.vars.get(name) ?? this.parent?.lookup(name);
  }
  own(name: string): Binding | undefined {
    return this.vars.get(name);
  }
  define(name: string, value: Value, span: Span): void {
    this.vars.set(name, { value, span });
  }
  /** Rebinds an existing variable where it was defined. */
  assign(name: string, value: Value): boolean {
    const b = this.vars.get(name);
    if (b) {
      b.value = value;
      return true;
    }
    return this.parent?.assign(name, value) ?? false;
  }
  names(): string[] {
    return [...this.vars.keys(), ...(this.parent?.names() ?? [])];
  }
}
