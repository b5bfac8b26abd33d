#!/usr/bin/env node
// `npm run example:003`: Tessera with its demo data on a throw-away SQLite database, serving the
// contact policy in ./cerbos through the Cerbos API; seed 003's pool, groups and users (the groups and
// users with the AWS CLI, as the walkthrough does); and the contacts app, until Ctrl-C stops both.
//
// Environment (all optional): TESSERA_PORT (7070), PORT (8000), HOST (127.0.0.1), AWS_CLI (the aws
// command to run, or `none` for the SDK), TESSERA_ACCESS_KEY_ID / TESSERA_SECRET_ACCESS_KEY (admin
// keys; demo mode otherwise accepts test/test).
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';
import { startTessera } from '../support/tessera-process.mjs';

register();
// The AWS SDK would warn about Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { setUpSeed003, USERS, PASSWORD } = await import('./setup.ts');
const { startApp } = await import('./app.ts');

const REGION = 'us-east-1';
const POLICIES = fileURLToPath(new URL('./cerbos', import.meta.url));
const { url: tesseraUrl, credentials, stop, setApp } = await startTessera('seed-003', ['--cerbos-policies', POLICIES]);

try {
  console.log(`\n  Seed 003: Cognito groups become Cerbos roles; Cerbos decides who may touch which contact.\n\n  Tessera (demo data, throw-away database, Cerbos policies from ${POLICIES}): ${tesseraUrl}\n`);
  const seed = await setUpSeed003({ tesseraUrl, region: REGION, credentials, log: (line) => console.log(`  ${line}`) });
  const app = setApp(await startApp({ port: Number(process.env.PORT ?? 8000), host: process.env.HOST ?? '127.0.0.1', tesseraUrl, region: REGION, poolId: seed.poolId, clientId: seed.clientId }));
  const aws = `AWS_ACCESS_KEY_ID=${credentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${credentials.accessKeyId === 'test' ? 'test' : '…'} AWS_DEFAULT_REGION=${REGION}`;
  console.log(`
  The contacts app: ${app.url}
  Open it and log in as ${USERS.map((u) => `${u.email} (${u.group})`).join(' or ')}, password ${PASSWORD}

  An admin may read, update and delete both contacts; a user may read both but update and delete
  only their own. The page shows the ID token's claims, the Cerbos request and Cerbos' answer.

  The same check for an API caller, with Tessera building the principal from the token (auxData.jwt):
    TOKEN=$(AWS_DEFAULT_REGION=${REGION} aws cognito-idp initiate-auth --endpoint-url ${tesseraUrl} --no-sign-request \\
      --client-id ${seed.clientId} --auth-flow USER_PASSWORD_AUTH \\
      --auth-parameters 'USERNAME=${USERS[1].email},PASSWORD=${PASSWORD}' --query AuthenticationResult.IdToken --output text)
    curl -H "Authorization: Bearer $TOKEN" ${app.url}/contacts

  Make bob an admin too, then log in again:
    ${aws} aws cognito-idp admin-add-user-to-group \\
      --endpoint-url ${tesseraUrl} --user-pool-id ${seed.poolId} --username ${USERS[1].email} --group-name admin

  Ctrl-C stops both.
`);
} catch (error) {
  console.error(`seed 003 failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  await stop(1);
}
