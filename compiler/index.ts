// The compiler (`sdn/compiler`): a model file to checked, shaped IR graphs and a compiled artifact
// (kernels, buffers, parameter layout) that the runtime runs. Diagnostics carry source spans.
export { compileModel, type Compiled, type CompileOptions } from './pipeline.js';
export { buildArtifact, trainingGraph } from './compile.js';
export { readSourceFile, MAX_SOURCE_BYTES, type Program, type ReadFile } from './load.js';
export { LIMITS } from './elaborate/elaborate.js';
export { MAX_NESTING } from '../grammar/parse.js';
export type { Diagnostic, Span, Note, Severity } from '../diagnostics/diagnostic.js';
export { renderDiagnostic, location } from '../diagnostics/render.js';
export { formatText, type FormatResult } from './format/verify.js';
export { summarize, renderSummary, type Summary, type SummaryRow } from './summary/summary.js';
export { diffModels, transferWeights, type DiffModel, type DiffReport } from './diff/diff.js';
export { renderText as renderDiffText, renderMarkdown as renderDiffMarkdown } from './diff/render.js';
