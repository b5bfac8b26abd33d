#!/usr/bin/env node
// `npm run example:004`: Tessera with its demo data on a throw-away SQLite database and its gateway
// serving the routes of ./tessera.yaml, the movies and shows API behind it, the seed's Lambda
// authorizer as an HTTP endpoint, and the browser app, until Ctrl-C stops them all.
//
// Environment (all optional): TESSERA_PORT (7070), GATEWAY_PORT (7071), API_PORT (8001),
// AUTHORIZER_PORT (8002), PORT (8000), APP_URL (http://localhost:$PORT), TESSERA_ACCESS_KEY_ID /
// TESSERA_SECRET_ACCESS_KEY (admin keys; demo mode otherwise accepts test/test).
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';
import { startTessera } from '../support/tessera-process.mjs';

register();
// The AWS SDK (used only if the app's URL must be added to the demo client) would warn about Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { configFromEnv, startApp } = await import('./app.ts');
const { allowAppUrl } = await import('../support/allow-app-url.ts');
const { startApi } = await import('./api.ts');
const { startAuthorizerEndpoint } = await import('./authorizer-endpoint.ts');

const DEMO_APP_URL = 'http://localhost:8000';
const CONFIG = fileURLToPath(new URL('./tessera.yaml', import.meta.url));
const port = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    console.error(`${name} must be a port number from 1 to 65535`);
    process.exit(2);
  }
  return value;
};
const gatewayPort = port('GATEWAY_PORT', 7071);
const apiPort = port('API_PORT', 8001);
const authorizerPort = port('AUTHORIZER_PORT', 8002);

// tessera.yaml names the API and the authorizer through these (Tessera replaces ${VAR} in the file).
process.env.SEED004_API_URL = `http://127.0.0.1:${apiPort}`;
process.env.SEED004_AUTHORIZER_URL = `http://127.0.0.1:${authorizerPort}`;

const { url: tesseraUrl, gatewayUrl, credentials, stop, setApp } = await startTessera('seed-004', ['--config', CONFIG, '--gateway-port', String(gatewayPort)]);

try {
  const started = [];
  setApp({ close: () => Promise.all(started.map((s) => s.close())) });
  const api = await startApi({ port: apiPort });
  started.push(api);
  const config = configFromEnv({ ...process.env, TESSERA_URL: tesseraUrl, GATEWAY_URL: gatewayUrl });
  const authorizer = await startAuthorizerEndpoint({ port: authorizerPort, tesseraUrl, poolId: config.poolId, clientId: config.clientId });
  started.push(authorizer);
  if (config.appUrl !== DEMO_APP_URL) {
    await allowAppUrl({ tesseraUrl, region: config.poolId.split('_')[0], credentials, poolId: config.poolId, clientId: config.clientId, appUrl: config.appUrl });
  }
  const app = await startApp(config);
  started.push(app);
  const aws = `AWS_ACCESS_KEY_ID=${credentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${credentials.accessKeyId === 'test' ? 'test' : '…'} AWS_DEFAULT_REGION=us-east-1`;
  console.log(`
  Seed 004: Cognito groups decide who may call /movies and /shows, checked by Tessera's gateway.

  Open ${app.appUrl} and log in as alice (movies-group) or bob (shows-group), password Passw0rd!

  Tessera (demo data, throw-away database): ${tesseraUrl}
  The gateway (routes from ${CONFIG}): ${gatewayUrl}
    GET /movies, GET /shows                groups authorizer (built in)
    GET /lambda/movies, GET /lambda/shows  the seed's Lambda authorizer at ${authorizer.url}
  The API behind it (no auth code; loopback only): ${api.url}

  API calls with an access token of the ${config.clientId} client:
    curl -i -H "Authorization: Bearer $TOKEN" ${gatewayUrl}/movies
  Put alice in shows-group too, then log in again:
    ${aws} aws cognito-idp admin-add-user-to-group \\
      --endpoint-url ${tesseraUrl} --user-pool-id ${config.poolId} --username alice --group-name shows-group

  Ctrl-C stops everything.
`);
} catch (error) {
  console.error(`could not start seed 004: ${error instanceof Error ? error.message : String(error)}`);
  await stop(1);
}
