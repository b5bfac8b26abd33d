import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: files run in parallel worker processes, each with its own databases.
    pool: 'forks',
    reporters: ['default'],
    // The AWS SDK warns that its 2027 releases need Node 22; the project targets Node 20 and the pinned SDK supports it.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
