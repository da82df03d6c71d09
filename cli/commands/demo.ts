// sdn demo [-o runs/demo] [--executor webgpu|cpu] [--limit 500]
// The main job on the embedded default: fmnist-sdn on the real Fashion-MNIST. Compiles the
// model, evaluates the test-set −ELBO (bits/dim) of freshly initialized weights on the first
// `limit` test images — the reference run's step-0 point — and writes a sample grid.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../../runtime/data/datasets.js';
import { firstN, scaleBatch, toPixels } from '../../runtime/data/batches.js';
import { imageGrid } from '../../runtime/image/grid.js';
import { writePngFile } from '../../runtime/image/png-node.js';
import { initParams } from '../../runtime/init.js';
import { bitsPerDim, likelihoodOf } from '../../runtime/likelihood.js';
import { ModelSession } from '../../runtime/session.js';
import type { ParsedArgs } from '../args.js';
import { backendFor, compileArtifact, intFlag } from '../model-io.js';
import { repoRoot } from '../repo.js';


export async function demoCommand(args: ParsedArgs): Promise<number> {
  const out = String(args.flags.get('o') ?? 'runs/demo');
  const modelPath = args.positionals[0] ?? join(repoRoot(), 'models', 'fmnist-sdn.sdn');
  const t0 = performance.now();
  const model = compileArtifact(modelPath, args.sets);
  if (!model) return 1;
  const say = (s: string) => process.stdout.write(`${s}\n`);
  say(`compiled ${model.model}: ${model.params.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0).toLocaleString('en-US')} parameters, ` +
    `${model.graphs.elbo.kernels.length} ELBO kernels (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  const data = await loadDataset(String(args.flags.get('data') ?? 'fashion-mnist'));
  const limit = Math.min(intFlag(args, 'limit', 500), data.test.count);
  const test = firstN(data.test, limit);
  const [c, h, w] = model.graphs.elbo.inputs[0].shape;
  const dims = c * h * w;
  const { kind, nbits } = likelihoodOf(model.graphs.elbo.ir);
  const session = new ModelSession(model, await backendFor(args));
  session.setParams(initParams(model.params, intFlag(args, 'init-seed', 0)));
  say(`executor: ${session.backend.describe()}`);

  const batch = Math.min(intFlag(args, 'batch', 20), limit);
  let sum = 0, kl = 0, seen = 0;
  const t1 = performance.now();
  try {
    for (let start = 0; start + batch <= limit; start += batch) {
      const r = await session.elbo(scaleBatch(test.images.subarray(start * dims, (start + batch) * dims), kind, nbits), { seed: start });
      for (let i = 0; i < batch; i++) {
        sum += r.elbo[i];
        kl += r.kl[i];
      }
      seen += batch;
      process.stdout.write(`\revaluating ${seen}/${limit} test images`);
    }
    process.stdout.write('\n');
    const secs = (performance.now() - t1) / 1000;
    const bpd = bitsPerDim(sum / seen, dims);
    say(`test −ELBO at initialization: ${bpd.toFixed(3)} bits/dim (KL ${(kl / seen / (dims * Math.LN2)).toFixed(3)}), ` +
      `${seen} images in ${secs.toFixed(1)} s (${(seen / secs).toFixed(1)} images/s)`);

    const n = 64;
    const samples = await session.sample({ n, temperature: 0.85, seed: 1 });
    const grid = imageGrid(toPixels(samples, kind), n, c, h, w, 8);
    mkdirSync(out, { recursive: true });
    await writePngFile(join(out, 'samples.png'), { width: grid.width, height: grid.height, channels: grid.channels as 1 | 3, pixels: grid.pixels });
    const metrics = { model: model.model, executor: session.backend.describe(), testImages: seen, elboBitsPerDim: bpd, klBitsPerDim: kl / seen / (dims * Math.LN2), seconds: secs };
    writeFileSync(join(out, 'metrics.json.tmp'), JSON.stringify(metrics, null, 2) + '\n');
    renameSync(join(out, 'metrics.json.tmp'), join(out, 'metrics.json'));
    say(`wrote ${join(out, 'samples.png')} (${n} samples at temperature 0.85) and ${join(out, 'metrics.json')}`);
    return 0;
  } finally {
    session.destroy();
  }
}
