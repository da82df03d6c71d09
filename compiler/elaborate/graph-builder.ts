// Builds an IrGraph: emits nodes through the op shape rules, creates parameters under the
// current module scope, and records one row per module for `sdn summary`.
import type { Attr, Init, IrGraph, IrLayer, IrNode, IrParam, OpName, SourceRef } from '../../runtime/ir.js';
import { isBatched, opCalls, OPS, type OpCalls } from '../ops/index.js';
import { fail, type Span } from '../../diagnostics/diagnostic.js';
import type { TensorValue } from './values.js';

export const sourceRef = (span: Span): SourceRef => ({ file: span.file, line: span.line, col: span.col });

export class GraphBuilder {
  readonly nodes: IrNode[] = [];
  readonly params: IrParam[] = [];
  readonly layers: IrLayer[] = [];
  readonly inputs: IrGraph['inputs'] = [];
  readonly outputs: IrGraph['outputs'] = [];
  private readonly paramPaths = new Map<string, Span>();
  private readonly layerByPath = new Map<string, number>();
  /** Innermost module row new nodes are attributed to. */
  currentLayer = -1;

  constructor(readonly mode: 'elbo' | 'sample') {}

  emit(op: OpName, inputs: TensorValue[], attrs: Record<string, Attr>, span: Span): TensorValue {
    const ins = inputs.map((t) => ({ shape: t.shape, batched: t.batched }));
    const shape = OPS[op].shape(ins, attrs);
    if (typeof shape === 'string') fail('E-SHAPE', shape, span);
    // Kernels index elements with 32-bit integers.
    const size = shape.reduce((a, d) => a * d, 1);
    if (size >= 2 ** 32) fail('E-SIZE', `${op} gives a tensor of shape [${shape.join(', ')}]: ${size.toLocaleString('en-US')} elements per example, at or above the limit of 2^32`, span);
    const batched = isBatched(op, inputs);
    const id = this.nodes.length;
    this.nodes.push({ id, op, inputs: inputs.map((t) => t.node), attrs, shape, batched, layer: this.currentLayer, source: sourceRef(span) });
    return { kind: 'tensor', node: id, shape, batched };
  }

  /** Typed op calls emitting at `span`: `b.at(span).mul([x, y])`. */
  at(span: Span): OpCalls<TensorValue, TensorValue> {
    return opCalls((op, inputs, attrs) => this.emit(op, inputs, attrs, span));
  }

  param(path: string, torch: string, shape: number[], init: Init, span: Span): TensorValue {
    const prev = this.paramPaths.get(path);
    if (prev) fail('E-DUPLICATE-PARAM', `parameter \`${path}\` is created twice (two layers with the same \`as\` label?)`, span, [{ message: 'first created here', span: prev }]);
    this.paramPaths.set(path, span);
    this.params.push({ path, torch, shape, init, layer: this.currentLayer });
    return this.at(span).param([], { path, shape });
  }

  /** Enters the module row for `path`, creating it on first use (a ladder layer's up and down halves share one). */
  enterLayer(path: string, kind: string, depth: number, attrs: Record<string, Attr>, span: Span): number {
    const prev = this.currentLayer;
    let row = this.layerByPath.get(path);
    if (row === undefined) {
      row = this.layers.length;
      this.layers.push({ path, kind, depth, attrs, source: sourceRef(span) });
      this.layerByPath.set(path, row);
    }
    this.currentLayer = row;
    return prev;
  }

  leaveLayer(prev: number, out?: TensorValue): void {
    if (out && this.currentLayer >= 0) {
      this.layers[this.currentLayer].outShape = out.shape;
      this.layers[this.currentLayer].outBatched = out.batched;
    }
    this.currentLayer = prev;
  }

  finish(): IrGraph {
    return { mode: this.mode, nodes: this.nodes, params: this.params, layers: this.layers, inputs: this.inputs, outputs: this.outputs };
  }
}
