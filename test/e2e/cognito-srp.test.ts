import { createHmac } from 'node:crypto';
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  type ChallengeNameType,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import AuthenticationHelper from 'amazon-cognito-identity-js/lib/AuthenticationHelper.js';
import BigInteger from 'amazon-cognito-identity-js/lib/BigInteger.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SRP_N_HEX } from '../../src/crypto/srp.ts';
import { expectError } from '../support/expect-error.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * USER_SRP_AUTH over the wire with the AWS SDK, the client's math done by amazon-cognito-identity-js'
 * own helper: what a correct client gets, and what malformed, replayed, stale or forged answers get.
 */

type Helper = {
  getLargeAValue(cb: (err: unknown, A: { toString(radix: number): string }) => void): void;
  getPasswordAuthenticationKey(user: string, password: string, B: unknown, salt: unknown, cb: (err: unknown, hkdf: Buffer) => void): void;
};
const Helper = ((AuthenticationHelper as { default?: unknown }).default ?? AuthenticationHelper) as new (poolName: string) => Helper;
const Big = ((BigInteger as { default?: unknown }).default ?? BigInteger) as new (hex: string, radix: number) => unknown;

const PASSWORD = 'Srp-Passw0rd!';
const INCORRECT = 'Incorrect username or password.';
const N_HEX = SRP_N_HEX;

/** Cognito's TIMESTAMP for an instant. */
function timestampOf(at: number): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()]} ${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()]} ${d.getUTCDate()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

describe('USER_SRP_AUTH over the wire', () => {
  let s: TestServer;
  let poolId: string;
  let poolName: string;
  let clientId: string;
  let legacyClientId: string;
  let noSrpClientId: string;

  beforeAll(async () => {
    s = await startTestServer();
    poolId = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'srp' }))).UserPool!.Id!;
    poolName = poolId.split('_')[1]!;
    const client = async (ClientName: string, extra: object) =>
      (await s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName, ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'], ...extra }))).UserPoolClient!.ClientId!;
    clientId = await client('app', {});
    legacyClientId = await client('legacy', { PreventUserExistenceErrors: 'LEGACY' });
    noSrpClientId = (await s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'no-srp', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }))).UserPoolClient!.ClientId!;
    for (const Username of ['ursula', 'victor', 'wanda', 'xavier']) {
      await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username, MessageAction: 'SUPPRESS' }));
      await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username, Password: PASSWORD, Permanent: true }));
    }
  });
  afterAll(async () => s?.close());

  /** InitiateAuth with a fresh A from the library's helper. */
  async function start(username: string, client = clientId) {
    const helper = new Helper(poolName);
    const A = await new Promise<string>((resolve, reject) => helper.getLargeAValue((e, a) => (e ? reject(e) : resolve(a.toString(16)))));
    const out = await s.anonymous.send(new InitiateAuthCommand({ ClientId: client, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: username, SRP_A: A } }));
    return { helper, out, params: out.ChallengeParameters! };
  }

  /** The library's answer to a challenge, with any field overridable. */
  async function answer(c: Awaited<ReturnType<typeof start>>, password: string, o: { timestamp?: string; username?: string; secretBlock?: string } = {}) {
    const p = c.params;
    const hkdf = await new Promise<Buffer>((resolve, reject) => c.helper.getPasswordAuthenticationKey(p.USER_ID_FOR_SRP!, password, new Big(p.SRP_B!, 16), new Big(p.SALT!, 16), (e, k) => (e ? reject(e) : resolve(k))));
    const timestamp = o.timestamp ?? timestampOf(Date.now());
    const secretBlock = o.secretBlock ?? p.SECRET_BLOCK!;
    const signature = createHmac('sha256', hkdf).update(Buffer.concat([Buffer.from(poolName), Buffer.from(p.USER_ID_FOR_SRP!), Buffer.from(secretBlock, 'base64'), Buffer.from(timestamp)])).digest('base64');
    return { USERNAME: o.username ?? p.USER_ID_FOR_SRP!, PASSWORD_CLAIM_SECRET_BLOCK: secretBlock, PASSWORD_CLAIM_SIGNATURE: signature, TIMESTAMP: timestamp };
  }

  const respond = (ChallengeResponses: Record<string, string>, client = clientId) =>
    s.anonymous.send(new RespondToAuthChallengeCommand({ ClientId: client, ChallengeName: 'PASSWORD_VERIFIER' as ChallengeNameType, ChallengeResponses }));

  it('answers InitiateAuth with the PASSWORD_VERIFIER challenge and its parameters, and the right claim with tokens', async () => {
    const c = await start('ursula');
    expect(c.out.ChallengeName).toBe('PASSWORD_VERIFIER');
    expect(c.params).toEqual({ SALT: expect.stringMatching(/^[0-9a-f]+$/), SRP_B: expect.stringMatching(/^[0-9a-f]+$/), SECRET_BLOCK: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/), USERNAME: 'ursula', USER_ID_FOR_SRP: 'ursula' });
    const out = await respond(await answer(c, PASSWORD));
    expect(out.AuthenticationResult?.AccessToken).toBeDefined();
    expect(out.AuthenticationResult?.RefreshToken).toBeDefined();
  });

  it('refuses SRP_A values that are not numbers of the group, before any challenge', async () => {
    for (const SRP_A of ['0', N_HEX, `${N_HEX}00`, 'not-hex', 'a'.repeat(1025)]) {
      await expectError(
        s.anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'ursula', SRP_A } })),
        'InvalidParameterException',
        'SRP_A is not a valid SRP public value.',
      );
    }
    await expectError(s.anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'ursula' } })), 'InvalidParameterException', 'Missing required parameter SRP_A');
  });

  it('accepts a secret block once: a replayed answer is refused', async () => {
    const c = await start('victor');
    const claim = await answer(c, PASSWORD);
    expect((await respond(claim)).AuthenticationResult).toBeDefined();
    await expectError(respond(claim), 'NotAuthorizedException', 'Invalid session for the user.');
  });

  it('refuses a stale or malformed TIMESTAMP, and a secret block it never issued', async () => {
    const stale = await start('victor');
    await expectError(respond(await answer(stale, PASSWORD, { timestamp: timestampOf(Date.now() - 10 * 60_000) })), 'NotAuthorizedException', /five minutes/);
    const malformed = await start('victor');
    await expectError(respond(await answer(malformed, PASSWORD, { timestamp: '2024-02-06T09:05:03Z' })), 'InvalidParameterException', /TIMESTAMP/);
    const forged = await start('victor');
    await expectError(respond(await answer(forged, PASSWORD, { secretBlock: Buffer.from('made up').toString('base64') })), 'NotAuthorizedException', 'Invalid session for the user.');
  });

  it('refuses an answer naming another user than the challenge was for', async () => {
    const c = await start('victor');
    await expectError(respond(await answer(c, PASSWORD, { username: 'ursula' })), 'NotAuthorizedException', INCORRECT);
  });

  it('counts wrong claims toward the lock, which then refuses even the right password', async () => {
    let failures = 0;
    let locked: Error | undefined;
    while (!locked && failures < 10) {
      const c = await start('wanda').catch((e: Error) => e);
      if (c instanceof Error) locked = c;
      else {
        await expectError(respond(await answer(c, 'Wrong-Passw0rd!')), 'NotAuthorizedException', INCORRECT);
        failures++;
      }
    }
    expect(locked?.message).toBe('Password attempts exceeded');
    expect(failures).toBeGreaterThanOrEqual(5);
    await expectError(start('wanda'), 'NotAuthorizedException', 'Password attempts exceeded');
  });

  it('gives an unknown user a challenge like a real one, with a stable salt, that fails like a wrong password', async () => {
    const first = await start('nobody');
    const second = await start('nobody');
    expect(first.params.USER_ID_FOR_SRP).toBe('nobody');
    expect(first.params.SALT).toBe(second.params.SALT);
    expect(first.params.SALT).toHaveLength((await start('ursula')).params.SALT!.length);
    await expectError(respond(await answer(first, PASSWORD)), 'NotAuthorizedException', INCORRECT);
  });

  it('names an unknown user at once when the client has PreventUserExistenceErrors LEGACY', async () => {
    await expectError(start('nobody', legacyClientId), 'UserNotFoundException', 'User does not exist.');
  });

  it('refuses USER_SRP_AUTH for a client that does not allow it', async () => {
    await expectError(start('ursula', noSrpClientId), 'InvalidParameterException', 'USER_SRP_AUTH flow not enabled for this client');
  });

  it('gives a password set before SRP existed its verifier at the next password sign-in', async () => {
    await s.tessera.store.db.updateTable('users').set({ srp_salt: null, srp_verifier: null }).where('username', '=', 'xavier').execute();
    await expectError(respond(await answer(await start('xavier'), PASSWORD)), 'NotAuthorizedException', INCORRECT);
    await s.anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'xavier', PASSWORD } }));
    expect((await respond(await answer(await start('xavier'), PASSWORD))).AuthenticationResult).toBeDefined();
  });

  it('never stores the password: only an argon2id hash and an SRP verifier', async () => {
    const row = await s.tessera.store.db.selectFrom('users').select(['password_hash', 'srp_salt', 'srp_verifier']).where('username', '=', 'ursula').executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.srp_verifier).toMatch(/^[0-9a-f]{100,}$/);
    expect(JSON.stringify(row)).not.toContain(PASSWORD);
  });
});

describe('USER_SRP_AUTH for a client with a secret, in a pool that signs in by email', () => {
  let s: TestServer;
  let poolId: string;
  let client: { id: string; secret: string };
  const secretHash = (username: string) => createHmac('sha256', client.secret).update(username + client.id).digest('base64');

  beforeAll(async () => {
    s = await startTestServer();
    poolId = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'srp-email', UsernameAttributes: ['email'] }))).UserPool!.Id!;
    const c = (await s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'server', GenerateSecret: true, ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!;
    client = { id: c.ClientId!, secret: c.ClientSecret! };
    await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'yara@example.com', MessageAction: 'SUPPRESS' }));
    await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'yara@example.com', Password: PASSWORD, Permanent: true }));
  });
  afterAll(async () => s?.close());

  it('names the user by sub in USER_ID_FOR_SRP and takes the secret hash over it or over the email typed', async () => {
    const poolName = poolId.split('_')[1]!;
    for (const hashOver of ['sub', 'email'] as const) {
      const helper = new Helper(poolName);
      const A = await new Promise<string>((resolve, reject) => helper.getLargeAValue((e, a) => (e ? reject(e) : resolve(a.toString(16)))));
      const out = await s.anonymous.send(new InitiateAuthCommand({ ClientId: client.id, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'yara@example.com', SRP_A: A, SECRET_HASH: secretHash('yara@example.com') } }));
      const p = out.ChallengeParameters!;
      expect(p.USER_ID_FOR_SRP).toMatch(/^[0-9a-f-]{36}$/);
      const hkdf = await new Promise<Buffer>((resolve, reject) => helper.getPasswordAuthenticationKey(p.USER_ID_FOR_SRP!, PASSWORD, new Big(p.SRP_B!, 16), new Big(p.SALT!, 16), (e, k) => (e ? reject(e) : resolve(k))));
      const timestamp = timestampOf(Date.now());
      const signature = createHmac('sha256', hkdf).update(Buffer.concat([Buffer.from(poolName), Buffer.from(p.USER_ID_FOR_SRP!), Buffer.from(p.SECRET_BLOCK!, 'base64'), Buffer.from(timestamp)])).digest('base64');
      const result = await s.anonymous.send(
        new RespondToAuthChallengeCommand({
          ClientId: client.id,
          ChallengeName: 'PASSWORD_VERIFIER',
          ChallengeResponses: { USERNAME: p.USER_ID_FOR_SRP!, PASSWORD_CLAIM_SECRET_BLOCK: p.SECRET_BLOCK!, PASSWORD_CLAIM_SIGNATURE: signature, TIMESTAMP: timestamp, SECRET_HASH: secretHash(hashOver === 'sub' ? p.USER_ID_FOR_SRP! : 'yara@example.com') },
        }),
      );
      expect(result.AuthenticationResult?.IdToken, hashOver).toBeDefined();
    }
  });

  it('refuses a missing or wrong secret hash', async () => {
    await expectError(s.anonymous.send(new InitiateAuthCommand({ ClientId: client.id, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'yara@example.com', SRP_A: 'abc' } })), 'NotAuthorizedException', /SECRET_HASH|secret hash/i);
    await expectError(
      s.anonymous.send(new InitiateAuthCommand({ ClientId: client.id, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'yara@example.com', SRP_A: 'abc', SECRET_HASH: secretHash('someone@else') } })),
      'NotAuthorizedException',
      /secret hash/i,
    );
  });
});
