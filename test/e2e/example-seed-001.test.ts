/**
 * The seed 001 example (examples/seed-001-verified-permissions): `npm run example:001` as a user runs
 * it (its own Tessera process, the SDK set-up, the app, the tour), and the app's API case by case
 * against an in-process Tessera.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GlobalSignOutCommand } from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROADMAP_ID, type RunningApp, startApp } from '../../examples/seed-001-verified-permissions/app.ts';
import { FILE_ID, PRINCIPAL_ENTITY_TYPE, type Seed001, setUpSeed001, signIn } from '../../examples/seed-001-verified-permissions/setup.ts';
import { describeStep, runTour } from '../../examples/seed-001-verified-permissions/tour.ts';
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
    expect(stdout).toMatch(/principal\["custom:costCenter"\] like "Finance\*"/);
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

    beforeAll(async () => {
      s = await startTestServer();
      seed = await setUpSeed001({ tesseraUrl: s.url, region: REGION, credentials: ADMIN_CREDENTIALS });
      app = await startApp({ port: 0, host: '127.0.0.1', tesseraUrl: s.url, region: REGION, credentials: ADMIN_CREDENTIALS, policyStoreId: seed.policyStoreId, log: (m) => log.push(m) });
    });
    afterAll(async () => {
      await app?.close();
      await s?.close();
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
