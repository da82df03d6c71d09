// The browser example: the runtime alone (no parser, no compiler) runs a compiled model.
// Bundled by examples/browser/build.ts into main.js; it imports only the browser-safe entry point
// (`sdn/runtime/browser` in the package).
import {
  bindWeights, createWebGpuBackend, imageGrid, imageLikelihood, initParams, loadCompiledModel, ModelSession, readSafetensors, toPixels,
} from '../../runtime/browser.js';

declare global {
  interface Window {
    sdnResult?: { pixels: number[]; adapter: string } | { error: string };
  }
}

const status = document.getElementById('status')!;

async function main(): Promise<void> {
  const q = new URLSearchParams(location.search);
  // The manifest and the sample graph only: the page never loads the ELBO or training graphs.
  const model = await loadCompiledModel(q.get('model') ?? 'model.json', async (path) => {
    const r = await fetch(path);
    if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
    return r.text();
  }, ['sample']);
  const weights = q.get('weights') ?? 'init:0';
  const params = weights.startsWith('init:')
    ? initParams(model.params, Number(weights.slice(5)))
    : bindWeights(model.params, readSafetensors(new Uint8Array(await (await fetch(weights)).arrayBuffer())).tensors, { source: weights });
  const backend = await createWebGpuBackend();
  const session = new ModelSession(model, backend);
  session.setParams(params);
  const n = Number(q.get('n') ?? 16);
  const samples = await session.sample({ n, temperature: Number(q.get('temperature') ?? 1), seed: Number(q.get('seed') ?? 0) });
  const [c, h, w] = model.graphs.sample.outputs[0].shape;
  const pixels = toPixels(samples, imageLikelihood(model).kind);
  draw(imageGrid(pixels, n, c, h, w, Math.ceil(Math.sqrt(n))));
  status.textContent = `${n} samples of ${model.model} on ${backend.describe()}`;
  window.sdnResult = { pixels: Array.from(pixels), adapter: backend.describe() };
  session.destroy();
}

function draw(grid: { pixels: Uint8Array; width: number; height: number; channels: number }): void {
  const canvas = document.getElementById('grid') as HTMLCanvasElement;
  canvas.width = grid.width;
  canvas.height = grid.height;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(grid.width, grid.height);
  for (let i = 0; i < grid.width * grid.height; i++) {
    for (let k = 0; k < 3; k++) img.data[4 * i + k] = grid.pixels[i * grid.channels + (grid.channels === 3 ? k : 0)];
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

main().catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  status.textContent = `error: ${message}`;
  window.sdnResult = { error: message };
});
