/**
 * The seed 003 example (examples/seed-003-contacts): `npm run example:003` as a user runs it (its own
 * Tessera process serving the contact policy, the groups and users made with the AWS CLI, the app,
 * Ctrl-C), then the set-up and the app case by case against a `tessera serve --cerbos-policies`
 * process, with fetch playing the browser at the login form.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdminAddUserToGroupCommand, AdminGetUserCommand, AdminListGroupsForUserCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../examples/seed-003-contacts/app.ts';
import { findAwsCli, PASSWORD, type Seed003, setUpSeed003, signIn, USERS } from '../../examples/seed-003-contacts/setup.ts';
import { expectPortFree, freePort, type ServerProcess, startServerProcess } from '../support/process.ts';

const RUN = fileURLToPath(new URL('../../examples/seed-003-contacts/run.mjs', import.meta.url));
const POLICIES = fileURLToPath(new URL('../../examples/seed-003-contacts/cerbos', import.meta.url));
const REGION = 'us-east-1';
// What demo mode accepts when no admin keys are configured.
const DEMO_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const ALICE = USERS.find((u) => u.group === 'admin')!.email;
const BOB = USERS.find((u) => u.group === 'user')!.email;


type Table = Record<string, { owner: string; read: boolean; update: boolean; delete: boolean }>;

/** The decision table of the /user page: contact → owner and what the user may do. */
function tableOf(page: string): Table {
  const table: Table = {};
  for (const row of page.matchAll(/<tr data-contact="([^"]+)" data-owner="([^"]*)">([\s\S]*?)<\/tr>/g)) {
    const cells = Object.fromEntries([...row[3]!.matchAll(/data-action="(\w+)" data-allowed="(true|false)"/g)].map((m) => [m[1]!, m[2] === 'true']));
    table[row[1]!] = { owner: row[2]!, read: cells.read!, update: cells.update!, delete: cells.delete! };
  }
  return table;
}

/** What the policy says each role gets, for a user with this sub. */
const adminTable = (sub: string): Table => ({
  abc123: { owner: sub, read: true, update: true, delete: true },
  def456: { owner: 'other_user_id', read: true, update: true, delete: true },
});
const userTable = (sub: string): Table => ({
  abc123: { owner: sub, read: true, update: true, delete: true },
  def456: { owner: 'other_user_id', read: true, update: false, delete: false },
});

/** The browser at the login form: POST /login, then the /user page it is sent to. */
async function logIn(appUrl: string, username: string, password = PASSWORD): Promise<{ status: number; cookie?: string; page: string }> {
  const posted = await fetch(`${appUrl}/login`, { method: 'POST', body: new URLSearchParams({ username, password }), redirect: 'manual' });
  if (posted.status !== 303) return { status: posted.status, page: await posted.text() };
  await posted.arrayBuffer();
  expect(posted.headers.get('location')).toBe('/user');
  const set = posted.headers.getSetCookie().find((c) => c.startsWith('seed003_session='));
  expect(set).toMatch(/; HttpOnly; SameSite=Lax; /);
  const cookie = set!.split(';')[0]!;
  const user = await fetch(`${appUrl}/user`, { headers: { cookie }, redirect: 'manual' });
  return { status: user.status, cookie, page: await user.text() };
}

describe('example: seed 003, Cognito groups as Cerbos roles in a contacts app', () => {
  it('npm run example:003 makes the users with the AWS CLI, serves the app until Ctrl-C, then stops Tessera', async () => {
    const [tesseraPort, appPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, [RUN], {
      env: { ...process.env, TESSERA_PORT: String(tesseraPort), PORT: String(appPort), TESSERA_ACCESS_KEY_ID: '', TESSERA_SECRET_ACCESS_KEY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const appUrl = `http://127.0.0.1:${appPort}`;
      const ready = await Promise.race([
        (async () => {
          while (!stdout.includes(`The contacts app: ${appUrl}`)) await new Promise((r) => setTimeout(r, 100));
          return true;
        })(),
        exited.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(false), 100_000)),
      ]);
      expect(ready, `${stdout}\n${stderr}`).toBe(true);
      const tesseraUrl = `http://127.0.0.1:${tesseraPort}`;
      expect(stdout).toContain(`Tessera (demo data, throw-away database, Cerbos policies from ${POLICIES}): ${tesseraUrl}`);
      const poolId = /user pool (us-east-1_\w+)/.exec(stdout)?.[1];
      expect(poolId, stdout).toBeTruthy();
      // The seed's commands, run through the AWS CLI (or, without one, their SDK equivalents, with a note).
      const cli = await findAwsCli();
      if (cli) expect(stdout).toContain(`groups and users with the AWS CLI (${cli}):`);
      else expect(stdout).toContain('note: no AWS CLI found (`aws`), so the same calls go through the AWS SDK');
      for (const { email, group } of USERS) {
        expect(stdout).toContain(`$ aws cognito-idp admin-create-user --user-pool-id ${poolId} --username ${email} --endpoint-url ${tesseraUrl}`);
        expect(stdout).toContain(`$ aws cognito-idp admin-set-user-password --user-pool-id ${poolId} --username ${email} --password '${PASSWORD}' --permanent --endpoint-url ${tesseraUrl}`);
        expect(stdout).toContain(`$ aws cognito-idp admin-add-user-to-group --user-pool-id ${poolId} --username ${email} --group-name ${group} --endpoint-url ${tesseraUrl}`);
      }

      const alice = await logIn(appUrl, ALICE);
      expect(alice.status, alice.page).toBe(200);
      const aliceSub = /<h2>User ID<\/h2><p><code>([\w-]+)<\/code>/.exec(alice.page)?.[1];
      expect(tableOf(alice.page)).toEqual(adminTable(aliceSub!));
      const bob = await logIn(appUrl, BOB);
      expect(bob.status, bob.page).toBe(200);
      const bobSub = /<h2>User ID<\/h2><p><code>([\w-]+)<\/code>/.exec(bob.page)?.[1];
      expect(bobSub).not.toBe(aliceSub);
      expect(tableOf(bob.page)).toEqual(userTable(bobSub!));
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited, `${stdout}\n${stderr}`).toBe(0);
    // Tessera stopped with the example: its port is free again.
    await expectPortFree(tesseraPort);
  }, 120_000);

  describe('the set-up and the app against a Tessera process', () => {
    let dataDir: string;
    let tessera: ServerProcess;
    let seed: Seed003;
    let app: RunningApp;
    let admin: CognitoIdentityProviderClient;
    const setupLog: string[] = [];
    const appLog: string[] = [];

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'tessera-example-003-'));
      // A known port, so that the issuer (publicUrl) names it; empty admin keys keep demo mode's test/test.
      const port = await freePort();
      tessera = await startServerProcess(['--port', String(port), '--demo', '--db', `sqlite:${join(dataDir, 'tessera.db')}`, '--cerbos-policies', POLICIES], {
        TESSERA_ACCESS_KEY_ID: '',
        TESSERA_SECRET_ACCESS_KEY: '',
      });
      expect(tessera.url).toBe(`http://127.0.0.1:${port}`);
      seed = await setUpSeed003({ tesseraUrl: tessera.url, region: REGION, credentials: DEMO_CREDENTIALS, log: (line) => setupLog.push(line) });
      app = await startApp({ port: 0, host: '127.0.0.1', tesseraUrl: tessera.url, region: REGION, poolId: seed.poolId, clientId: seed.clientId, log: (m) => appLog.push(m) });
      admin = new CognitoIdentityProviderClient({ endpoint: tessera.url, region: REGION, credentials: DEMO_CREDENTIALS, maxAttempts: 1 });
    }, 120_000);

    afterAll(async () => {
      admin?.destroy();
      await app?.close();
      await tessera?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it("creates the groups and the users with the seed's AWS CLI commands", async () => {
      const cli = await findAwsCli();
      expect(seed.via).toBe(cli ? 'aws-cli' : 'sdk');
      expect(seed.commands).toEqual([
        `aws cognito-idp create-group --user-pool-id ${seed.poolId} --group-name admin --endpoint-url ${tessera.url}`,
        `aws cognito-idp create-group --user-pool-id ${seed.poolId} --group-name user --endpoint-url ${tessera.url}`,
        ...USERS.flatMap(({ email, group }) => [
          `aws cognito-idp admin-create-user --user-pool-id ${seed.poolId} --username ${email} --endpoint-url ${tessera.url}`,
          `aws cognito-idp admin-set-user-password --user-pool-id ${seed.poolId} --username ${email} --password '${PASSWORD}' --permanent --endpoint-url ${tessera.url}`,
          `aws cognito-idp admin-add-user-to-group --user-pool-id ${seed.poolId} --username ${email} --group-name ${group} --endpoint-url ${tessera.url}`,
        ]),
      ]);
      for (const command of seed.commands) expect(setupLog).toContain(`  $ ${command}`);
      for (const { email, group } of USERS) {
        const user = await admin.send(new AdminGetUserCommand({ UserPoolId: seed.poolId, Username: email }));
        expect(user.UserStatus).toBe('CONFIRMED');
        // The pool signs in with email: the username proper is the sub.
        expect(user.Username).toBe(seed.subs[email]);
        const groups = (await admin.send(new AdminListGroupsForUserCommand({ UserPoolId: seed.poolId, Username: email }))).Groups!.map((g) => g.GroupName);
        expect(groups).toEqual([group]);
      }
    }, 60_000);

    it('shows the login form, and refuses a wrong password, an unknown user and a form posted from elsewhere', async () => {
      const home = await fetch(`${app.url}/`);
      expect(home.status).toBe(200);
      const form = await home.text();
      expect(form).toContain('<form method="post" action="/login">');
      expect(form).toMatch(/name="username"[\s\S]*name="password"/);

      const wrong = await logIn(app.url, BOB, 'Wr0ng-Password!');
      expect(wrong.status).toBe(401);
      expect(wrong.cookie).toBeUndefined();
      expect(wrong.page).toContain('Incorrect username or password.');
      expect((await logIn(app.url, 'nobody@example.com')).status).toBe(401);

      const foreign = await fetch(`${app.url}/login`, { method: 'POST', headers: { origin: 'http://evil.example' }, body: new URLSearchParams({ username: BOB, password: PASSWORD }), redirect: 'manual' });
      expect(foreign.status).toBe(403);
      expect(foreign.headers.getSetCookie()).toEqual([]);

      // Not signed in: /user sends the browser to the form.
      const user = await fetch(`${app.url}/user`, { redirect: 'manual' });
      expect(user.status).toBe(303);
      expect(user.headers.get('location')).toBe('/');
    });

    it('lets alice, an admin, read, update and delete both contacts', async () => {
      const alice = await logIn(app.url, ALICE);
      expect(alice.status, alice.page).toBe(200);
      expect(alice.page).toContain(`Signed in as <strong data-user="${ALICE}">`);
      expect(alice.page).toContain('data-roles="admin"');
      expect(tableOf(alice.page)).toEqual(adminTable(seed.subs[ALICE]!));
      // The page shows the Cerbos request (principal from the ID token) and Tessera's answer.
      expect(alice.page).toContain(`&quot;id&quot;: &quot;${seed.subs[ALICE]}&quot;`);
      expect(alice.page).toContain('&quot;EFFECT_ALLOW&quot;');
      expect(alice.page).not.toContain('&quot;EFFECT_DENY&quot;');
      // The tokens stay on the server.
      expect(alice.page).not.toMatch(/eyJ[\w-]+\.eyJ/);
      expect(appLog).toContain(`${seed.subs[ALICE]} [admin] contact def456 (owner other_user_id): read=ALLOW update=ALLOW delete=ALLOW`);
    });

    it('lets bob, a user, read both contacts but update and delete only his own', async () => {
      const bob = await logIn(app.url, BOB);
      expect(bob.status, bob.page).toBe(200);
      expect(bob.page).toContain('data-roles="user"');
      expect(tableOf(bob.page)).toEqual(userTable(seed.subs[BOB]!));
      expect(bob.page).toContain('&quot;EFFECT_DENY&quot;');
      expect(appLog).toContain(`${seed.subs[BOB]} [user] contact abc123 (owner ${seed.subs[BOB]}): read=ALLOW update=ALLOW delete=ALLOW`);
      expect(appLog).toContain(`${seed.subs[BOB]} [user] contact def456 (owner other_user_id): read=ALLOW update=DENY delete=DENY`);
    });

    it('decides the same in token mode (GET /contacts, auxData.jwt), with ID and access tokens', async () => {
      const contacts = async (token?: string) => {
        const res = await fetch(`${app.url}/contacts`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
        return { status: res.status, headers: res.headers, body: (await res.json()) as { principal?: string; contacts?: Array<{ id: string; owner: string; actions: Record<string, boolean> }>; message?: string } };
      };
      const asTable = (list: Array<{ id: string; owner: string; actions: Record<string, boolean> }>): Table =>
        Object.fromEntries(list.map((c) => [c.id, { owner: c.owner, read: c.actions.read!, update: c.actions.update!, delete: c.actions.delete! }]));

      for (const [email, expected] of [
        [ALICE, adminTable],
        [BOB, userTable],
      ] as const) {
        const tokens = await signIn({ tesseraUrl: tessera.url, region: REGION, clientId: seed.clientId, username: email });
        for (const token of [tokens.idToken, tokens.accessToken]) {
          const r = await contacts(token);
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          expect(r.body.principal).toBe(seed.subs[email]);
          expect(asTable(r.body.contacts!)).toEqual(expected(seed.subs[email]!));
        }
      }

      // No token, not a JWT, and bob's ID token made to say he is an admin: Tessera refuses the last.
      const none = await contacts();
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="seed-003"');
      expect((await contacts('not-a-jwt')).status).toBe(401);
      const { idToken } = await signIn({ tesseraUrl: tessera.url, region: REGION, clientId: seed.clientId, username: BOB });
      const [header, , signature] = idToken.split('.');
      const forged = [header, Buffer.from(JSON.stringify({ ...decodeJwt(idToken), 'cognito:groups': ['admin'] })).toString('base64url'), signature].join('.');
      const refused = await contacts(forged);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="seed-003", error="invalid_token"');
      expect(appLog.some((line) => line.startsWith('token refused: '))).toBe(true);
    });

    it('logs out', async () => {
      const bob = await logIn(app.url, BOB);
      const out = await fetch(`${app.url}/logout`, { headers: { cookie: bob.cookie! }, redirect: 'manual' });
      expect(out.status).toBe(303);
      expect(out.headers.get('location')).toBe('/');
      expect(out.headers.getSetCookie()[0]).toMatch(/^seed003_session=; .*Max-Age=0/);
      const after = await fetch(`${app.url}/user`, { headers: { cookie: bob.cookie! }, redirect: 'manual' });
      expect(after.status).toBe(303);
    });

    it('gives bob both contacts once he is in admin and logs in again', async () => {
      const before = await logIn(app.url, BOB);
      await admin.send(new AdminAddUserToGroupCommand({ UserPoolId: seed.poolId, Username: BOB, GroupName: 'admin' }));
      // His session's token still says user only.
      const stale = await fetch(`${app.url}/user`, { headers: { cookie: before.cookie! } });
      expect(tableOf(await stale.text())).toEqual(userTable(seed.subs[BOB]!));
      const after = await logIn(app.url, BOB);
      expect(after.page).toMatch(/data-roles="(admin,user|user,admin)"/);
      expect(tableOf(after.page)).toEqual(adminTable(seed.subs[BOB]!));
    });

    it('falls back to the SDK, with a note, when there is no AWS CLI', async () => {
      const log: string[] = [];
      const other = await setUpSeed003({ tesseraUrl: tessera.url, region: REGION, credentials: DEMO_CREDENTIALS, awsCli: 'none', log: (line) => log.push(line) });
      expect(other.via).toBe('sdk');
      expect(other.poolId).not.toBe(seed.poolId);
      expect(log).toContain('note: AWS_CLI=none, so the same calls go through the AWS SDK; with the CLI they would be:');
      for (const command of other.commands) expect(log).toContain(`  $ ${command}`);
      const sdkApp = await startApp({ port: 0, host: '127.0.0.1', tesseraUrl: tessera.url, region: REGION, poolId: other.poolId, clientId: other.clientId });
      try {
        const bob = await logIn(sdkApp.url, BOB);
        expect(tableOf(bob.page)).toEqual(userTable(other.subs[BOB]!));
      } finally {
        await sdkApp.close();
      }
      // A CLI that is not there counts as none.
      expect(await findAwsCli('/nonexistent/aws')).toBeUndefined();
    }, 60_000);
  });
});
