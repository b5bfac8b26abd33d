#!/usr/bin/env node
// `npm run example:001`: Tessera on a throw-away SQLite database, allowed to load this folder's
// trigger module (`--trigger-modules`), seed 001's pool (with its pre token generation trigger),
// users and policy store set up through the AWS SDKs, the file app, and a tour of what John and Jane
// may do. Then it stops everything, unless started with `--serve` (`npm run example:001 -- --serve`):
// then the app keeps running until Ctrl-C.
//
// The trigger runs as a local module; with `--http-trigger` the same handler runs behind an HTTP
// endpoint instead, and TRIGGER_URL names an endpoint of your own.
//
// Environment (all optional): TESSERA_PORT (7070), PORT (8000), TRIGGER_URL (an http(s):// endpoint
// for the trigger), TESSERA_ACCESS_KEY_ID / TESSERA_SECRET_ACCESS_KEY (admin keys; demo mode
// otherwise accepts test/test).
import { register } from 'tsx/esm/api';
import { startTessera } from '../support/tessera-process.mjs';

register();
// The AWS SDK would warn about Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { setUpSeed001, signIn, FILE_ID, PASSWORD, PRINCIPAL_ENTITY_TYPE, TRIGGER_MODULES_DIR, USERS } = await import('./setup.ts');
const { startApp } = await import('./app.ts');
const { runTour, describeStep, idTokenCostCenters } = await import('./tour.ts');
const { startTriggerEndpoint } = await import('./trigger-endpoint.ts');
const { COST_CENTERS } = await import('./pre-token-generation.mjs');

const REGION = 'us-east-1';
const serve = process.argv.includes('--serve');
const httpTrigger = process.argv.includes('--http-trigger');
const appPort = Number(process.env.PORT ?? 8000);
const { url: tesseraUrl, credentials, stop, setApp } = await startTessera('seed-001', ['--trigger-modules', TRIGGER_MODULES_DIR]);

try {
  // Where the trigger runs: your endpoint, this process's endpoint, or (default) Tessera loads the module.
  const ownEndpoint = process.env.TRIGGER_URL || undefined;
  const endpoint = !ownEndpoint && httpTrigger ? await startTriggerEndpoint({ port: 0, host: '127.0.0.1' }) : undefined;
  const trigger = ownEndpoint ?? endpoint?.url;
  const seed = await setUpSeed001({ tesseraUrl, region: REGION, credentials, ...(trigger && { preTokenGeneration: trigger }) });
  const app = setApp(await startApp({ port: appPort, host: '127.0.0.1', tesseraUrl, region: REGION, credentials, policyStoreId: seed.policyStoreId }));
  console.log(`
  Seed 001: Verified Permissions decides, from Cognito ID tokens, who may read and write example_image.png.

  Tessera (throw-away database): ${tesseraUrl}
    user pool       ${seed.poolId}
      pre token generation trigger (V1_0): ${seed.preTokenGeneration}
      ${ownEndpoint ? 'your endpoint adds costCenter to ID tokens' : `adds costCenter to ID tokens from its table: ${Object.entries(COST_CENTERS).map(([u, c]) => `${u} → ${c}`).join(', ')}`}
    app client      ${seed.clientId}
    users           ${USERS.map((u) => u.username).join(', ')}
    policy store    ${seed.policyStoreId}, identity source ${seed.identitySourceId} (principals ${PRINCIPAL_ENTITY_TYPE}::"${seed.poolId}|<sub>")
    policy          ${seed.policyId}:
${seed.statement.replace(/^/gm, '      ')}

  The app: ${app.url}   GET|PUT|DELETE /files/:id   (Authorization: Bearer <ID token>)
`);
  console.log('  Their ID tokens, as the trigger made them:');
  for (const { username, costCenter } of await idTokenCostCenters({ tesseraUrl, clientId: seed.clientId, region: REGION })) {
    console.log(`  ${username.padEnd(22)} costCenter ${costCenter === undefined ? '(none)' : JSON.stringify(costCenter)}`);
  }
  console.log('');
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
