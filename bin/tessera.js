#!/usr/bin/env node
// Runs the TypeScript sources directly, so a clone needs no build step before `tessera serve`.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Cedar's Long is a 64-bit integer. Passing one exactly through JSON needs JSON.rawJSON and JSON.parse
// source access, on by default from Node 22 and behind this V8 flag on Node 20: re-run with it.
if (typeof JSON.rawJSON !== 'function' && !process.execArgv.includes('--harmony-json-parse-with-source')) {
  // The second flag avoids a V8 crash in calls to the Cedar engine on Node 20 (see src/authz/cedar/cedar.ts).
  const child = spawn(process.execPath, ['--harmony-json-parse-with-source', '--no-turbo-inline-js-wasm-calls', ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
