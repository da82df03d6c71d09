// The small density VAE the CLI tests run (8×8 gray images, two ladder layers with SDN), written
// with the model library into a test folder.
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildArtifact } from '../../compiler/compile.js';
import { compileModel } from '../../compiler/pipeline.js';
import type { CompiledModel } from '../../runtime/program.js';
import { REPO } from '../runtime/train/helpers.js';

const TINY = `import "lib/density-vae.sdn"
model tiny {
  input x: image(1, 8, 8)
  density_vae(x, channels = 1, size = 8, depth = 2, h = 6, z = 2, context = 6, downsample_at = [1], sdn_min_scale = 0,
              sdn_max_scale = 8, features = 5, features_step = 2, dirs = 2, mixtures = 2, bits = 8, free_bits = 0.01)
}
`;

/** Writes dir/tiny.sdn and dir/lib/; returns the compiled model. */
export function writeTinyModel(dir: string): CompiledModel {
  cpSync(join(REPO, 'models/lib'), join(dir, 'lib'), { recursive: true });
  writeFileSync(join(dir, 'tiny.sdn'), TINY);
  return buildArtifact(compileModel(join(dir, 'tiny.sdn')));
}
