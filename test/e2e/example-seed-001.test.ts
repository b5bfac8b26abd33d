/**
 * The seed 001 example (examples/seed-001-verified-permissions): `npm run example:001` as a user runs
 * it (its own Tessera process allowed to load the example's trigger module, the SDK set-up, the app,
 * the tour), and the app's API case by case against an in-process Tessera, with the cost center
 * coming from the pre token generation trigger, as a local module and as an HTTP endpoint.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdminGetUserCommand, DescribeUserPoolCommand, GlobalSignOutCommand } from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROADMAP_ID, type RunningApp, startApp } from '../../examples/seed-001-verified-permissions/app.ts';
import {
  FILE_ID,
  PRINCIPAL_ENTITY_TYPE,
  type Seed001,
  setPreTokenGenerationTrigger,
  setUpSeed001,
  signIn,
  TRIGGER_MODULE,
  TRIGGER_MODULES_DIR,
} from '../../examples/seed-001-verified-permissions/setup.ts';
import { describeStep, idTokenCostCenters, runTour } from '../../examples/seed-001-verified-permissions/tour.ts';
import { startTriggerEndpoint } from '../../examples/seed-001-verified-permissions/trigger-endpoint.ts';
import { expectPortFree, freePort } from '../support/process.ts';
import { ADMIN_CREDENTIALS, REGION, startTestServer, type TestServer } from '../support/server.ts';

const RUN = fileURLToPath(new URL('../../examples/seed-001-verified-permissions/run.mjs', import.meta.url));


/** Runs the one command to its end. */
async function runExample(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [RUN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGTERM'), 110_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

describe('example: seed 001, Verified Permissions with Cognito ID tokens', () => {
  it('npm run example:001 sets everything up, shows John allowed and Jane denied, and exits cleanly', async () => {
    const [tesseraPort, appPort] = [await freePort(), await freePort()];
    const { code, stdout, stderr } = await runExample({ TESSERA_PORT: String(tesseraPort), PORT: String(appPort), TESSERA_ACCESS_KEY_ID: '', TESSERA_SECRET_ACCESS_KEY: '' });
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toContain(`Tessera (throw-away database): http://127.0.0.1:${tesseraPort}`);
    expect(stdout).toContain(`The app: http://127.0.0.1:${appPort}`);
    const policyId = /policy {10}(\w+):/.exec(stdout)?.[1];
    expect(policyId, stdout).toBeTruthy();
    // The trigger is the example's module, loaded by Tessera itself (run.mjs passes --trigger-modules).
    expect(stdout).toContain(`pre token generation trigger (V1_0): ${TRIGGER_MODULE}`);
    expect(stdout).toMatch(/^\s+principal\.costCenter like "Finance\*"$/m);
    expect(stdout).not.toContain('custom:costCenter');
    expect(stdout).toMatch(/^\s+john\s+costCenter "Finance1234"$/m);
    expect(stdout).toMatch(/^\s+jane\s+costCenter "Engineering42"$/m);
    const line = (who: string, method: string, path: string) => stdout.split('\n').find((l) => new RegExp(`^\\s+${who.replace(/[()]/g, '\\$&')}\\s+${method}\\s+${path}\\s`).test(l));
    const image = `/files/${FILE_ID}`;
    expect(line('john', 'GET', image)).toMatch(new RegExp(`\\s200\\s+ALLOW by policy ${policyId}$`));
    expect(line('john', 'PUT', image)).toMatch(new RegExp(`\\s200\\s+ALLOW by policy ${policyId}$`));
    expect(line('john', 'DELETE', image)).toMatch(/\s403\s+DENY \(no policy permits it\)$/);
    expect(line('john', 'GET', `/files/${ROADMAP_ID}`)).toMatch(/\s403\s+DENY/);
    expect(line('john (access token)', 'GET', image)).toMatch(/\s401\s+refused/);
    for (const method of ['GET', 'PUT', 'DELETE']) expect(line('jane', method, image)).toMatch(/\s403\s+DENY \(no policy permits it\)$/);
    expect(line('nobody', 'GET', image)).toMatch(/\s401\s+refused/);
    expect(stdout).toContain('Done.');
    // Tessera stopped with the script: its port is free again.
    await expectPortFree(tesseraPort);
  }, 120_000);

  describe('the app against an in-process Tessera', () => {
    let s: TestServer;
    let seed: Seed001;
    let app: RunningApp;
    const log: string[] = [];
    // A second trigger folder, for edited copies of the trigger.
    const scratch = mkdtempSync(join(tmpdir(), 'tessera-seed-001-triggers-'));

    beforeAll(async () => {
      // As `tessera serve --trigger-modules <the example folder>` (and the scratch folder).
      s = await startTestServer({ triggerModules: [TRIGGER_MODULES_DIR, scratch] });
      seed = await setUpSeed001({ tesseraUrl: s.url, region: REGION, credentials: ADMIN_CREDENTIALS });
      app = await startApp({ port: 0, host: '127.0.0.1', tesseraUrl: s.url, region: REGION, credentials: ADMIN_CREDENTIALS, policyStoreId: seed.policyStoreId, log: (m) => log.push(m) });
    });
    afterAll(async () => {
      await app?.close();
      await s?.close();
      rmSync(scratch, { recursive: true, force: true });
    });

    const tokensOf = (username: string) => signIn({ tesseraUrl: s.url, region: REGION, clientId: seed.clientId, username });
    const call = async (method: string, path: string, token?: string) => {
      const res = await fetch(`${app.url}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
    };

    it('gives John example_image.png, naming the principal and the seed policy', async () => {
      const john = await tokensOf('john');
      const sub = decodeJwt(john.idToken).sub;
      const r = await call('GET', `/files/${FILE_ID}`, john.idToken);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        file: { id: FILE_ID, name: 'example_image.png' },
        decision: 'ALLOW',
        principal: `${PRINCIPAL_ENTITY_TYPE}::"${seed.poolId}|${sub}"`,
        determiningPolicies: [seed.policyId],
      });
      expect((await call('PUT', `/files/${FILE_ID}`, john.idToken)).status).toBe(200);
      expect(await call('DELETE', `/files/${FILE_ID}`, john.idToken)).toMatchObject({ status: 403, body: { message: 'Forbidden', decision: 'DENY', determiningPolicies: [] } });
      expect((await call('GET', `/files/${ROADMAP_ID}`, john.idToken)).status).toBe(403);
    });

    it('gets the cost center into the ID token from the trigger, not from a user attribute', async () => {
      const john = await tokensOf('john');
      const claims = decodeJwt(john.idToken);
      expect(claims.costCenter).toBe('Finance1234');
      expect(claims).not.toHaveProperty('custom:costCenter');
      // A version 1 trigger customizes the ID token only.
      expect(decodeJwt(john.accessToken)).not.toHaveProperty('costCenter');
      expect(await idTokenCostCenters({ tesseraUrl: s.url, clientId: seed.clientId, region: REGION })).toEqual([
        { username: 'john', costCenter: 'Finance1234' },
        { username: 'jane', costCenter: 'Engineering42' },
      ]);
      // Neither the pool nor the user has a cost center attribute.
      const user = await s.admin.send(new AdminGetUserCommand({ UserPoolId: seed.poolId, Username: 'john' }));
      expect(user.UserAttributes!.map((a) => a.Name)).not.toContain('custom:costCenter');
      const pool = (await s.admin.send(new DescribeUserPoolCommand({ UserPoolId: seed.poolId }))).UserPool!;
      expect(pool.SchemaAttributes!.map((a) => a.Name)).not.toContain('custom:costCenter');
      // The trigger, set by UpdateUserPool, which kept the settings CreateUserPool gave.
      expect(seed.preTokenGeneration).toBe(TRIGGER_MODULE);
      expect(pool.LambdaConfig).toMatchObject({ PreTokenGeneration: TRIGGER_MODULE, PreTokenGenerationConfig: { LambdaVersion: 'V1_0', LambdaArn: TRIGGER_MODULE } });
      expect(pool.AutoVerifiedAttributes).toEqual(['email']);
      expect(pool.Policies?.PasswordPolicy?.MinimumLength).toBe(12);
      expect(pool.UsernameConfiguration).toEqual({ CaseSensitive: false });
    });

    it('decides on the trigger\'s table: once it says otherwise, a new sign-in gets the other decision', async () => {
      const image = `/files/${FILE_ID}`;
      const original = readFileSync(TRIGGER_MODULE, 'utf8');
      const copy = join(scratch, 'pre-token-generation.mjs');
      writeFileSync(copy, original);
      const janeBefore = await tokensOf('jane');
      expect((await call('GET', image, janeBefore.idToken)).status).toBe(403);
      try {
        await setPreTokenGenerationTrigger(s.admin, seed.poolId, copy);
        expect(decodeJwt((await tokensOf('jane')).idToken).costCenter).toBe('Engineering42');

        // Jane moves to Finance, John to Sales: the store changes, the pool does not.
        const edited = original.replace("john: 'Finance1234'", "john: 'Sales0001'").replace("jane: 'Engineering42'", "jane: 'Finance5678'");
        expect(edited).toContain("john: 'Sales0001'");
        expect(edited).toContain("jane: 'Finance5678'");
        writeFileSync(copy, edited);
        // Tessera reloads a module whose modification time changed; make sure it did.
        const later = new Date(Date.now() + 5_000);
        utimesSync(copy, later, later);

        // A token keeps the claims it was issued with.
        expect((await call('GET', image, janeBefore.idToken)).status).toBe(403);
        const jane = await tokensOf('jane');
        expect(decodeJwt(jane.idToken).costCenter).toBe('Finance5678');
        expect(await call('GET', image, jane.idToken)).toMatchObject({ status: 200, body: { decision: 'ALLOW', determiningPolicies: [seed.policyId] } });
        expect((await call('PUT', image, jane.idToken)).status).toBe(200);
        const john = await tokensOf('john');
        expect(decodeJwt(john.idToken).costCenter).toBe('Sales0001');
        expect((await call('GET', image, john.idToken)).status).toBe(403);
      } finally {
        await setPreTokenGenerationTrigger(s.admin, seed.poolId, TRIGGER_MODULE);
      }
      expect(decodeJwt((await tokensOf('jane')).idToken).costCenter).toBe('Engineering42');
    });

    it('runs the same trigger behind an HTTP endpoint (npm run example:001 -- --http-trigger)', async () => {
      const endpoint = await startTriggerEndpoint({ port: 0, host: '127.0.0.1' });
      let other: RunningApp | undefined;
      try {
        const viaHttp = await setUpSeed001({ tesseraUrl: s.url, region: REGION, credentials: ADMIN_CREDENTIALS, preTokenGeneration: endpoint.url });
        const pool = (await s.admin.send(new DescribeUserPoolCommand({ UserPoolId: viaHttp.poolId }))).UserPool!;
        expect(pool.LambdaConfig?.PreTokenGenerationConfig).toEqual({ LambdaVersion: 'V1_0', LambdaArn: endpoint.url });
        other = await startApp({ port: 0, host: '127.0.0.1', tesseraUrl: s.url, region: REGION, credentials: ADMIN_CREDENTIALS, policyStoreId: viaHttp.policyStoreId });
        const get = async (username: string) => {
          const { idToken } = await signIn({ tesseraUrl: s.url, region: REGION, clientId: viaHttp.clientId, username });
          const res = await fetch(`${other!.url}/files/${FILE_ID}`, { headers: { authorization: `Bearer ${idToken}` } });
          return { costCenter: decodeJwt(idToken).costCenter, status: res.status };
        };
        expect(await get('john')).toEqual({ costCenter: 'Finance1234', status: 200 });
        expect(await get('jane')).toEqual({ costCenter: 'Engineering42', status: 403 });
      } finally {
        await other?.close();
        await endpoint.close();
      }
    });

    it('denies Jane', async () => {
      const jane = await tokensOf('jane');
      for (const method of ['GET', 'PUT', 'DELETE']) expect((await call(method, `/files/${FILE_ID}`, jane.idToken)).status).toBe(403);
    });

    it('answers 401 without a token, with a malformed one, and with an access token', async () => {
      const bare = await call('GET', `/files/${FILE_ID}`);
      expect(bare.status).toBe(401);
      expect(bare.headers.get('www-authenticate')).toBe('Bearer realm="seed-001"');
      expect((await call('GET', `/files/${FILE_ID}`, 'not-a-jwt')).status).toBe(401);
      const john = await tokensOf('john');
      const access = await call('GET', `/files/${FILE_ID}`, john.accessToken);
      expect(access.status).toBe(401);
      expect(access.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(log.some((l) => /token refused \(.*token.use/i.test(l))).toBe(true);
    });

    it('answers 403 once John has signed out: Tessera denies a revoked session\'s tokens, and says why', async () => {
      const john = await tokensOf('john');
      expect((await call('GET', `/files/${FILE_ID}`, john.idToken)).status).toBe(200);
      await s.anonymous.send(new GlobalSignOutCommand({ AccessToken: john.accessToken }));
      expect(await call('GET', `/files/${FILE_ID}`, john.idToken)).toMatchObject({ status: 403, body: { decision: 'DENY', determiningPolicies: [] } });
      expect(log.at(-1)).toMatch(/DENY .*errors: .*revoked/i);
    });

    it('runs the tour the one command prints', async () => {
      const steps = await runTour({ tesseraUrl: s.url, appUrl: app.url, clientId: seed.clientId, region: REGION });
      expect(steps.map((x) => `${x.who} ${x.method} ${x.path.replace(FILE_ID, 'image').replace(ROADMAP_ID, 'roadmap')} ${x.status}`)).toEqual([
        'john GET /files/image 200',
        'john PUT /files/image 200',
        'john DELETE /files/image 403',
        'john GET /files/roadmap 403',
        'john (access token) GET /files/image 401',
        'jane GET /files/image 403',
        'jane PUT /files/image 403',
        'jane DELETE /files/image 403',
        'jane GET /files/roadmap 403',
        'jane (access token) GET /files/image 401',
        'nobody GET /files/image 401',
      ]);
      expect(describeStep(steps[0]!)).toMatch(new RegExp(`ALLOW by policy ${seed.policyId}$`));
    });
  });
});
