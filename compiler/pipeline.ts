// The compiler front to back. Each pass in order:
//   1. load      parse the model file and its imports, evaluate params (+ --set overrides)
//   2. check     static name, arity, type-annotation and recursion checks
//   3. elaborate run the model body once per mode, giving shaped IR graphs (ELBO, sample)
//   4. dce       drop what the outputs don't need (and the parameters only that used)
import { resolve } from 'node:path';
import type { IrGraph } from '../runtime/ir.js';
import { check } from './check/check.js';
import { error, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { elaborate } from './elaborate/elaborate.js';
import { eliminateDeadCode } from './ir/dce.js';
import { loadProgram, readSourceFile, type Program, type ReadFile } from './load.js';

export interface CompileOptions {
  overrides?: Record<string, string>;
  readFile?: ReadFile;
}

export interface Compiled {
  program?: Program;
  /** `elbo`: the training/evaluation graph; `sample`: the generative graph. */
  graphs?: { elbo: IrGraph; sample: IrGraph };
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
}

export function compileModel(path: string, opts: CompileOptions = {}): Compiled {
  const sources = new Map<string, string>();
  let compiled: Compiled;
  try {
    compiled = compileSteps(path, opts, sources);
  } catch (e) {
    // The limits on nesting keep the recursive passes well inside the stack; this is the net
    // under them (an expression chain of thousands of operators, say).
    if (!(e instanceof RangeError && /call stack/.test(e.message))) throw e;
    const at = { file: resolve(path), line: 1, col: 1, endLine: 1, endCol: 1, start: 0, end: 0 };
    return { diagnostics: [error('E-NESTING', 'the model nests too deeply to compile (a very long chain of operators or calls); split it with `let`', at)], sources };
  }
  return { ...compiled, diagnostics: withOverrides(compiled.diagnostics, opts.overrides ?? {}) };
}

/** An error under `--set` overrides says so: the line it points at may be fine with the defaults. */
function withOverrides(diagnostics: Diagnostic[], overrides: Record<string, string>): Diagnostic[] {
  const sets = Object.entries(overrides).map(([k, v]) => `--set ${k}=${v}`).join(' ');
  if (!sets) return diagnostics;
  return diagnostics.map((d) => (d.span.file === '--set' ? d : { ...d, notes: [...d.notes, { message: `the model was compiled with ${sets}; check the value given there` }] }));
}

function compileSteps(path: string, opts: CompileOptions, into: Map<string, string>): Compiled {
  const readFile = opts.readFile ?? readSourceFile;
  const loaded = loadProgram(resolve(path), readFile, opts.overrides);
  const sources = loaded.sources;
  for (const [k, v] of sources) into.set(k, v);
  if (!loaded.program || hasErrors(loaded.diagnostics)) return { diagnostics: loaded.diagnostics, sources };
  const program = loaded.program;
  const checked = check(program);
  if (hasErrors(checked)) return { program, diagnostics: checked, sources };
  const elbo = elaborate(program, 'elbo');
  if (!elbo.graph) return { program, diagnostics: elbo.diagnostics, sources };
  const sample = elaborate(program, 'sample');
  if (!sample.graph) return { program, diagnostics: sample.diagnostics, sources };
  return { program, graphs: { elbo: eliminateDeadCode(elbo.graph), sample: eliminateDeadCode(sample.graph) }, diagnostics: [], sources };
}
