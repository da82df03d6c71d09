// The values the elaborator computes with: compile-time scalars and lists, and tensors
// (IR nodes) and distributions that become part of the graph.
import type { Span } from '../../diagnostics/diagnostic.js';

export type Value = NumberValue | BoolValue | StringValue | ListValue | TensorValue | DistValue;

export interface NumberValue { kind: 'number'; value: number; isInt: boolean }
export interface BoolValue { kind: 'bool'; value: boolean }
export interface StringValue { kind: 'string'; value: string }
export interface ListValue { kind: 'list'; items: Value[] }
export interface TensorValue { kind: 'tensor'; node: number; shape: number[]; batched: boolean }

export type DistKind = 'IsoGaussian' | 'StdNormal' | 'IAF' | 'DML' | 'DL' | 'Bernoulli';
export interface DistValue {
  kind: 'dist';
  dist: DistKind;
  /** The distribution's parameter tensor (absent for StdNormal). */
  params?: TensorValue;
  options: Record<string, number>;
  /** Extra tensors a distribution owns, e.g. the DL log-scale. */
  owned: Record<string, TensorValue>;
  /** Module scope the distribution was created in (IAF's autoregressive net lives there). */
  scope: string[];
  shape: number[];
  span: Span;
}

export const num = (value: number, isInt = Number.isInteger(value)): NumberValue => ({ kind: 'number', value, isInt });
export const bool = (value: boolean): BoolValue => ({ kind: 'bool', value });
export const list = (items: Value[]): ListValue => ({ kind: 'list', items });

export function describe(v: Value): string {
  switch (v.kind) {
    case 'number': return v.isInt ? 'int' : 'float';
    case 'bool': return 'bool';
    case 'string': return 'string';
    case 'list': return 'list';
    case 'tensor': return `tensor [${v.shape.join(', ')}]`;
    case 'dist': return `distribution ${v.dist}`;
  }
}

export function show(v: Value): string {
  switch (v.kind) {
    case 'number': return String(v.value);
    case 'bool': return String(v.value);
    case 'string': return JSON.stringify(v.value);
    case 'list': return `[${v.items.map(show).join(', ')}]`;
    case 'tensor': return `tensor [${v.shape.join(', ')}]`;
    case 'dist': return v.dist;
  }
}

/** Does `v` have the declared type (`int`, `float`, `bool`, `string`, `tensor`, `dist`, `list[T]`, `any`)? */
export function hasType(v: Value, type: string, arg?: string): boolean {
  switch (type) {
    case 'any': return true;
    case 'int': return v.kind === 'number' && v.isInt;
    case 'float': return v.kind === 'number';
    case 'bool': return v.kind === 'bool';
    case 'string': return v.kind === 'string';
    case 'tensor': return v.kind === 'tensor';
    case 'dist': return v.kind === 'dist';
    case 'list': return v.kind === 'list' && (!arg || v.items.every((i) => hasType(i, arg)));
    default: return false;
  }
}

export const KNOWN_TYPES = ['any', 'int', 'float', 'bool', 'string', 'tensor', 'dist', 'list'];
