#!/usr/bin/env node
// `npm run example:001`: Tessera on a throw-away SQLite database, seed 001's pool, users and policy
// store set up through the AWS SDKs, the file app, and a tour of what John and Jane may do. Then it
// stops everything, unless started with `--serve` (`npm run example:001 -- --serve`): then the app
// keeps running until Ctrl-C.
//
// Environment (all optional): TESSERA_PORT (7070), PORT (8000), TESSERA_ACCESS_KEY_ID /
// TESSERA_SECRET_ACCESS_KEY (admin keys; demo mode otherwise accepts test/test).
import { register } from 'tsx/esm/api';
import { startTessera } from '../support/tessera-process.mjs';

register();
// The AWS SDK would warn about Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { setUpSeed001, signIn, FILE_ID, PASSWORD, PRINCIPAL_ENTITY_TYPE, USERS } = await import('./setup.ts');
const { startApp } = await import('./app.ts');
const { runTour, describeStep } = await import('./tour.ts');

const REGION = 'us-east-1';
const serve = process.argv.includes('--serve');
const appPort = Number(process.env.PORT ?? 8000);
const { url: tesseraUrl, credentials, stop, setApp } = await startTessera('seed-001');

try {
  const seed = await setUpSeed001({ tesseraUrl, region: REGION, credentials });
  const app = setApp(await startApp({ port: appPort, host: '127.0.0.1', tesseraUrl, region: REGION, credentials, policyStoreId: seed.policyStoreId }));
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
