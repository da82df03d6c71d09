import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous: on a fresh machine lavapipe compiles every WGSL kernel at first dispatch (seconds each).
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Small register tiles: the suite lowers hundreds of small graphs, and lavapipe compiles large
    // tiles several times more slowly. test/runtime/webgpu/tiles.test.ts runs the large ones.
    env: { SDN_TILES: 'small' },
  },
});
