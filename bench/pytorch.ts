// PyTorch times measured in the same run as ours: each case's model is exported with `sdn export`
// and timed by bench/pytorch_bench.py under the same inputs (the bench's sin wave) and batch.
// Returns undefined when no Python with torch is found, so that the caller falls back to stored
// figures (and marks them as such).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { repoRoot } from '../cli/repo.js';
import { exportPytorch } from '../compiler/export/index.js';
import { compileModel } from '../compiler/pipeline.js';

export interface PytorchCase {
  /** The row's name; the result map is keyed by it. */
  name: string;
  /** The .sdn file, absolute or relative to the repository root. */
  file: string;
  sets?: Record<string, string>;
  batch: number;
  /** forward: the ELBO graph without gradients; backward: forward + backward of sum(output); train: a step (Adamax, EMA). */
  kind: 'forward' | 'backward' | 'train';
  /** backward: the output whose sum is differentiated (e.g. `y`, `loss`). */
  output?: string;
  /** train: weight norm on the conv weights, as the reference recipe. */
  weightNorm?: boolean;
  /** Timed calls after the first (untimed for `ms`); the best counts. */
  runs: number;
}

export interface PytorchTiming {
  /** The first call, seconds. */
  firstS: number;
  /** Best of the timed calls, milliseconds. */
  ms: number;
}

export interface PytorchOptions {
  /** Default $SDN_PYTHON, else /usr/bin/python3. */
  python?: string;
  /** torch.set_num_threads; default 2, as shared/reference.md. */
  threads?: number;
}

/** The Python that imports torch, with its torch version; undefined when there is none. */
export function findTorch(python = process.env.SDN_PYTHON || '/usr/bin/python3'): { python: string; version: string } | undefined {
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? { python, version: r.stdout.trim() } : undefined;
}

/** Times every case in PyTorch; undefined when no Python with torch is available. Throws when a case fails. */
export function measurePytorch(cases: readonly PytorchCase[], opts: PytorchOptions = {}): Map<string, PytorchTiming> | undefined {
  const found = findTorch(opts.python);
  if (!found) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'sdn-bench-pytorch-'));
  try {
    const specs = cases.map((c, i) => {
      const file = isAbsolute(c.file) ? c.file : join(repoRoot(), c.file);
      const compiled = compileModel(file, { overrides: c.sets });
      if (!compiled.graphs || !compiled.program) throw new Error(`bench: ${c.file} does not compile`);
      const out = join(dir, String(i));
      mkdirSync(out);
      const files = exportPytorch({ model: compiled.program.model.name.name, sourcePath: c.file, sets: c.sets ?? {}, ...compiled.graphs });
      for (const [name, text] of Object.entries(files)) writeFileSync(join(out, name), text);
      return { name: c.name, dir: out, batch: c.batch, kind: c.kind, output: c.output, weight_norm: c.weightNorm ?? false, runs: c.runs, threads: opts.threads ?? 2 };
    });
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(specs));
    const r = spawnSync(found.python, [join(repoRoot(), 'bench', 'pytorch_bench.py'), join(dir, 'cases.json'), join(dir, 'results.json')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bench: PyTorch timing failed (${found.python}, torch ${found.version}):\n${r.stderr}`);
    return new Map(Object.entries(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Record<string, PytorchTiming>));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
