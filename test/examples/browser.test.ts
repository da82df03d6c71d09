// End to end: the browser example, bundled with the runtime alone, samples a compiled model in
// headless Chromium's WebGPU; the pixels must equal Node/Dawn's for the same weights and seed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { compileModel } from '../../compiler/pipeline.js';
import { buildArtifact } from '../../compiler/compile.js';
import { buildBrowserExample } from '../../examples/browser/build.js';
import { ModelSession } from '../../runtime/session.js';
import { createWebGpuBackend } from '../../runtime/webgpu/backend.js';
import { initParams } from '../../runtime/init.js';
import { toPixels } from '../../runtime/data/batches.js';
import { programFiles } from '../../runtime/program-files.js';

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json' };

describe('browser example', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sdn-browser-'));
  let server: Server;
  let browser: Browser;
  let port = 0;

  const requested: string[] = [];

  beforeAll(async () => {
    await buildBrowserExample(dir);
    server = createServer((req, res) => {
      const path = join(dir, new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/$/, '/index.html'));
      requested.push(path.slice(dir.length + 1));
      try {
        const body = readFileSync(path);
        res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  // Lavapipe compiles each kernel at its first dispatch (seconds each on a cold shader cache), twice here.
  it('draws the same samples as Node/Dawn for the same seed', { timeout: 900_000 }, async () => {
    const model = buildArtifact(compileModel(resolve(__dirname, '../../models/3dshapes-sdn.sdn')));
    for (const [file, text] of programFiles(model, 'model')) writeFileSync(join(dir, file), text);
    const [n, temperature, seed, initSeed] = [4, 0.85, 7, 3];

    const session = new ModelSession(model, await createWebGpuBackend());
    session.setParams(initParams(model.params, initSeed));
    const node = toPixels(await session.sample({ n, temperature, seed }), model.likelihood!.kind);
    session.destroy();

    const page = await browser.newPage();
    const logs: string[] = [];
    page.on('console', (m) => logs.push(m.text()));
    await page.goto(`http://127.0.0.1:${port}/index.html?model=model.json&weights=init:${initSeed}&n=${n}&temperature=${temperature}&seed=${seed}`);
    try {
      await page.waitForFunction(() => (window as { sdnResult?: unknown }).sdnResult !== undefined, undefined, { timeout: 600_000 });
    } catch (e) {
      const status = await page.textContent('#status');
      throw new Error(`${(e as Error).message}\npage status: ${status}\nconsole:\n${logs.join('\n')}`);
    }
    const result = (await page.evaluate(() => (window as { sdnResult?: unknown }).sdnResult)) as { pixels: number[]; adapter: string } | { error: string };
    if ('error' in result) throw new Error(`the page failed: ${result.error}\n${logs.join('\n')}`);
    expect(result.pixels.length).toBe(node.length);
    // Chromium's Dawn and the npm package's Dawn may contract a·b + c into an FMA differently, so
    // a value within an ulp of a rounding boundary can land one grey level apart; nothing more.
    const diffs = result.pixels.map((p, i) => Math.abs(p - node[i]));
    expect(Math.max(...diffs)).toBeLessThanOrEqual(1);
    expect(diffs.filter((d) => d === 0).length / diffs.length).toBeGreaterThan(0.99);
    // The page fetched the manifest and the sample graph, not the ELBO or training graph.
    expect(requested.filter((f) => f.endsWith('.json')).sort()).toEqual(['model.json', 'model.sample.json']);
    // Samples of a freshly initialized model are not a constant image.
    expect(new Set(node).size).toBeGreaterThan(1);
  });
});
