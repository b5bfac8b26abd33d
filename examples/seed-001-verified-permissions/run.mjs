#!/usr/bin/env node
// `npm run example:001`: Tessera on a throw-away SQLite database, seed 001's pool, users and policy
// store set up through the AWS SDKs, the file app, and a tour of what John and Jane may do. Then it
// stops everything, unless started with `--serve` (`npm run example:001 -- --serve`): then the app
// keeps running until Ctrl-C.
//
// Environment (all optional): TESSERA_PORT (7070), PORT (8000), TESSERA_ACCESS_KEY_ID /
// TESSERA_SECRET_ACCESS_KEY (admin keys; demo mode otherwise accepts test/test).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
// The AWS SDK would warn about Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { setUpSeed001, signIn, FILE_ID, PASSWORD, PRINCIPAL_ENTITY_TYPE, USERS } = await import('./setup.ts');
const { startApp } = await import('./app.ts');
const { runTour, describeStep } = await import('./tour.ts');

const BIN = fileURLToPath(new URL('../../bin/tessera.js', import.meta.url));
const REGION = 'us-east-1';
const serve = process.argv.includes('--serve');
const tesseraPort = process.env.TESSERA_PORT ?? '7070';
const appPort = Number(process.env.PORT ?? 8000);
const dataDir = mkdtempSync(join(tmpdir(), 'tessera-seed-001-'));
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
  const seed = await setUpSeed001({ tesseraUrl, region: REGION, credentials });
  app = await startApp({ port: appPort, host: '127.0.0.1', tesseraUrl, region: REGION, credentials, policyStoreId: seed.policyStoreId });
  console.log(`
  Seed 001: Verified Permissions decides, from Cognito ID tokens, who may read and write example_image.png.

  Tessera (throw-away database): ${tesseraUrl}
    user pool       ${seed.poolId}   (custom attribute costCenter)
    app client      ${seed.clientId}
    users           ${USERS.map((u) => `${u.username} (custom:costCenter=${u.costCenter})`).join(', ')}
    policy store    ${seed.policyStoreId}, identity source ${seed.identitySourceId} (principals ${PRINCIPAL_ENTITY_TYPE}::"${seed.poolId}|<sub>")
    policy          ${seed.policyId}:
${seed.statement.replace(/^/gm, '      ')}

  The app: ${app.url}   GET|PUT|DELETE /files/:id   (Authorization: Bearer <ID token>)
`);
  for (const step of await runTour({ tesseraUrl, appUrl: app.url, clientId: seed.clientId, region: REGION })) console.log(`  ${describeStep(step)}`);

  if (!serve) {
    console.log('\n  Done. (`npm run example:001 -- --serve` keeps the app running.)');
    await stop(0);
  } else {
    const { idToken } = await signIn({ tesseraUrl, region: REGION, clientId: seed.clientId, username: 'john' });
    console.log(`
  Try it yourself (John's ID token, valid for an hour; users' password: ${PASSWORD}):
    TOKEN=${idToken}
    curl -H "Authorization: Bearer $TOKEN" ${app.url}/files/${FILE_ID}

  Ctrl-C stops the app and Tessera.
`);
  }
} catch (error) {
  console.error(`seed 001 failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  await stop(1);
}
