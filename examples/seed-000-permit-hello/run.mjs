#!/usr/bin/env node
// `npm run example:000`: Tessera with its demo data on a throw-away SQLite database, plus the seed 000
// app (the browser app and its backend), until Ctrl-C stops both.
//
// Environment (all optional): TESSERA_PORT (7070), PORT (8000), APP_URL (http://localhost:$PORT),
// PERMIT_API_KEY (the demo environment's key), TESSERA_ACCESS_KEY_ID / TESSERA_SECRET_ACCESS_KEY
// (admin keys; demo mode otherwise accepts test/test).
import { register } from 'tsx/esm/api';
import { startTessera } from '../support/tessera-process.mjs';

register();
// The AWS SDK (used only if the app's URL must be added to the demo client) would warn about Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { configFromEnv, startApp, DEMO_PERMIT_API_KEY } = await import('./app.ts');
const { allowAppUrl } = await import('../support/allow-app-url.ts');

const DEMO_APP_URL = 'http://localhost:8000';
const { url: tesseraUrl, credentials, stop, setApp } = await startTessera('seed-000');

try {
  const config = configFromEnv({ ...process.env, TESSERA_URL: tesseraUrl });
  if (config.appUrl !== DEMO_APP_URL) {
    await allowAppUrl({ tesseraUrl, region: config.poolId.split('_')[0], credentials, poolId: config.poolId, clientId: config.clientId, appUrl: config.appUrl });
  }
  const app = setApp(await startApp(config));
  // A key of your own is not printed.
  const key = config.permitApiKey === DEMO_PERMIT_API_KEY ? DEMO_PERMIT_API_KEY : '$PERMIT_API_KEY';
  console.log(`
  Seed 000: Permit decides who may say and wave hello; Tessera plays Cognito and Permit.

  Open ${app.appUrl} and log in as admin (may say and wave) or viewer (may only wave), password Passw0rd!

  Tessera (demo data, throw-away database): ${tesseraUrl}
  The permitio SDK in the app: pdp and apiUrl ${tesseraUrl}, API key from PERMIT_API_KEY or the demo's.
  Ask Permit yourself:
    curl -X POST ${tesseraUrl}/allowed -H "Authorization: Bearer ${key}" -H 'content-type: application/json' \\
      -d '{"user":{"key":"<sub>"},"action":"say","resource":{"type":"hello","tenant":"default"}}'

  Ctrl-C stops both.
`);
} catch (error) {
  console.error(`could not start the app: ${error instanceof Error ? error.message : String(error)}`);
  await stop(1);
}
