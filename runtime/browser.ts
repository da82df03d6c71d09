// The browser-safe runtime (`sdn/runtime/browser`): running and training a compiled model with no
// file system and no Node built-ins. WebGPU comes from navigator.gpu in a browser.
export type { CompiledModel, GraphProgram, KernelSpec, BufferSpec } from './program.js';
export { GRAPH_NAMES, loadCompiledModel, programFiles, type GraphName, type ModelManifest } from './program-files.js';
export type { IrGraph, IrNode, IrParam } from './ir.js';
export { ModelSession, cpuBackend, type Backend, type ElboResult } from './session.js';
export { createWebGpuBackend } from './webgpu/backend.js';
export { initParams } from './init.js';
export { bindWeights, WeightsError, type NamedTensor, type BindOptions } from './weights.js';
export { readSafetensors, writeSafetensors, type SafetensorsFile, type SafeTensor, type TensorInput } from './safetensors.js';
export { likelihoodOf, imageLikelihood, bitsPerDim, type LikelihoodKind } from './likelihood.js';
export { imageGrid, type ImageGrid } from './image/grid.js';
export { encodePng, decodePng, PngError, type PngImage } from './image/png.js';
export { batchIterator, firstN, scaleBatch, toPixels, type Dataset, type Batch } from './data/batches.js';
export { DatasetError } from './data/types.js';
export { DEFAULT_RECIPE, recipeDefaults, Trainer, type Recipe, type TrainState, type StepRecord, type EvalRecord } from './train/trainer.js';
export { runTraining, type LoopHooks, type LoopResult } from './train/loop.js';
export { GraphGradientEngine } from './train/graph-engine.js';
