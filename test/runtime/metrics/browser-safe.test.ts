// The renderer, the metrics and the encoder/decoder graphs are browser-safe: they bundle for the
// browser with no Node built-in (esbuild fails on an unresolvable `node:` import).
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { REPO } from '../train/helpers.js';

describe('browser-safe modules', () => {
  it('bundle for the browser without Node built-ins', async () => {
    const entries = ['runtime/data/shapes3d.ts', 'runtime/data/shapes3d-data.ts', 'runtime/metrics/index.ts', 'runtime/metrics/encode.ts',
      'runtime/metrics/subgrid.ts', 'runtime/posterior-mean.ts', 'runtime/latent-decoder.ts'];
    const r = await build({ entryPoints: entries.map((e) => join(REPO, e)), bundle: true, platform: 'browser', format: 'esm', write: false, outdir: 'out', logLevel: 'silent' });
    expect(r.errors).toEqual([]);
    expect(r.outputFiles.length).toBe(entries.length);
    for (const f of r.outputFiles) expect(f.text).not.toMatch(/from ["']node:/);
  });
});
