// Kernel compilation progress on stderr (cli/progress.ts). Returning false from the callback
// stops the compilation (Ctrl-C).
import type { CompileProgress } from '../runtime/webgpu/pipelines.js';
import { phaseReporter } from './progress.js';

export function compileReporter(shouldStop: () => boolean = () => false, stream: NodeJS.WriteStream = process.stderr): CompileProgress {
  const report = phaseReporter({
    start: (total) => `compiling ${total} kernels (once: Mesa keeps them in its shader cache)`,
    step: (done, total) => `compiling kernels ${done}/${total}`,
    end: (total, seconds) => `compiled ${total} kernels in ${seconds}`,
  }, stream);
  return (done, total) => {
    report(done, total);
    return !shouldStop();
  };
}
