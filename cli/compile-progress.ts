// Kernel compilation progress on stderr (stdout stays the command's output): on a terminal one
// line rewritten in place (`compiling kernels 37/80`), in a log a line when it starts, every
// quarter and when it ends. Returning false from the callback stops the compilation (Ctrl-C).
import type { CompileProgress } from '../runtime/webgpu/pipelines.js';

export function compileReporter(shouldStop: () => boolean = () => false, stream: NodeJS.WriteStream = process.stderr): CompileProgress {
  const tty = stream.isTTY === true;
  let t0 = 0;
  return (done, total) => {
    if (done === 0) t0 = performance.now();
    const took = `${((performance.now() - t0) / 1000).toFixed(1)} s`;
    if (tty) {
      stream.write(`\rcompiling kernels ${done}/${total}${done === total ? ` (${took})\n` : ''}`);
    } else if (done === 0) {
      stream.write(`compiling ${total} kernels (once: Mesa keeps them in its shader cache)\n`);
    } else if (done === total) {
      stream.write(`compiled ${total} kernels in ${took}\n`);
    } else if (done % Math.ceil(total / 4) === 0) {
      stream.write(`compiling kernels ${done}/${total} (${took})\n`);
    }
    return !shouldStop();
  };
}
