import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: files run in parallel worker processes, each with its own databases.
    pool: 'forks',
    // Cedar's Long is i64: the flag gives JSON.parse source access and JSON.rawJSON on Node 20 (default from Node 22).
    // The second avoids a V8 crash in calls to the Cedar engine on Node 20 (see src/authz/cedar/cedar.ts).
    execArgv: ['--harmony-json-parse-with-source', '--no-turbo-inline-js-wasm-calls'],
    reporters: ['default'],
    // The AWS SDK warns that its 2027 releases need Node 22; the project targets Node 20 and the pinned SDK supports it.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
