#!/usr/bin/env node
// `npm run example:004`: Tessera with its demo data on a throw-away SQLite database, plus the seed 004
// app, until Ctrl-C stops both.
//
// Environment (all optional): TESSERA_PORT (7070), PORT (8000), APP_URL (http://localhost:$PORT),
// TESSERA_ACCESS_KEY_ID / TESSERA_SECRET_ACCESS_KEY (admin keys; demo mode otherwise accepts test/test).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
// The AWS SDK (used only if the app's URL must be added to the demo client) would warn about Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { configFromEnv, startApp } = await import('./app.ts');
const { allowAppUrl } = await import('./allow-app-url.ts');

const BIN = fileURLToPath(new URL('../../bin/tessera.js', import.meta.url));
const DEMO_APP_URL = 'http://localhost:8000';
const tesseraPort = process.env.TESSERA_PORT ?? '7070';
const dataDir = mkdtempSync(join(tmpdir(), 'tessera-seed-004-'));
const credentials =
  process.env.TESSERA_ACCESS_KEY_ID && process.env.TESSERA_SECRET_ACCESS_KEY
    ? { accessKeyId: process.env.TESSERA_ACCESS_KEY_ID, secretAccessKey: process.env.TESSERA_SECRET_ACCESS_KEY }
    : { accessKeyId: 'test', secretAccessKey: 'test' };

// Its own process group, so that Ctrl-C reaches only this script, which then stops Tessera once.
const tessera = spawn(process.execPath, [BIN, 'serve', '--demo', '--db', `sqlite:${join(dataDir, 'tessera.db')}`, '--port', tesseraPort, '--log-level', process.env.TESSERA_LOG_LEVEL ?? 'warn'], {
  stdio: ['ignore', 'pipe', 'pipe'],
  detached: true,
});
let app;
let stopping = false;

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  await app?.close().catch(() => undefined);
  if (tessera.exitCode === null && tessera.signalCode === null) {
    const exited = new Promise((resolve) => tessera.once('exit', resolve));
    tessera.kill('SIGTERM');
    const killer = setTimeout(() => tessera.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  }
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(code);
}
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));
// Should this script die some other way, Tessera does not outlive it.
process.once('exit', () => {
  if (tessera.exitCode === null && tessera.signalCode === null) tessera.kill('SIGKILL');
});

const tesseraUrl = await new Promise((resolve, reject) => {
  let out = '';
  const onData = (chunk) => {
    out += chunk.toString();
    const m = /Tessera listening on (http:\/\/\S+)/.exec(out);
    if (m) {
      tessera.stdout.off('data', onData);
      tessera.stderr.off('data', onData);
      resolve(m[1]);
    }
  };
  tessera.stdout.on('data', onData);
  tessera.stderr.on('data', onData);
  tessera.once('exit', (code) => reject(new Error(`Tessera exited with ${code} before it was ready:\n${out}`)));
}).catch((error) => {
  console.error(error.message);
  return stop(1);
});
// From here on Tessera's own output (warnings and errors) goes to the terminal.
tessera.stdout.on('data', (chunk) => process.stderr.write(`[tessera] ${chunk}`));
tessera.stderr.on('data', (chunk) => process.stderr.write(`[tessera] ${chunk}`));
tessera.once('exit', (code, signal) => {
  if (stopping) return;
  console.error(`Tessera stopped (${signal ?? code}); stopping the app.`);
  void stop(1);
});

try {
  const config = configFromEnv({ ...process.env, TESSERA_URL: tesseraUrl });
  if (config.appUrl !== DEMO_APP_URL) {
    await allowAppUrl({ tesseraUrl, region: config.poolId.split('_')[0], credentials, poolId: config.poolId, clientId: config.clientId, appUrl: config.appUrl });
  }
  app = await startApp(config);
  const aws = `AWS_ACCESS_KEY_ID=${credentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${credentials.accessKeyId === 'test' ? 'test' : '…'} AWS_DEFAULT_REGION=us-east-1`;
  console.log(`
  Seed 004: Cognito groups decide who may call /movies and /shows.

  Open ${app.appUrl} and log in as alice (movies-group) or bob (shows-group), password Passw0rd!

  Tessera (demo data, throw-away database): ${tesseraUrl}
  API calls with a token:  curl -H "Authorization: Bearer $TOKEN" ${app.appUrl}/movies
  Put alice in shows-group too, then log in again:
    ${aws} aws cognito-idp admin-add-user-to-group \\
      --endpoint-url ${tesseraUrl} --user-pool-id ${config.poolId} --username alice --group-name shows-group

  Ctrl-C stops both.
`);
} catch (error) {
  console.error(`could not start the app: ${error instanceof Error ? error.message : String(error)}`);
  await stop(1);
}
