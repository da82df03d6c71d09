// The shape of one op-table entry: every concern the compiler has about an IR op, in one place.
// Each family file (elementwise.ts, layout.ts, ...) `satisfies Partial<Record<OpName, OpEntry>>`
// (a misspelt op is a type error there), and index.ts merges them into `OPS: Record<OpName,
// OpEntry>`, so a missing op or field is a type error too.
import type { Attr, IrNode, OpName } from '../../runtime/ir.js';
import type { KernelSpec } from '../../runtime/program.js';
import type { GradBuilder } from '../autodiff/builder.js';
import type { RuleCtx } from '../export/ops-py.js';
import type { ExprGen } from '../lower/expr.js';
import type { Loc, LowerState, Strides } from '../lower/state.js';

export interface OperandInfo {
  shape: number[];
  batched: boolean;
}

export type Attrs = Record<string, Attr>;

/**
 * Whether the result is batched: `operands` when any operand is, `always` (inputs, noise, and
 * broadcasts of a parameter over the batch), `sums` for ops that sum over the batch.
 */
export type Batching = 'operands' | 'always' | 'sums';

/**
 * How the WebGPU lowering treats the op:
 *   source      uploaded by the runtime (inputs, parameters, scalar inputs)
 *   const       a literal wherever read
 *   map         elementwise at the output's own index: inlined into the kernel of its consumers
 *   remap       reads its operands at remapped indices (pad, crop, resampling, concat, ...): inlined too
 *   view        a remap that can instead be a view of its operand's buffer (slices, reshapes)
 *   dense       conv/linear: its own kernel, which can compute an elementwise consumer as epilogue
 *   reads-inline  its own kernel, reading its operands through the expression generator
 *   kernel      its own kernel, reading materialized operands
 *   scan        its own kernels, scanning the lines of its operand in place in a line layout (layout.ts)
 */
export type Fusion = 'source' | 'const' | 'map' | 'remap' | 'view' | 'dense' | 'reads-inline' | 'kernel' | 'scan';

/** The vector-Jacobian rule: given node n and the node g holding ∂L/∂n, ∂L/∂(each input) (null: none). */
export type GradRule = (b: GradBuilder, n: IrNode, g: number) => (number | null)[];

/** What an inline (fused) lowering computes with: the value of operand k at the current element, and so on. */
export interface InlineCtx {
  gen: ExprGen;
  node: IrNode;
  /** Example and per-example index of the element computed, as WGSL u32 expressions. */
  b: string;
  j: string;
  /** Operand k at this element (a per-example scalar at index 0). */
  arg(k: number): string;
  /** A memoized `let` of the expression. */
  let(expr: string): string;
  /** A size as a u32 uniform named after this node. */
  dim(v: number, key: string): string;
}

export interface KernelArgs {
  /** `<ops>@<module>#<k>` for the kernel of this root. */
  name: string;
  out: Loc;
  /** The nodes computed in it: the root and what is inlined into it. */
  nodes: number[];
  push(k: KernelSpec): void;
}

export type Lowering =
  | { uploaded: true }
  /**
   * A WGSL expression computed inside the kernel of whatever reads it (or its own elementwise
   * kernel); `view`: where the node lives when it is instead a view of its operand's buffer;
   * `firstChannel`: for a slice of whole channels, the first it takes (conv epilogues read such chunks).
   */
  | { inline: (x: InlineCtx) => string; view?: (n: IrNode, operand: IrNode, at: Loc) => Loc; firstChannel?: (n: IrNode) => number }
  /**
   * The kernels materializing the node (a generator of compiler/lower/kernels/); `absorbs`: an
   * op whose node, when this node is its only reader, this kernel computes too (fuse-elementwise
   * makes it inline here); `layout`: the strides its output is stored with, if not NCHW (layout.ts).
   */
  | { kernel: (st: LowerState, n: IrNode, k: KernelArgs) => void; absorbs?: OpName; layout?: (n: IrNode) => Strides | undefined }
  /** The implicit-GEMM conv generator (kernels/conv.ts), which can also compute an epilogue. */
  | { dense: DenseKind }
  /** The weight-gradient correlation generator (kernels/weight-grad.ts). */
  | { weightGrad: WeightGradKind };

export type DenseKind = 'conv' | 'transposed' | 'linear';
export type WeightGradKind = 'conv' | 'transposed' | 'linear' | 'sweep';

/** A torch expression computing the node from its operands; `literalOperands`: constants may be inlined as floats. */
export type TorchRule = ((c: RuleCtx) => string) & { literalOperands?: boolean };

export interface OpEntry {
  /** The output shape, or a message saying why the operands don't fit. */
  shape(ins: OperandInfo[], a: Attrs): number[] | string;
  /** Forward FLOPs per example (multiply-adds count as 2). */
  flops(ins: OperandInfo[], out: number[], a: Attrs): number;
  batch: Batching;
  /** null: not differentiated (the gradient ops autodiff itself emits). */
  grad: GradRule | null;
  fusion: Fusion;
  lower: Lowering;
  /** null: never in an exported graph (the gradient ops). */
  torch: TorchRule | null;
}

