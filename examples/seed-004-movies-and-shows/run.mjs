#!/usr/bin/env node
// `npm run example:004`: Tessera with its demo data on a throw-away SQLite database, plus the seed 004
// app, until Ctrl-C stops both.
//
// Environment (all optional): TESSERA_PORT (7070), PORT (8000), APP_URL (http://localhost:$PORT),
// TESSERA_ACCESS_KEY_ID / TESSERA_SECRET_ACCESS_KEY (admin keys; demo mode otherwise accepts test/test).
import { register } from 'tsx/esm/api';
import { startTessera } from '../support/tessera-process.mjs';

register();
// The AWS SDK (used only if the app's URL must be added to the demo client) would warn about Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { configFromEnv, startApp } = await import('./app.ts');
const { allowAppUrl } = await import('./allow-app-url.ts');

const DEMO_APP_URL = 'http://localhost:8000';
const { url: tesseraUrl, credentials, stop, setApp } = await startTessera('seed-004');

try {
  const config = configFromEnv({ ...process.env, TESSERA_URL: tesseraUrl });
  if (config.appUrl !== DEMO_APP_URL) {
    await allowAppUrl({ tesseraUrl, region: config.poolId.split('_')[0], credentials, poolId: config.poolId, clientId: config.clientId, appUrl: config.appUrl });
  }
  const app = setApp(await startApp(config));
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
