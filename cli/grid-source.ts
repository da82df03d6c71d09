// The 3D Shapes factor grid a run command encodes: the procedural renderer, or the rows of a
// 3dshapes .h5 file (its grid recovered from the labels), as images at the model's size.
// --data picks it; by default the run's own training data when that was 3D Shapes, else shapes3d.
import { factorGrid, openShapes3dFile, readRows, scaleFactor } from '../runtime/data/hdf5-node.js';
import { renderShapes3dBatch, SHAPES3D_SIZES } from '../runtime/data/shapes3d.js';
import type { LoadedCheckpoint } from '../runtime/train/checkpoint-node.js';
import { UsageError, type ParsedArgs } from './args.js';

export interface GridSource {
  name: string;
  /** The dataset's full factor grid. */
  sizes: number[];
  /** Images of the given grid rows, NCHW at the model's size. */
  images(rows: ArrayLike<number>): Uint8Array;
  close(): void;
}

export async function gridSource(args: ParsedArgs, checkpoint: LoadedCheckpoint | undefined, size: number): Promise<GridSource> {
  const runData = checkpoint?.extra.data as string | undefined;
  const flag = args.flags.get('data');
  const spec = typeof flag === 'string' ? flag : runData && /^shapes3d|\.(h5|hdf5)(:|$)/.test(runData) ? runData : 'shapes3d';
  if (/^shapes3d(:|$)/.test(spec)) {
    const given = /size=(\d+)/.exec(spec)?.[1];
    if (given !== undefined && Number(given) !== size) throw new UsageError(`--data ${spec}: the model takes ${size}×${size} images`);
    return { name: `shapes3d-${size}`, sizes: [...SHAPES3D_SIZES], images: (rows) => renderShapes3dBatch(rows, size), close: () => undefined };
  }
  const path = /^(.+\.(?:h5|hdf5))(?::.*)?$/.exec(spec)?.[1];
  if (!path) throw new UsageError(`--data ${spec}: the metrics need the 3D Shapes factor grid: shapes3d (procedural) or a 3dshapes .h5 file`);
  const file = await openShapes3dFile(path);
  try {
    const factor = scaleFactor(file, size);
    return { name: `${path} at ${size}×${size}`, sizes: factorGrid(file.labels(), file.count, path), images: (rows) => readRows(file, rows, factor), close: () => file.close() };
  } catch (e) {
    file.close();
    throw e;
  }
}

