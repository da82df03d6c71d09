// The compiler front to back. Each pass in order:
//   1. load      parse the model file and its imports, evaluate params (+ --set overrides)
//   2. check     static name, arity, type-annotation and recursion checks
//   3. elaborate run the model body once per mode, giving shaped IR graphs (ELBO, sample)
//   4. dce       drop what the outputs don't need (and the parameters only that used)
import { resolve } from 'node:path';
import type { IrGraph } from '../runtime/ir.js';
import { check } from './check/check.js';
import { hasErrors, type Diagnostic } from './diagnostics/diagnostic.js';
import { elaborate } from './elaborate/elaborate.js';
import { eliminateDeadCode } from './ir/dce.js';
import { loadProgram, readSourceFile, type Program, type ReadFile } from './program.js';

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
  const readFile = opts.readFile ?? readSourceFile;
  const loaded = loadProgram(resolve(path), readFile, opts.overrides);
  const sources = loaded.sources;
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
