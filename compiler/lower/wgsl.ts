// A small WGSL builder: bindings of one kernel (each buffer bound once, at the strongest access
// any use needs: WebGPU forbids binding a buffer both writable and read-only in one dispatch),
// helper functions pulled in on demand, and straight-line bodies whose `let`s are memoized by
// their text, which hoists every subexpression shared within a fused expression. Sizes, offsets
// and strides go through `dim`, which makes them uniforms: the text of a kernel depends only on
// its code, so kernels of different shapes share one pipeline.
import { uniformStruct } from '../../runtime/webgpu/uniforms.js';

export type Access = 'read' | 'read_write';

/** The WGSL math library, by function name; `helper(name)` declares sdn_<name>. */
const HELPERS: Record<string, string> = {
  sdn_sigmoid: 'fn sdn_sigmoid(v: f32) -> f32 { return 1.0 / (1.0 + exp(-v)); }',
  sdn_softplus: 'fn sdn_softplus(v: f32) -> f32 { return max(v, 0.0) + log(1.0 + exp(-abs(v))); }',
  // tanh of |v| > 15 is ±1 in f32; the clamp keeps implementations that expand it through exp finite.
  sdn_tanh: 'fn sdn_tanh(v: f32) -> f32 { return tanh(clamp(v, -15.0, 15.0)); }',
  sdn_elu: 'fn sdn_elu(v: f32) -> f32 { return select(exp(v) - 1.0, v, v > 0.0); }',
  sdn_silu: 'fn sdn_silu(v: f32) -> f32 { return v / (1.0 + exp(-v)); }',
  sdn_add: 'fn sdn_add(a: f32, b: f32) -> f32 { return a + b; }',
  sdn_sub: 'fn sdn_sub(a: f32, b: f32) -> f32 { return a - b; }',
  sdn_mul: 'fn sdn_mul(a: f32, b: f32) -> f32 { return a * b; }',
};

export class KernelBuilder {
  readonly bindings: { buffer: number; access: Access; vec4: boolean }[] = [];
  private readonly helpers = new Set<string>();
  private readonly extra: string[] = [];
  private readonly dimValues: number[] = [];
  private readonly dimKeys: string[] = [];
  private readonly selectors = new Map<string, string>();

  /** The WGSL name of buffer `id` (array<f32>, or array<vec4f> when vec4). */
  buf(id: number, access: Access = 'read', vec4 = false): string {
    let k = this.bindings.findIndex((b) => b.buffer === id);
    if (k < 0) {
      k = this.bindings.length;
      this.bindings.push({ buffer: id, access, vec4 });
    } else {
      if (access === 'read_write') this.bindings[k].access = 'read_write';
      if (this.bindings[k].vec4 !== vec4) throw new Error(`lower: buffer ${id} is read both as f32 and vec4 in one kernel`);
    }
    return `buf${k}`;
  }

  /** Declares a helper (`sigmoid`, ...) and returns its function name. */
  helper(name: string, code?: string): string {
    if (code !== undefined) {
      if (!this.helpers.has(name)) this.extra.push(code);
    } else if (!(`sdn_${name}` in HELPERS)) throw new Error(`lower: unknown WGSL helper ${name}`);
    this.helpers.add(name);
    return `sdn_${name}`;
  }

  /**
   * `sdn_<name>(args…, which)`: helper number `which` of `helpers` (from 1) applied to the args,
   * or the first arg itself for 0, the selector a uniform keyed by `key`. The switch is on a
   * uniform: every lane takes the same case.
   */
  selected(name: string, helpers: readonly string[], args: readonly string[], which: number, key: string): string {
    for (const h of helpers) this.helper(h);
    const vs = args.map((_, i) => `v${i}`);
    const cases = helpers.map((h, i) => `    case ${i + 1}u: { return sdn_${h}(${vs.join(', ')}); }`).join('\n');
    const code = `fn sdn_${name}(${vs.map((v) => `${v}: f32`).join(', ')}, which: u32) -> f32 {\n  switch which {\n${cases}\n    default: { return v0; }\n  }\n}`;
    return `${this.helper(name, code)}(${[...args, this.selector(which, key)].join(', ')})`;
  }

  /** A selector of `selected`, 4 bits of a uniform shared by 8 of them: a chain may hold dozens. */
  private selector(which: number, key: string): string {
    if (!Number.isInteger(which) || which < 0 || which > 15) throw new Error(`lower: selector ${key} = ${which} is not 4 bits`);
    let expr = this.selectors.get(key);
    if (expr === undefined) {
      const i = this.selectors.size, field = `selectors ${Math.floor(i / 8)}`, shift = 4 * (i % 8);
      let k = this.dimKeys.indexOf(field);
      if (k < 0) {
        k = this.dimKeys.push(field) - 1;
        this.dimValues.push(0);
      }
      this.dimValues[k] += which * 2 ** shift;
      expr = `((u.d${k} >> ${shift}u) & 15u)`;
      this.selectors.set(key, expr);
    }
    return expr;
  }

  /**
   * A size, offset or stride as a u32 uniform (`u.d<k>`, filled from KernelSpec.dims). `key` names
   * the quantity (the generator's expression for it): the same quantity with the same value shares
   * a field, so an unrolled tile asks for it as often as it likes, while different quantities never
   * share one because their values happen to be equal in one shape (the text would then depend on
   * the shape).
   */
  dim(n: number, key: string): string {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`lower: size ${key} = ${n} is not a u32`);
    const id = `${key}=${n}`;
    let k = this.dimKeys.indexOf(id);
    if (k < 0) {
      k = this.dimKeys.push(id) - 1;
      this.dimValues.push(n);
    }
    return `u.d${k}`;
  }

  /** `dim(n, key)` as an i32. */
  idim(n: number, key: string): string {
    return `i32(${this.dim(n, key)})`;
  }

  /** A signed uniform (two's complement in its u32 field). */
  sdim(n: number, key: string): string {
    if (!Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) throw new Error(`lower: ${key} = ${n} is not an i32`);
    return `bitcast<i32>(${this.dim(n >>> 0, key)})`;
  }

  /** The uniform values of the sizes `dim` handed out, in field order. */
  dims(): number[] {
    return [...this.dimValues];
  }

  /** The complete module: declarations, helpers, uniform block (last binding), then `main`. */
  module(main: string, decls = ''): string {
    const lines = this.bindings.map((b, i) =>
      `@group(0) @binding(${i}) var<storage, ${b.access}> buf${i}: array<${b.vec4 ? 'vec4f' : 'f32'}>;`);
    lines.push(uniformStruct(this.dimValues.length), `@group(0) @binding(${this.bindings.length}) var<uniform> u: Uniforms;`);
    for (const h of this.helpers) {
      const code = HELPERS[`sdn_${h}`];
      if (code !== undefined) lines.push(code);
    }
    lines.push(...this.extra);
    if (decls) lines.push(decls);
    return `${lines.join('\n')}\n${main}\n`;
  }

  specBindings(): { buffer: number; access: Access }[] {
    return this.bindings.map(({ buffer, access }) => ({ buffer, access }));
  }
}

/** Straight-line statements with memoized `let`s. */
export class Body {
  readonly lines: string[] = [];
  private readonly memo: Map<string, string>;
  private readonly counter: { n: number };

  constructor(private readonly prefix = 'v', private readonly indent = '  ', outer?: Body) {
    this.memo = new Map(outer?.memo);
    this.counter = outer?.counter ?? { n: 0 };
  }

  /** The body of a block inside this one: it reuses this body's `let`s, its own stay in the block. */
  nested(): Body {
    return new Body(this.prefix, `${this.indent}  `, this);
  }

  /** A name no `let` of this body or its blocks has. */
  fresh(): string {
    return `${this.prefix}${this.counter.n++}`;
  }

  /** A name bound to `expr` (the same name for the same text); names and literals pass through. */
  let(expr: string): string {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(expr) || /^-?[0-9][0-9.eE+-]*[uif]?$/.test(expr)) return expr;
    let name = this.memo.get(expr);
    if (!name) {
      name = this.fresh();
      this.memo.set(expr, name);
      this.lines.push(`${this.indent}let ${name} = ${expr};`);
    }
    return name;
  }

  stmt(s: string): void {
    this.lines.push(`${this.indent}${s}`);
  }

  text(): string {
    return this.lines.join('\n');
  }
}

/** A threshold as a WGSL float literal, in its shortest decimal form (0.999, 1e-5, -7.0). */
export const decimal = (v: number): string => (Number.isInteger(v) ? `${v}.0` : Math.abs(v) < 1e-4 ? v.toExponential() : String(v));

/** A WGSL f32 literal that round-trips the float32 value of v. */
export function f32(v: number): string {
  if (Number.isNaN(v)) return 'bitcast<f32>(0x7fc00000u)';
  if (!Number.isFinite(v)) return v > 0 ? 'bitcast<f32>(0x7f800000u)' : 'bitcast<f32>(0xff800000u)';
  const r = Math.fround(v);
  if (Object.is(r, -0)) return '(-0.0)';
  const s = Number.isInteger(r) && Math.abs(r) < 1e15 ? `${r}.0` : r.toPrecision(9);
  return r < 0 ? `(${s})` : s;
}

/** An index operand: a number is a literal (code), a string WGSL (a uniform size, an expression). */
export type Idx = number | string;

const idx = (k: Idx) => (typeof k === 'number' ? U.lit(k) : k);

/** u32 arithmetic on index expressions, folding literal zeros and ones. */
export const U = {
  lit: (n: number) => {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`lower: index constant ${n} is not a u32`);
    return `${n}u`;
  },
  add(a: string, k: Idx): string {
    if (k === 0 || k === '0u') return a;
    if (a === '0u') return idx(k);
    return `(${a} + ${idx(k)})`;
  },
  mul(a: string, k: Idx): string {
    if (k === 0 || k === '0u' || a === '0u') return '0u';
    return k === 1 || k === '1u' ? a : `(${a} * ${idx(k)})`;
  },
  div(a: string, k: Idx): string {
    return k === 1 || k === '1u' ? a : a === '0u' ? '0u' : `(${a} / ${idx(k)})`;
  },
  mod(a: string, k: Idx): string {
    return k === 1 || k === '1u' || a === '0u' ? '0u' : `(${a} % ${idx(k)})`;
  },
};

/** The index of a 1-D thread (workgroup size wg) when the runtime splits groups over x and y. */
export const threadIndex = (wg: number) => `gid.x + gid.y * (u.wgx * ${wg}u)`;
