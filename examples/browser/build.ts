// Bundles the browser example (the runtime only) with esbuild: examples/browser/main.ts → <out>/main.js.
// Run with `npx tsx examples/browser/build.ts [outDir]`.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export async function buildBrowserExample(outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(here, 'main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: join(outDir, 'main.js'),
    // device.ts imports Dawn's node bindings only when navigator.gpu is absent.
    external: ['webgpu'],
    logLevel: 'warning',
  });
  copyFileSync(join(here, 'index.html'), join(outDir, 'index.html'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const out = process.argv[2] ?? 'dist/browser';
  await buildBrowserExample(out);
  console.log(`built the browser example into ${out}/ (put a model.json from \`sdn compile\` beside it)`);
}
