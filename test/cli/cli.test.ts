import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AdminGetUserCommand, CognitoIdentityProviderClient, GetUserCommand, InitiateAuthCommand, ListGroupsCommand } from '@aws-sdk/client-cognito-identity-provider';
import { IsAuthorizedWithTokenCommand, VerifiedPermissionsClient } from '@aws-sdk/client-verifiedpermissions';
import { describe, expect, it } from 'vitest';
import { startServerProcess } from '../support/process.ts';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/tessera.js', import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), 'tessera-cli-'));

describe('tessera command', () => {
  it('serves the demo data with the loudly announced test/test admin key', async () => {
    const dir = tmp();
    const server = await startServerProcess(['--demo', '--db', `sqlite:${join(dir, 'demo.db')}`], { TESSERA_ACCESS_KEY_ID: '', TESSERA_SECRET_ACCESS_KEY: '' });
    try {
      expect(server.output()).toMatch(/WARNING: demo mode accepts the admin access key "test"/);
      const admin = new CognitoIdentityProviderClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      const groups = await admin.send(new ListGroupsCommand({ UserPoolId: 'us-east-1_TesseraDemo' }));
      expect(groups.Groups?.map((g) => g.GroupName).sort()).toEqual(['admin', 'movies-group', 'shows-group', 'user', 'viewer']);
      const auth = await admin.send(
        new InitiateAuthCommand({ ClientId: 'demospa0000000000000000001', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice', PASSWORD: 'Passw0rd!' } }),
      );
      expect(auth.AuthenticationResult?.IdToken).toBeTruthy();
    } finally {
      await server.stop();
    }
  });

  it('keeps demo data and sessions across a restart on the same database', async () => {
    const db = `sqlite:${join(tmp(), 'demo.db')}`;
    const first = await startServerProcess(['--demo', '--db', db]);
    const client = (url: string) => new CognitoIdentityProviderClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const auth = await client(first.url).send(
      new InitiateAuthCommand({ ClientId: 'demospa0000000000000000001', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'bob', PASSWORD: 'Passw0rd!' } }),
    );
    await first.stop();
    const second = await startServerProcess(['--demo', '--db', db]);
    try {
      const refreshed = await client(second.url).send(
        new InitiateAuthCommand({ ClientId: 'demospa0000000000000000001', AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: auth.AuthenticationResult!.RefreshToken! } }),
      );
      expect(refreshed.AuthenticationResult?.AccessToken).toBeTruthy();
    } finally {
      await second.stop();
    }
  });

  it("serves seed 001's policy store in demo mode, and prints its decisions from the log", async () => {
    const db = `sqlite:${join(tmp(), 'demo.db')}`;
    const server = await startServerProcess(['--demo', '--db', db]);
    const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
    try {
      const cognito = new CognitoIdentityProviderClient({ endpoint: server.url, region: 'us-east-1', credentials });
      const auth = await cognito.send(
        new InitiateAuthCommand({ ClientId: 'demospa0000000000000000001', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice', PASSWORD: 'Passw0rd!' } }),
      );
      const avp = new VerifiedPermissionsClient({ endpoint: server.url, region: 'us-east-1', credentials });
      const out = await avp.send(
        new IsAuthorizedWithTokenCommand({
          policyStoreId: 'TesseraDemoSeed001Store',
          identityToken: auth.AuthenticationResult!.IdToken!,
          action: { actionType: 'ExampleCorp::Action', actionId: 'writeFile' },
          resource: { entityType: 'ExampleCorp::File', entityId: 'a8f3f048-ded7-4a95-89ca-e283644e1898' },
        }),
      );
      expect(out.decision).toBe('ALLOW');
    } finally {
      await server.stop();
    }
    // Run without the V8 flag: the command adds it itself.
    const { stdout } = await run(process.execPath, [BIN, 'decisions', '--db', db, '--scope', 'TesseraDemoSeed001Store']);
    const [line] = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(line).toMatchObject({ engine: 'cedar', action: 'ExampleCorp::Action::"writeFile"', decision: 'ALLOW', determiningPolicies: ['finance-reads-and-writes-example-image'] });
  });

  it('refuses to serve without admin credentials outside demo mode', async () => {
    const err = await run(process.execPath, [BIN, 'serve', '--port', '0', '--db', `sqlite:${join(tmp(), 'x.db')}`], {
      env: { ...process.env, TESSERA_ACCESS_KEY_ID: '', TESSERA_SECRET_ACCESS_KEY: '' },
    }).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 2 });
    expect((err as { stderr: string }).stderr).toMatch(/no admin credentials/);
  });

  it('applies a declarative file idempotently and reports what it did', async () => {
    const dir = tmp();
    const file = join(dir, 'tessera.yaml');
    writeFileSync(
      file,
      `userPools:
  - name: app
    id: us-east-1_Applied01
    clients:
      - { name: web, id: appliedweb0000000000000001, ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH] }
    groups:
      - { name: staff, precedence: 3 }
    users:
      - username: erin
        password: \${ERIN_PASSWORD}
        attributes: { email: erin@example.com }
        groups: [staff]
`,
    );
    const db = `sqlite:${join(dir, 'a.db')}`;
    const env = { ...process.env, ERIN_PASSWORD: 'Sup3r-secret!' };
    const first = await run(process.execPath, [BIN, 'apply', '-f', file, '--db', db], { env });
    expect(first.stdout).toMatch(/created pool us-east-1_Applied01/);
    expect(first.stdout).toMatch(/created user erin/);
    const second = await run(process.execPath, [BIN, 'apply', '-f', file, '--db', db], { env });
    expect(second.stdout).not.toMatch(/created/);
    expect(second.stdout).toMatch(/updated pool us-east-1_Applied01/);

    const server = await startServerProcess(['--db', db], { TESSERA_ACCESS_KEY_ID: 'k', TESSERA_SECRET_ACCESS_KEY: 's' });
    try {
      const sdk = new CognitoIdentityProviderClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'k', secretAccessKey: 's' } });
      const user = await sdk.send(new AdminGetUserCommand({ UserPoolId: 'us-east-1_Applied01', Username: 'erin' }));
      expect(user.UserStatus).toBe('CONFIRMED');
      const auth = await sdk.send(new InitiateAuthCommand({ ClientId: 'appliedweb0000000000000001', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'erin', PASSWORD: 'Sup3r-secret!' } }));
      expect(auth.AuthenticationResult?.AccessToken).toBeTruthy();
    } finally {
      await server.stop();
    }
  });

  it('explains what is wrong with an invalid config file', async () => {
    const file = join(tmp(), 'bad.yaml');
    writeFileSync(file, 'userPools:\n  - id: not-a-pool-id\n');
    const err = await run(process.execPath, [BIN, 'apply', '-f', file, '--db', `sqlite:${join(tmp(), 'b.db')}`]).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 1 });
    expect((err as { stderr: string }).stderr).toMatch(/userPools\.0\.name/);
  });

  it('serves Cerbos policies from --cerbos-policies, and refuses to start on ones that do not compile', async () => {
    const policies = join(fileURLToPath(new URL('../../examples/seed-003-contacts/cerbos', import.meta.url)));
    const server = await startServerProcess(['--demo', '--db', `sqlite:${join(tmp(), 't.db')}`, '--cerbos-policies', policies]);
    try {
      const res = await fetch(`${server.url}/api/check/resources`, {
        method: 'POST',
        body: JSON.stringify({ principal: { id: 'u1', roles: ['user'] }, resources: [{ resource: { kind: 'contact', id: 'c1', attr: { owner: 'u2' } }, actions: ['read', 'update'] }] }),
      });
      expect(((await res.json()) as { results: Array<{ actions: unknown }> }).results[0]?.actions).toEqual({ read: 'EFFECT_ALLOW', update: 'EFFECT_DENY' });
    } finally {
      await server.stop();
    }
    const broken = tmp();
    writeFileSync(join(broken, 'p.yaml'), 'apiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  version: default\n  resource: x\n  rules:\n    - actions: [a]\n      effect: EFFECT_ALLOW\n      roles: [r]\n      condition: { match: { expr: "R.attr ==" } }\n');
    const failed = await run(process.execPath, [BIN, 'serve', '--demo', '--db', `sqlite:${join(tmp(), 't.db')}`, '--port', '0', '--cerbos-policies', broken]).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 2, stderr: expect.stringMatching(/p\.yaml:9:\d+: invalid expression `R\.attr ==`/) });
  });

  it('tessera test runs Cerbos test suites with cerbos compile\'s exit codes', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'p.yaml'), 'apiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  version: default\n  resource: doc\n  rules:\n    - actions: [view]\n      effect: EFFECT_ALLOW\n      roles: [user]\n');
    const suite = (effect: string) => `name: Docs\nprincipals: { u: { id: u, roles: [user] } }\nresources: { d: { kind: doc, id: d1 } }\ntests:\n  - name: view\n    input: { principals: [u], resources: [d], actions: [view] }\n    expected: [{ principal: u, resource: d, actions: { view: ${effect} } }]\n`;
    writeFileSync(join(dir, 'doc_test.yaml'), suite('EFFECT_ALLOW'));
    const ok = await run(process.execPath, [BIN, 'test', dir]);
    expect(ok.stdout).toContain('1 tests executed [1 OK]');
    writeFileSync(join(dir, 'doc_test.yaml'), suite('EFFECT_DENY'));
    const failed = await run(process.execPath, [BIN, 'test', dir]).catch((e: { code: number; stdout: string }) => e);
    expect(failed).toMatchObject({ code: 4, stdout: expect.stringContaining('OUTCOME: expected: EFFECT_DENY, actual: EFFECT_ALLOW') });
  });

  it('serves from several worker processes that share the port and the database, and stops them all', async () => {
    const server = await startServerProcess(['--demo', '--db', `sqlite:${join(tmp(), 't.db')}`, '--workers', '2']);
    const pids = /\(2 worker processes: (\d+) (\d+)\)/.exec(server.output())?.slice(1).map(Number) ?? [];
    try {
      expect(pids).toHaveLength(2);
      const admin = new CognitoIdentityProviderClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      // Sign-ins land on either worker; each one verifies what the other issued, through the shared database.
      for (let i = 0; i < 4; i++) {
        const auth = await admin.send(new InitiateAuthCommand({ ClientId: 'demospa0000000000000000001', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice', PASSWORD: 'Passw0rd!' } }));
        for (let j = 0; j < 3; j++) {
          const user = await admin.send(new GetUserCommand({ AccessToken: auth.AuthenticationResult!.AccessToken! }));
          expect(user.Username).toBe('alice');
        }
      }
      admin.destroy();
    } finally {
      await server.stop();
    }
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });

  it.each([1, 2])('fronts an upstream with the gateway on its own port (%i worker processes), authorizing by Cognito group', async (workers) => {
    const upstream = createServer((req, res) => res.end(JSON.stringify({ path: req.url, sub: req.headers['x-tessera-sub'] ?? null })));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const dir = tmp();
    writeFileSync(
      join(dir, 'gateway.yaml'),
      `gateway:\n  routes:\n    - { path: /movies, methods: [GET], upstream: '${upstreamUrl}', authorizer: { type: groups, userPool: us-east-1_TesseraDemo, groups: [movies-group] } }\n    - { path: /shows, methods: [GET], upstream: '${upstreamUrl}', authorizer: { type: groups, userPool: us-east-1_TesseraDemo, groups: [shows-group] } }\n`,
    );
    const server = await startServerProcess(['--demo', '--db', `sqlite:${join(dir, 't.db')}`, '--config', join(dir, 'gateway.yaml'), '--gateway-port', '0', '--workers', String(workers)]);
    try {
      const gateway = /Tessera gateway listening on (http:\/\/\S+)/.exec(server.output())?.[1];
      expect(gateway).toBeDefined();
      const cognito = new CognitoIdentityProviderClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      const auth = await cognito.send(new InitiateAuthCommand({ ClientId: 'demospa0000000000000000001', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice', PASSWORD: 'Passw0rd!' } }));
      cognito.destroy();
      const bearer = { authorization: `Bearer ${auth.AuthenticationResult!.AccessToken!}` };
      const movies = await fetch(`${gateway}/movies`, { headers: bearer });
      expect(movies.status).toBe(200);
      expect(await movies.json()).toEqual({ path: '/movies', sub: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect((await fetch(`${gateway}/shows`, { headers: bearer })).status).toBe(403);
      expect((await fetch(`${gateway}/movies`)).status).toBe(401);
    } finally {
      await server.stop();
      upstream.close();
    }
  });

  it('refuses to start a gateway whose routes name a pool that does not exist', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'gateway.yaml'), `gateway:\n  routes:\n    - { path: /x, upstream: 'http://127.0.0.1:9', authorizer: { type: groups, userPool: nowhere, groups: [g] } }\n`);
    const failed = await startServerProcess(['--demo', '--db', `sqlite:${join(dir, 't.db')}`, '--config', join(dir, 'gateway.yaml'), '--gateway-port', '0']).catch((e: Error) => e);
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toMatch(/exited with 2[\s\S]*gateway route 1[\s\S]*nowhere/);
  });

  it('issues a Permit API key once, keeping only its hash, and the key opens its environment', async () => {
    const dir = tmp();
    const db = `sqlite:${join(dir, 't.db')}`;
    const { stdout } = await run(process.execPath, [BIN, 'rbac', 'create-api-key', '--environment', 'staging', '--db', db]);
    const key = stdout.trim();
    expect(key).toMatch(/^permit_key_[A-Za-z0-9_-]{43}$/);
    const server = await startServerProcess(['--demo', '--db', db]);
    try {
      const scope = await fetch(`${server.url}/v2/api-key/scope`, { headers: { authorization: `Bearer ${key}` } });
      expect(scope.status).toBe(200);
      const { environment_id } = (await scope.json()) as { environment_id: string };
      const demo = await fetch(`${server.url}/v2/api-key/scope`, { headers: { authorization: 'Bearer permit_key_tessera_demo_change_me' } });
      expect(((await demo.json()) as { environment_id: string }).environment_id).not.toBe(environment_id);
    } finally {
      await server.stop();
    }
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(join(dir, 't.db'), { readonly: true });
    const stored = raw.prepare('select key_hash from rbac_api_keys').all() as Array<{ key_hash: string }>;
    raw.close();
    expect(stored.map((r) => r.key_hash)).not.toContain(key);
    expect(JSON.stringify(stored)).not.toContain(key.slice(11));
  });
});
