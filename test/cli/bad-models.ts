// Model files for the bad-input corpus: each must give a diagnostic at its source position
// (or naming the flag), quickly: never a crash, a hang or unbounded memory.
export interface BadModel {
  text: string;
  message: string | RegExp;
  /** Default: `sdn check FILE`. */
  command?: string[];
  args?: string[];
  code?: 1 | 2;
}

const nested = (depth: number, inner: string, open = '(', close = ')') => `${open.repeat(depth)}${inner}${close.repeat(depth)}`;

/** `b0` calls `b1` twice, `b1` calls `b2` twice, …: 2^n call paths through n blocks. */
const doubling = (n: number) =>
  Array.from({ length: n }, (_, i) => `block b${i}(x) {\n  return b${i + 1}(b${i + 1}(x))\n}\n`).join('') +
  `block b${n}(x) {\n  return x\n}\nmodel m {\n  input x: image(1, 2, 2)\n  output loss = b0(x)\n}\n`;

/** b0 → b1 → … → b(n-1), each called once. */
const chain = (n: number) =>
  Array.from({ length: n }, (_, i) => `block b${i}(x) {\n  return ${i + 1 < n ? `b${i + 1}(x)` : 'x'}\n}\n`).join('') +
  'model m {\n  input x: image(1, 2, 2)\n  output loss = b0(x)\n}\n';

export const MODEL_CASES: Record<string, BadModel> = {
  // A byte-order mark must not shift line 1's columns.
  'bom.sdn': { text: '\uFEFFmodel m { let x = nope }\n', message: 'bom.sdn:1:19: error[E-UNKNOWN-NAME]: unknown name `nope`' },
  'bom-fmt.sdn': { text: '\uFEFFmodel m { let x = (1 }\n', message: 'bom-fmt.sdn:1:22: error[E-SYNTAX]: expected `)` but found `}`', command: ['fmt', '--check'] },
  'deep-parens.sdn': { text: `model m {\n  let x = ${nested(200, '1')}\n}\n`, message: /deep-parens\.sdn:2:\d+: error\[E-NESTING\]: brackets nest deeper than 64 levels/ },
  // fmt parses first, so it reports the same position instead of overflowing its printer.
  'deep-fmt.sdn': { text: `model m {\n  let x = ${nested(100, '1')}\n}\n`, message: /deep-fmt\.sdn:2:\d+: error\[E-NESTING\][\s\S]*deep-fmt\.sdn: not formatted/, command: ['fmt'] },
  'deep-calls.sdn': { text: `model m {\n  input x: image(1, 2, 2)\n  output loss = ${'relu('.repeat(150)}x${')'.repeat(150)}\n}\n`, message: /deep-calls\.sdn:3:\d+: error\[E-NESTING\]/ },
  'deep-lists.sdn': { text: `model m {\n  let x = ${nested(100, '1', '[', ']')}\n}\n`, message: /deep-lists\.sdn:2:\d+: error\[E-NESTING\]/ },
  // Nesting below the limit compiles (and then lacks a loss).
  'nested-ok.sdn': { text: `model m {\n  input x: image(1, 2, 2)\n  output y = ${nested(60, 'x')}\n}\n`, message: /nested-ok\.sdn:1:7: error\[E-NO-LOSS\]: model `m` has no `output loss`/ },
  'long-chain.sdn': { text: chain(150), message: /long-chain\.sdn:\d+:\d+: error\[E-LIMIT\]: block calls nest deeper than 100 \(b0 → b1 → b2 → … → b100\)/ },
  'doubling.sdn': { text: doubling(28), message: /doubling\.sdn:\d+:\d+: error\[E-LIMIT\]: elaborating the model takes over 1,000,000 steps/ },
  'big-loop.sdn': { text: 'model m {\n  input x: image(1, 2, 2)\n  for i in 0..100000000 {\n  }\n}\n', message: /big-loop\.sdn:3:12: error\[E-LIMIT\]: this list would have 100,000,000 items, over the limit of 1,000,000/ },
  'doubling-list.sdn': { text: 'model m {\n  let a = [1]\n  for i in 0..40 {\n    a = a + a\n  }\n}\n', message: /doubling-list\.sdn:4:9: error\[E-LIMIT\]: this list would have 1,048,576 items/ },
  'dev-zero.sdn': { text: 'import "/dev/zero"\nmodel m {\n}\n', message: 'dev-zero.sdn:1:1: error[E-IMPORT]: cannot read imported file "/dev/zero" (/dev/zero is not a regular file)' },
  'huge.sdn': { text: `// ${'x'.repeat(1_100_000)}\nmodel m {\n}\n`, message: /huge\.sdn is 1,100,\d+ bytes, over the 1 MiB limit for a model file/ },
  'too-big.sdn': { text: 'model m {\n  input x: image(1, 65536, 65536)\n  output loss = x\n}\n', message: /too-big\.sdn:2:3: error\[E-SIZE\]: input gives a tensor of shape \[1, 65536, 65536\]: 4,294,967,296 elements per example, at or above the limit of 2\^32/ },
  'product-too-big.sdn': { text: 'model m {\n  input x: image(1, 2, 2)\n  let y = conv(x, 1073741824, k = 1)\n  output loss = y\n}\n', message: /product-too-big\.sdn:3:\d+: error\[E-SIZE\]/ },
  'dl-bits.sdn': { text: 'model m {\n  input x: image(1, 2, 2)\n  let d = DL(x, bits = 0)\n  output loss = d.logp(x)\n}\n', message: /dl-bits\.sdn:3:11: error\[E-HYPERPARAM\]: DL needs bits in 1\.\.16, got 0/ },
  'no-loss.sdn': { text: 'model m {\n  input x: image(1, 2, 2)\n  output y = x\n}\n', message: 'no-loss.sdn:1:7: error[E-NO-LOSS]: model `m` has no `output loss`', command: ['compile'], args: ['-o', 'out'] },
};
