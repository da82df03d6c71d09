import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous: on a fresh machine lavapipe compiles every WGSL kernel at first dispatch (seconds each).
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
