// The runtime for Node (`sdn/runtime`): the browser-safe part plus files (safetensors, PNG,
// datasets, training checkpoints and run folders).
export * from './browser.js';
export { loadSafetensorsFile, saveSafetensorsFile } from './safetensors-node.js';
export { loadCompiledModelFile } from './program-files-node.js';
export { writePngFile } from './image/png-node.js';
export { loadDataset } from './data/datasets.js';
export { CHECKPOINT_FORMAT, CheckpointError, loadCheckpoint, saveCheckpoint, sourceHash, type LoadedCheckpoint } from './train/checkpoint-node.js';
export { RunDir } from './train/run-dir-node.js';
export { lockRunDir, RunLockedError } from './train/run-lock-node.js';
