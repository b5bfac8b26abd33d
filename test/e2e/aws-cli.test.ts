import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AdminCreateUserCommand, AdminSetUserPasswordCommand } from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_CREDENTIALS, REGION, startTestServer, type TestServer } from '../support/server.ts';

// Seed 003 (Cognito + Cerbos): pool, client, groups `admin` and `user`, then users made with the
// AWS CLI exactly as the walkthrough types them. Drives Debian's AWS CLI v2; another `aws` may come
// first on PATH, so always the absolute path.
const AWS = '/usr/bin/aws';
const PASSWORD = 'Sup3r-Secret!';
const run = promisify(execFile);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the AWS CLI against Tessera (seed 003)', () => {
  let s: TestServer;
  let home: string;

  /** Runs `aws cognito-idp …` with only the environment we give it: no user config, no pager, one attempt. */
  async function aws(args: string[], opts: { credentials?: { accessKeyId: string; secretAccessKey: string } | null } = {}): Promise<CliResult> {
    const credentials = opts.credentials === undefined ? ADMIN_CREDENTIALS : opts.credentials;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: home,
      LANG: 'C.UTF-8',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_DEFAULT_REGION: REGION,
      AWS_PAGER: '',
      AWS_MAX_ATTEMPTS: '1',
      AWS_RETRY_MODE: 'standard',
      ...(credentials && { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey }),
    };
    try {
      const { stdout, stderr } = await run(AWS, ['cognito-idp', ...args, '--endpoint-url', s.url, '--output', 'json'], { env, timeout: 60_000, maxBuffer: 32 * 1024 * 1024 });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code?: number | string; stdout?: string; stderr?: string };
      if (typeof err.code !== 'number') throw e;
      return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
    }
  }

  /** Like `aws`, but the call must succeed; returns the parsed JSON output (or {} for empty output). */
  async function awsJson<T = Record<string, any>>(args: string[], opts?: Parameters<typeof aws>[1]): Promise<T> {
    const r = await aws(args, opts);
    if (r.code !== 0) throw new Error(`aws ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return (r.stdout.trim() ? JSON.parse(r.stdout) : {}) as T;
  }

  const attribute = (list: Array<{ Name: string; Value: string }>, name: string) => list.find((a) => a.Name === name)?.Value;

  let poolId: string;
  let clientId: string;
  let createdPool: Record<string, any>;
  let createdClient: Record<string, any>;
  let createdGroups: Array<Record<string, any>>;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'tessera-aws-cli-'));
    s = await startTestServer();
    // The walkthrough's console choice "sign in with email" is the pool's UsernameAttributes.
    createdPool = (await awsJson(['create-user-pool', '--pool-name', 'cerbos-demo', '--username-attributes', 'email'])).UserPool;
    poolId = createdPool.Id;
    createdClient = (
      await awsJson([
        'create-user-pool-client',
        '--user-pool-id',
        poolId,
        '--client-name',
        'cerbos-fastapi',
        '--explicit-auth-flows',
        'ALLOW_ADMIN_USER_PASSWORD_AUTH',
        'ALLOW_USER_PASSWORD_AUTH',
        'ALLOW_REFRESH_TOKEN_AUTH',
        '--callback-urls',
        'http://localhost:8000/callback',
        '--logout-urls',
        'http://localhost:8000',
      ])
    ).UserPoolClient;
    clientId = createdClient.ClientId;
    createdGroups = [];
    for (const group of ['admin', 'user']) createdGroups.push((await awsJson(['create-group', '--user-pool-id', poolId, '--group-name', group])).Group);
  }, 120_000);

  afterAll(async () => {
    await s?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('creates the user pool, the app client and both groups through the CLI', async () => {
    expect(poolId).toMatch(/^us-east-1_[A-Za-z0-9]+$/);
    expect(createdPool.Name).toBe('cerbos-demo');
    expect(createdPool.UsernameAttributes).toEqual(['email']);
    // The CLI renders epoch-second timestamps as ISO 8601 strings.
    expect(Math.abs(Date.parse(createdPool.CreationDate) - Date.now())).toBeLessThan(120_000);
    expect(createdClient.UserPoolId).toBe(poolId);
    expect(createdClient.ExplicitAuthFlows).toEqual(expect.arrayContaining(['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_USER_PASSWORD_AUTH']));
    expect(createdClient.CallbackURLs).toEqual(['http://localhost:8000/callback']);
    expect(createdGroups.map((g) => g.GroupName)).toEqual(['admin', 'user']);
    expect(createdGroups.every((g) => g.UserPoolId === poolId)).toBe(true);
    const listed = await awsJson(['list-groups', '--user-pool-id', poolId]);
    expect(listed.Groups.map((g: { GroupName: string }) => g.GroupName).sort()).toEqual(['admin', 'user']);
  }, 60_000);

  it('creates a user by email, makes the password permanent, adds the user to a group and signs in as administrator', async () => {
    const email = 'alice@example.com';
    const created = (await awsJson(['admin-create-user', '--user-pool-id', poolId, '--username', email])).User;
    expect(created.UserStatus).toBe('FORCE_CHANGE_PASSWORD');
    expect(attribute(created.Attributes, 'email')).toBe(email);

    const set = await aws(['admin-set-user-password', '--user-pool-id', poolId, '--username', email, '--password', PASSWORD, '--permanent']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout.trim()).toBe('');
    const added = await aws(['admin-add-user-to-group', '--user-pool-id', poolId, '--username', email, '--group-name', 'admin']);
    expect(added.code, added.stderr).toBe(0);

    const got = await awsJson(['admin-get-user', '--user-pool-id', poolId, '--username', email]);
    expect(got.UserStatus).toBe('CONFIRMED');
    expect(got.Enabled).toBe(true);
    expect(attribute(got.UserAttributes, 'email')).toBe(email);
    const sub = attribute(got.UserAttributes, 'sub');
    expect(sub).toMatch(/^[0-9a-f-]{36}$/);
    // In a pool that signs in with email, the username proper is the sub, as in Cognito.
    expect(got.Username).toBe(sub);
    expect(created.Username).toBe(sub);
    for (const field of ['UserCreateDate', 'UserLastModifiedDate']) {
      expect(typeof got[field]).toBe('string');
      expect(Math.abs(Date.parse(got[field]) - Date.now())).toBeLessThan(120_000);
    }
    expect(Date.parse(got.UserLastModifiedDate)).toBeGreaterThanOrEqual(Date.parse(got.UserCreateDate));

    const groups = await awsJson(['admin-list-groups-for-user', '--user-pool-id', poolId, '--username', email]);
    expect(groups.Groups.map((g: { GroupName: string }) => g.GroupName)).toEqual(['admin']);

    const found = await awsJson(['list-users', '--user-pool-id', poolId, '--filter', `email = "${email}"`]);
    expect(found.Users).toHaveLength(1);
    expect(found.Users[0].Username).toBe(got.Username);
    expect(found.Users[0].UserStatus).toBe('CONFIRMED');
    const none = await awsJson(['list-users', '--user-pool-id', poolId, '--filter', 'email = "nobody@example.com"']);
    expect(none.Users).toEqual([]);

    const auth = await awsJson([
      'admin-initiate-auth',
      '--user-pool-id',
      poolId,
      '--client-id',
      clientId,
      '--auth-flow',
      'ADMIN_USER_PASSWORD_AUTH',
      '--auth-parameters',
      `USERNAME=${email},PASSWORD=${PASSWORD}`,
    ]);
    expect(auth.ChallengeName).toBeUndefined();
    const result = auth.AuthenticationResult;
    expect(result.TokenType).toBe('Bearer');
    expect(result.ExpiresIn).toBe(3600);
    expect(result.RefreshToken).toBeTruthy();
    const id = decodeJwt(result.IdToken);
    expect(id.token_use).toBe('id');
    expect(id.aud).toBe(clientId);
    expect(id.sub).toBe(sub);
    expect(id.email).toBe(email);
    expect(id['cognito:username']).toBe(sub);
    expect(id['cognito:groups']).toEqual(['admin']);
    expect(id.iss).toBe(s.tessera.tokens.issuer(poolId));
    const access = decodeJwt(result.AccessToken);
    expect(access.token_use).toBe('access');
    expect(access.client_id).toBe(clientId);
    expect(access['cognito:groups']).toEqual(['admin']);
  }, 60_000);

  it('signs in with initiate-auth USER_PASSWORD_AUTH without signing the request', async () => {
    const email = 'bob@example.com';
    await awsJson(['admin-create-user', '--user-pool-id', poolId, '--username', email, '--message-action', 'SUPPRESS']);
    await awsJson(['admin-set-user-password', '--user-pool-id', poolId, '--username', email, '--password', PASSWORD, '--permanent']);
    await awsJson(['admin-add-user-to-group', '--user-pool-id', poolId, '--username', email, '--group-name', 'user']);

    // No credentials at all: the public operation needs none.
    const auth = await awsJson(
      ['initiate-auth', '--no-sign-request', '--client-id', clientId, '--auth-flow', 'USER_PASSWORD_AUTH', '--auth-parameters', `USERNAME=${email},PASSWORD=${PASSWORD}`],
      { credentials: null },
    );
    const id = decodeJwt(auth.AuthenticationResult.IdToken);
    expect(id.email).toBe(email);
    expect(id['cognito:groups']).toEqual(['user']);

    const me = await awsJson(['get-user', '--no-sign-request', '--access-token', auth.AuthenticationResult.AccessToken], { credentials: null });
    expect(attribute(me.UserAttributes, 'email')).toBe(email);

    const wrong = await aws(
      ['initiate-auth', '--no-sign-request', '--client-id', clientId, '--auth-flow', 'USER_PASSWORD_AUTH', '--auth-parameters', `USERNAME=${email},PASSWORD=Wr0ng-Password!`],
      { credentials: null },
    );
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('NotAuthorizedException');
  }, 60_000);

  it('returns every user of a large pool through the CLI auto-pagination of list-users', async () => {
    const pool = (await awsJson(['create-user-pool', '--pool-name', 'many-users'])).UserPool;
    const total = 75;
    const names = Array.from({ length: total }, (_, i) => `user-${String(i).padStart(3, '0')}`);
    for (const name of names) {
      await s.admin.send(new AdminCreateUserCommand({ UserPoolId: pool.Id, Username: name, MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: `${name}@example.com` }] }));
    }
    // The server stops at 60 a page and hands out a PaginationToken…
    const page = await awsJson(['list-users', '--user-pool-id', pool.Id, '--no-paginate']);
    expect(page.Users).toHaveLength(60);
    expect(page.PaginationToken).toBeTruthy();
    // …which the CLI follows on its own to return the rest.
    const all = await awsJson(['list-users', '--user-pool-id', pool.Id]);
    expect(all.Users).toHaveLength(total);
    expect(all.PaginationToken).toBeUndefined();
    expect(all.Users.map((u: { Username: string }) => u.Username).sort()).toEqual(names);

    // Small pages: many round trips, still every user exactly once.
    const small = await awsJson(['list-users', '--user-pool-id', pool.Id, '--page-size', '7']);
    expect(small.Users.map((u: { Username: string }) => u.Username).sort()).toEqual(names);

    // --max-items stops early and hands back a token the CLI understands.
    const first = await awsJson(['list-users', '--user-pool-id', pool.Id, '--max-items', '50']);
    expect(first.Users).toHaveLength(50);
    expect(first.NextToken).toBeTruthy();
    const rest = await awsJson(['list-users', '--user-pool-id', pool.Id, '--starting-token', first.NextToken]);
    expect([...first.Users, ...rest.Users].map((u: { Username: string }) => u.Username).sort()).toEqual(names);
  }, 120_000);

  it('fails with InvalidSignatureException when the secret key is wrong', async () => {
    const r = await aws(['list-users', '--user-pool-id', poolId], { credentials: { accessKeyId: ADMIN_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('InvalidSignatureException');
    expect(r.stdout.trim()).toBe('');
  }, 60_000);

  it('fails with UnrecognizedClientException when the access key is unknown', async () => {
    const r = await aws(['list-users', '--user-pool-id', poolId], { credentials: { accessKeyId: 'AKIDNOBODYKNOWS', secretAccessKey: ADMIN_CREDENTIALS.secretAccessKey } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('UnrecognizedClientException');
  }, 60_000);

  it('refuses an unsigned administrator call', async () => {
    const r = await aws(['list-users', '--no-sign-request', '--user-pool-id', poolId], { credentials: null });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('MissingAuthenticationTokenException');
  }, 60_000);

  it('fails with UserNotFoundException for admin-get-user of a missing user', async () => {
    const r = await aws(['admin-get-user', '--user-pool-id', poolId, '--username', 'ghost@example.com']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('UserNotFoundException');
    expect(r.stderr).toContain('AdminGetUser');
  }, 60_000);

  it('rejects a password that breaks the default policy with InvalidPasswordException', async () => {
    await awsJson(['admin-create-user', '--user-pool-id', poolId, '--username', 'carol@example.com', '--message-action', 'SUPPRESS']);
    const r = await aws(['admin-set-user-password', '--user-pool-id', poolId, '--username', 'carol@example.com', '--password', 'short', '--permanent']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('InvalidPasswordException');
  }, 60_000);

  it('keeps the SDK and the CLI views of a user in agreement', async () => {
    await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'dave@example.com', MessageAction: 'SUPPRESS' }));
    await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'dave@example.com', Password: PASSWORD, Permanent: true }));
    const got = await awsJson(['admin-get-user', '--user-pool-id', poolId, '--username', 'dave@example.com']);
    expect(got.UserStatus).toBe('CONFIRMED');
    expect(attribute(got.UserAttributes, 'email')).toBe('dave@example.com');
  }, 60_000);
});
