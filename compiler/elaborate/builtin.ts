// What a built-in function, layer or distribution looks like to the elaborator.
import type { Span } from '../../diagnostics/diagnostic.js';
import type { GraphBuilder } from './graph-builder.js';
import type { TensorValue, Value } from './values.js';

export interface ParamSpec {
  name: string;
  /** `int`, `float`, `bool`, `string`, `tensor`, `dist`, `list`, `list[int]`, `any`. */
  type: string;
  /** Absent: required. `null`: optional with a default the implementation computes. */
  default?: Value | null;
}

export interface CallContext {
  b: GraphBuilder;
  /** Module path of this call: the enclosing scope plus this call's label. */
  scope: string[];
  span: Span;
  sampling: boolean;
  scalarInput(name: string, span: Span): TensorValue;
}

export type Args = Record<string, Value | undefined>;

export interface Builtin {
  /** `layer`s and distributions with parameters get a module path (a label); functions don't. */
  kind: 'layer' | 'function';
  params: ParamSpec[];
  doc: string;
  call(ctx: CallContext, args: Args): Value;
}

export const int = (args: Args, name: string): number => (args[name] as { value: number }).value;
export const tensor = (args: Args, name: string): TensorValue => args[name] as TensorValue;
