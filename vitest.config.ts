import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: files run in parallel worker processes, each with its own databases.
    pool: 'forks',
    reporters: ['default'],
  },
});
