#!/usr/bin/env node
// The `sdn` command: runs the compiled CLI (npm run build writes dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  console.error('sdn: the CLI is not built yet; run `npm run build` (or `bash scripts/setup.sh`) first');
  process.exit(2);
}
await import(main);
