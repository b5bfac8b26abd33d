import { request as httpRequest } from 'node:http';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CognitoIdentityProviderServiceException,
  CreateGroupCommand,
  CreateResourceServerCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  GetUserCommand,
  InitiateAuthCommand,
  ListGroupsCommand,
  ListResourceServersCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  ListUsersCommand,
  ListUsersInGroupCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { cognitoIdentityProvider } from '../../../src/protocols/awsjson/cognito-idp.ts';
import type { UserPools } from '../../../src/userpools/index.ts';
import { ADMIN_CREDENTIALS, REGION, startTestServer, type TestServer } from '../../support/server.ts';

// The table is only read here, never run, so it needs no services behind it.
const table = cognitoIdentityProvider({} as UserPools, REGION);
const SERVICE = table.targetPrefix;
const operationNames = Object.keys(table.operations);
const adminOps = operationNames.filter((name) => table.operations[name]!.auth === 'sigv4');
const publicOps = operationNames.filter((name) => table.operations[name]!.auth === 'none');

const AMZ_JSON = 'application/x-amz-json-1.1';
const PASSWORD = 'Passw0rd!';
const SIGNATURE_MISMATCH = /^The request signature we calculated does not match the signature you provided\./;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function exchange(url: string, headers: Record<string, string>, body: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface SignOptions {
  credentials?: { accessKeyId: string; secretAccessKey: string };
  signingDate?: Date;
  region?: string;
  service?: string;
  /** Send x-amz-content-sha256 as S3 clients do; the Cognito SDK does not. */
  applyChecksum?: boolean;
  /** The target that was signed, when the request then names another. */
  signedTarget?: string;
  /** The body that was signed, when the request then carries another. */
  signedBody?: string;
  extraSignedHeaders?: Record<string, string>;
}

/** Signs a raw AWS JSON request with @smithy/signature-v4, as the SDK would, then lets a test tamper with it. */
async function signedCall(url: string, target: string, body: string, o: SignOptions = {}): Promise<Reply> {
  const { host, hostname, port } = new URL(url);
  const request = new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname,
    port: Number(port),
    path: '/',
    headers: { host, 'content-type': AMZ_JSON, 'x-amz-target': o.signedTarget ?? target, ...o.extraSignedHeaders },
    body: o.signedBody ?? body,
  });
  const signer = new SignatureV4({
    service: o.service ?? 'cognito-idp',
    region: o.region ?? REGION,
    credentials: o.credentials ?? ADMIN_CREDENTIALS,
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: o.applyChecksum ?? false,
  });
  const signed = await signer.sign(request, o.signingDate ? { signingDate: o.signingDate } : {});
  return exchange(url, { ...(signed.headers as Record<string, string>), 'x-amz-target': target }, body);
}

function unsignedCall(url: string, target: string, body: string): Promise<Reply> {
  return exchange(url, { 'content-type': AMZ_JSON, 'x-amz-target': target }, body);
}

function awsError(reply: Reply): { __type: string; message: string } {
  expect(reply.status, reply.text).toBe(400);
  const body = JSON.parse(reply.text) as { __type: string; message: string };
  expect(reply.headers['x-amzn-errortype']).toBe(`${body.__type}:`);
  return body;
}

const AUTH_ERRORS = ['MissingAuthenticationTokenException', 'IncompleteSignatureException', 'UnrecognizedClientException', 'InvalidSignatureException'];

interface Fixture {
  poolId: string;
  clientId: string;
}

/**
 * A body each admin operation would accept, aimed at the fixture so that running it would leave a
 * visible mark (a new pool, a deleted user, a changed attribute…).
 */
function sampleInput(op: string, f: Fixture): Record<string, unknown> {
  const samples: Record<string, unknown> = {
    UserPoolId: f.poolId,
    ClientId: f.clientId,
    Username: { AdminCreateUser: 'intruder', AdminEnableUser: 'sleeper', AdminConfirmSignUp: 'pending' }[op] ?? 'victim',
    GroupName: { CreateGroup: 'intruders', AdminAddUserToGroup: 'other' }[op] ?? 'staff',
    PoolName: 'intruder-pool',
    ClientName: 'intruder-client',
    Password: 'Intrud3r-Passw0rd!',
    Permanent: true,
    DeletionProtection: 'ACTIVE',
    UserAttributes: [{ Name: 'email', Value: 'intruder@example.com' }],
    UserAttributeNames: ['name'],
    MessageAction: 'SUPPRESS',
    Description: 'defaced',
    Precedence: 1,
    MaxResults: 10,
    AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: 'victim', PASSWORD },
    ChallengeName: 'NEW_PASSWORD_REQUIRED',
    ChallengeResponses: { USERNAME: 'victim', NEW_PASSWORD: 'Intrud3r-Passw0rd!' },
    Identifier: { CreateResourceServer: 'intruders-api' }[op] ?? 'api',
    Name: 'defaced',
    Scopes: [{ ScopeName: 'pwn', ScopeDescription: 'defaced' }],
  };
  const shape = (table.operations[op]!.input as unknown as { shape: Record<string, unknown> }).shape;
  return Object.fromEntries(Object.keys(shape).filter((k) => k in samples).map((k) => [k, samples[k]]));
}

describe('SigV4 on the AWS JSON endpoint', () => {
  let s: TestServer;
  let f: Fixture;
  let before: unknown;
  let victimTokens: { AccessToken?: string; RefreshToken?: string };
  const spies: Array<{ name: string; spy: MockInstance }> = [];

  /** Names of domain-service methods that ran since the last call. */
  function domainCalls(): string[] {
    const names = spies.filter(({ spy }) => spy.mock.calls.length > 0).map(({ name }) => name);
    for (const { spy } of spies) spy.mockClear();
    return names;
  }

  async function state(): Promise<unknown> {
    const strip = <T extends { $metadata?: unknown }>(o: T) => ({ ...o, $metadata: undefined });
    const { poolId, clientId } = f;
    return {
      pools: strip(await s.admin.send(new ListUserPoolsCommand({ MaxResults: 60 }))),
      pool: strip(await s.admin.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))),
      clients: strip(await s.admin.send(new ListUserPoolClientsCommand({ UserPoolId: poolId }))),
      client: strip(await s.admin.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }))),
      users: strip(await s.admin.send(new ListUsersCommand({ UserPoolId: poolId }))),
      victim: strip(await s.admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'victim' }))),
      sleeper: strip(await s.admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'sleeper' }))),
      pending: strip(await s.admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'pending' }))),
      groups: strip(await s.admin.send(new ListGroupsCommand({ UserPoolId: poolId }))),
      victimGroups: strip(await s.admin.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: 'victim' }))),
      staff: strip(await s.admin.send(new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: 'staff' }))),
      resourceServers: strip(await s.admin.send(new ListResourceServersCommand({ UserPoolId: poolId }))),
    };
  }

  beforeAll(async () => {
    s = await startTestServer();
    const poolId = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'guarded', AutoVerifiedAttributes: ['email'] }))).UserPool!.Id!;
    const clientId = (
      await s.admin.send(
        new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }),
      )
    ).UserPoolClient!.ClientId!;
    f = { poolId, clientId };
    await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'victim', UserAttributes: [{ Name: 'email', Value: 'victim@example.com' }, { Name: 'name', Value: 'Victim' }], MessageAction: 'SUPPRESS' }));
    await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'victim', Password: PASSWORD, Permanent: true }));
    await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'sleeper', MessageAction: 'SUPPRESS' }));
    await s.admin.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: 'sleeper' }));
    await s.anonymous.send(new SignUpCommand({ ClientId: clientId, Username: 'pending', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'pending@example.com' }] }));
    await s.admin.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'staff', Description: 'the staff', Precedence: 5 }));
    await s.admin.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'other' }));
    await s.admin.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'victim', GroupName: 'staff' }));
    await s.admin.send(new CreateResourceServerCommand({ UserPoolId: poolId, Identifier: 'api', Name: 'API', Scopes: [{ ScopeName: 'read', ScopeDescription: 'Read' }] }));
    victimTokens = (await s.anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'victim', PASSWORD } }))).AuthenticationResult!;
    before = await state();

    // Every method of every user-pool service, so "nothing ran" covers operations added later too.
    for (const [serviceName, service] of Object.entries(s.tessera.userPools) as Array<[string, object]>) {
      for (const method of Object.getOwnPropertyNames(Object.getPrototypeOf(service))) {
        if (method === 'constructor' || typeof (service as Record<string, unknown>)[method] !== 'function') continue;
        spies.push({ name: `${serviceName}.${method}`, spy: vi.spyOn(service as Record<string, () => unknown>, method) });
      }
    }
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await s?.close();
  });

  describe('the operation table', () => {
    it('marks the administrator operations sigv4 and the rest none', () => {
      expect(adminOps.length).toBeGreaterThan(20);
      for (const op of ['CreateUserPool', 'AdminCreateUser', 'AdminDeleteUser', 'ListUsers', 'AdminInitiateAuth', 'AdminSetUserPassword']) expect(adminOps).toContain(op);
      for (const op of ['InitiateAuth', 'SignUp', 'GetUser', 'RespondToAuthChallenge']) expect(publicOps).toContain(op);
      expect(adminOps.length + publicOps.length).toBe(operationNames.length);
    });

    it('has a schema-valid sample body for every admin operation, so each refusal below is about the signature alone', () => {
      const invalid = adminOps.filter((op) => !table.operations[op]!.input.safeParse(sampleInput(op, f)).success);
      expect(invalid, 'add sample values for these operations to sampleInput').toEqual([]);
    });

    it('accepts a raw request signed with the admin credentials, so the signer used below is right', async () => {
      const list = await signedCall(s.url, `${SERVICE}.ListUserPools`, JSON.stringify({ MaxResults: 10 }));
      expect(list.status, list.text).toBe(200);
      expect(JSON.parse(list.text).UserPools.map((p: { Id: string }) => p.Id)).toContain(f.poolId);
      const withChecksum = await signedCall(s.url, `${SERVICE}.AdminGetUser`, JSON.stringify({ UserPoolId: f.poolId, Username: 'victim' }), { applyChecksum: true });
      expect(withChecksum.status, withChecksum.text).toBe(200);
      const fourMinutesAgo = await signedCall(s.url, `${SERVICE}.ListUserPools`, JSON.stringify({ MaxResults: 10 }), { signingDate: new Date(Date.now() - 4 * 60_000) });
      expect(fourMinutesAgo.status, fourMinutesAgo.text).toBe(200);
      expect(domainCalls().length).toBeGreaterThan(0);
    });
  });

  const refusals: Array<{ when: string; type: string; message: RegExp; send: (url: string, op: string, body: string) => Promise<Reply> }> = [
    {
      when: 'unsigned',
      type: 'MissingAuthenticationTokenException',
      message: /^Request is missing Authentication Token$/,
      send: (url, op, body) => unsignedCall(url, `${SERVICE}.${op}`, body),
    },
    {
      when: 'signed with an access key nobody configured',
      type: 'UnrecognizedClientException',
      message: /^The security token included in the request is invalid\.$/,
      send: (url, op, body) => signedCall(url, `${SERVICE}.${op}`, body, { credentials: { accessKeyId: 'AKIDNOBODYKNOWS', secretAccessKey: ADMIN_CREDENTIALS.secretAccessKey } }),
    },
    {
      when: 'signed with the admin key but a wrong secret',
      type: 'InvalidSignatureException',
      message: SIGNATURE_MISMATCH,
      send: (url, op, body) => signedCall(url, `${SERVICE}.${op}`, body, { credentials: { accessKeyId: ADMIN_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' } }),
    },
    {
      when: 'signed 6 minutes in the past',
      type: 'InvalidSignatureException',
      message: /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z/,
      send: (url, op, body) => signedCall(url, `${SERVICE}.${op}`, body, { signingDate: new Date(Date.now() - 6 * 60_000) }),
    },
    {
      when: 'signed 6 minutes in the future',
      type: 'InvalidSignatureException',
      message: /^Signature not yet current: /,
      send: (url, op, body) => signedCall(url, `${SERVICE}.${op}`, body, { signingDate: new Date(Date.now() + 6 * 60_000) }),
    },
    {
      when: 'given another body after signing',
      type: 'InvalidSignatureException',
      message: SIGNATURE_MISMATCH,
      send: (url, op, body) => signedCall(url, `${SERVICE}.${op}`, body, { signedBody: '{}' }),
    },
    {
      when: 'given another body after signing, with the payload hash header of the signed one',
      type: 'InvalidSignatureException',
      message: SIGNATURE_MISMATCH,
      send: (url, op, body) => signedCall(url, `${SERVICE}.${op}`, body, { signedBody: '{}', applyChecksum: true }),
    },
    {
      when: 'signed for ListUserPools and sent to another target with the same body',
      type: 'InvalidSignatureException',
      message: SIGNATURE_MISMATCH,
      send: (url, op, body) => signedCall(url, `${SERVICE}.${op}`, body, { signedTarget: `${SERVICE}.${op === 'ListUserPools' ? 'DescribeUserPool' : 'ListUserPools'}` }),
    },
    {
      when: 'signed for another region',
      type: 'InvalidSignatureException',
      message: /^Credential should be scoped to a valid region/,
      send: (url, op, body) => signedCall(url, `${SERVICE}.${op}`, body, { region: 'eu-west-1' }),
    },
    {
      when: 'signed for another service',
      type: 'InvalidSignatureException',
      message: /^Credential should be scoped to correct service/,
      send: (url, op, body) => signedCall(url, `${SERVICE}.${op}`, body, { service: 'cognito-identity' }),
    },
    {
      when: 'signed with a session token the server never issued',
      type: 'UnrecognizedClientException',
      message: /^The security token included in the request is invalid\.$/,
      send: (url, op, body) => signedCall(url, `${SERVICE}.${op}`, body, { extraSignedHeaders: { 'x-amz-security-token': 'FwoGZXIvYXdzEXAMPLE' } }),
    },
  ];

  describe.each(refusals)('an admin operation $when', ({ type, message, send }) => {
    it.each(adminOps)(`%s is refused with ${type} before anything runs`, async (op) => {
      domainCalls();
      const e = awsError(await send(s.url, op, JSON.stringify(sampleInput(op, f))));
      expect(e.__type).toBe(type);
      expect(e.message).toMatch(message);
      expect(domainCalls()).toEqual([]);
    });
  });

  describe('refusing before the operation runs', () => {
    it('answers an unsigned request with a malformed body about the signature, not the body', async () => {
      for (const body of ['{', '[]', '', JSON.stringify({ UserPoolId: 'not a pool id' })]) {
        expect(awsError(await unsignedCall(s.url, `${SERVICE}.AdminGetUser`, body)).__type).toBe('MissingAuthenticationTokenException');
        expect(awsError(await signedCall(s.url, `${SERVICE}.AdminGetUser`, body, { credentials: { accessKeyId: ADMIN_CREDENTIALS.accessKeyId, secretAccessKey: 'wrong' } })).__type).toBe('InvalidSignatureException');
      }
      expect(domainCalls()).toEqual([]);
    });

    it('creates no pool for an unsigned CreateUserPool', async () => {
      const count = async () => (await s.admin.send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools!.length;
      const pools = await count();
      awsError(await unsignedCall(s.url, `${SERVICE}.CreateUserPool`, JSON.stringify({ PoolName: 'sneaky' })));
      expect(await count()).toBe(pools);
      expect((await s.admin.send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools!.map((p) => p.Name)).not.toContain('sneaky');
    });

    it('deletes nothing for an unsigned AdminDeleteUser', async () => {
      awsError(await unsignedCall(s.url, `${SERVICE}.AdminDeleteUser`, JSON.stringify({ UserPoolId: f.poolId, Username: 'victim' })));
      const victim = await s.admin.send(new AdminGetUserCommand({ UserPoolId: f.poolId, Username: 'victim' }));
      expect(victim.Username).toBe('victim');
      expect(victim.Enabled).toBe(true);
    });

    it('has left every pool, client, user and group exactly as it was after all the refusals', async () => {
      expect(await state()).toEqual(before);
    });

    it("has left the victim's password and tokens working after all the refusals", async () => {
      const me = await s.anonymous.send(new GetUserCommand({ AccessToken: victimTokens.AccessToken! }));
      expect(me.Username).toBe('victim');
      const refreshed = await s.anonymous.send(new InitiateAuthCommand({ ClientId: f.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: victimTokens.RefreshToken! } }));
      expect(refreshed.AuthenticationResult?.AccessToken).toBeTruthy();
      const signIn = await s.anonymous.send(new InitiateAuthCommand({ ClientId: f.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'victim', PASSWORD } }));
      expect(signIn.AuthenticationResult?.AccessToken).toBeTruthy();
    });
  });

  describe('through the real SDK', () => {
    const sdk = (credentials: { accessKeyId: string; secretAccessKey: string }, extra: { systemClockOffset?: number; maxAttempts?: number } = {}) =>
      new CognitoIdentityProviderClient({ endpoint: s.url, region: REGION, credentials, maxAttempts: 1, ...extra });

    async function sdkError(client: CognitoIdentityProviderClient, send: (c: CognitoIdentityProviderClient) => Promise<unknown>): Promise<CognitoIdentityProviderServiceException> {
      try {
        await send(client);
      } catch (err) {
        return err as CognitoIdentityProviderServiceException;
      } finally {
        client.destroy();
      }
      throw new Error('the call succeeded');
    }

    it('surfaces a wrong secret as InvalidSignatureException', async () => {
      const err = await sdkError(sdk({ accessKeyId: ADMIN_CREDENTIALS.accessKeyId, secretAccessKey: 'wrong' }), (c) => c.send(new ListUserPoolsCommand({ MaxResults: 10 })));
      expect(err).toBeInstanceOf(CognitoIdentityProviderServiceException);
      expect(err.name).toBe('InvalidSignatureException');
      expect(err.message).toMatch(SIGNATURE_MISMATCH);
      expect(err.$fault).toBe('client');
      expect(err.$metadata.httpStatusCode).toBe(400);
    });

    it('surfaces an unknown access key as UnrecognizedClientException', async () => {
      const err = await sdkError(sdk({ accessKeyId: 'AKIDNOBODYKNOWS', secretAccessKey: 'whatever' }), (c) => c.send(new AdminGetUserCommand({ UserPoolId: f.poolId, Username: 'victim' })));
      expect(err).toBeInstanceOf(CognitoIdentityProviderServiceException);
      expect(err.name).toBe('UnrecognizedClientException');
      expect(err.message).toBe('The security token included in the request is invalid.');
    });

    it('surfaces a clock 6 minutes slow as InvalidSignatureException saying the signature expired', async () => {
      const err = await sdkError(sdk(ADMIN_CREDENTIALS, { systemClockOffset: -6 * 60_000 }), (c) => c.send(new ListUserPoolsCommand({ MaxResults: 10 })));
      expect(err.name).toBe('InvalidSignatureException');
      expect(err.message).toMatch(/^Signature expired/);
    });

    it('corrects a clock 6 minutes slow from the Date header when it may retry', async () => {
      const client = sdk(ADMIN_CREDENTIALS, { systemClockOffset: -6 * 60_000, maxAttempts: 2 });
      try {
        const pools = await client.send(new ListUserPoolsCommand({ MaxResults: 10 }));
        expect(pools.UserPools?.map((p) => p.Id)).toContain(f.poolId);
      } finally {
        client.destroy();
      }
    });

    it('surfaces a request whose signature was stripped as MissingAuthenticationTokenException', async () => {
      const client = sdk(ADMIN_CREDENTIALS);
      client.middlewareStack.add(
        (next) => async (args) => {
          const headers = (args.request as { headers: Record<string, string> }).headers;
          for (const name of Object.keys(headers)) if (/^(authorization|x-amz-date|x-amz-content-sha256)$/i.test(name)) delete headers[name];
          return next(args);
        },
        { step: 'finalizeRequest', priority: 'low', name: 'stripSignature' },
      );
      const err = await sdkError(client, (c) => c.send(new AdminDeleteUserCommand({ UserPoolId: f.poolId, Username: 'victim' })));
      expect(err).toBeInstanceOf(CognitoIdentityProviderServiceException);
      expect(err.name).toBe('MissingAuthenticationTokenException');
      expect((await s.admin.send(new AdminGetUserCommand({ UserPoolId: f.poolId, Username: 'victim' }))).Username).toBe('victim');
    });

    it('does not sign public operations, and they work', async () => {
      const seen: Array<Record<string, string>> = [];
      const client = sdk({ accessKeyId: 'anonymous', secretAccessKey: 'anonymous' });
      client.middlewareStack.add(
        (next) => async (args) => {
          seen.push({ ...(args.request as { headers: Record<string, string> }).headers });
          return next(args);
        },
        { step: 'finalizeRequest', priority: 'low', name: 'recordHeaders' },
      );
      try {
        const auth = await client.send(new InitiateAuthCommand({ ClientId: f.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'victim', PASSWORD } }));
        expect(auth.AuthenticationResult?.AccessToken).toBeTruthy();
        expect((await client.send(new GetUserCommand({ AccessToken: auth.AuthenticationResult!.AccessToken! }))).Username).toBe('victim');
      } finally {
        client.destroy();
      }
      expect(seen).toHaveLength(2);
      for (const headers of seen) expect(Object.keys(headers).map((h) => h.toLowerCase())).not.toContain('authorization');
    });
  });

  describe('public operations', () => {
    it.each(publicOps)('%s needs no signature: an unsigned empty call reaches its input validation', async (op) => {
      const e = awsError(await unsignedCall(s.url, `${SERVICE}.${op}`, '{}'));
      expect(AUTH_ERRORS).not.toContain(e.__type);
      expect(e.__type).toBe('InvalidParameterException');
      expect(e.message).toMatch(/validation errors? detected: Value null at/);
    });

    it.each(publicOps)('%s ignores a signature from credentials the server does not know', async (op) => {
      const e = awsError(await signedCall(s.url, `${SERVICE}.${op}`, '{}', { credentials: { accessKeyId: 'AKIDNOBODYKNOWS', secretAccessKey: 'x' } }));
      expect(e.__type).toBe('InvalidParameterException');
    });

    it('carries a whole account through every public operation without a single signature', async () => {
      const covered = new Set<string>();
      const call = async (op: string, input: object): Promise<Record<string, any>> => {
        const reply = await unsignedCall(s.url, `${SERVICE}.${op}`, JSON.stringify(input));
        expect(reply.status, `${op}: ${reply.text}`).toBe(200);
        covered.add(op);
        return JSON.parse(reply.text);
      };
      const latestCode = async (destination: string) => (await s.tessera.outbox.list({ poolId: f.poolId, destination, limit: 1 }))[0]!.code!;
      const { clientId: ClientId } = f;
      const email = 'walker@example.com';

      await call('SignUp', { ClientId, Username: 'walker', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] });
      await call('ResendConfirmationCode', { ClientId, Username: 'walker' });
      await call('ConfirmSignUp', { ClientId, Username: 'walker', ConfirmationCode: await latestCode(email) });
      let tokens = (await call('InitiateAuth', { ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'walker', PASSWORD } })).AuthenticationResult;
      expect((await call('GetUser', { AccessToken: tokens.AccessToken })).Username).toBe('walker');
      await call('UpdateUserAttributes', { AccessToken: tokens.AccessToken, UserAttributes: [{ Name: 'name', Value: 'Walker' }] });
      await call('ChangePassword', { AccessToken: tokens.AccessToken, PreviousPassword: PASSWORD, ProposedPassword: 'Chang3d-Passw0rd!' });
      await call('ForgotPassword', { ClientId, Username: 'walker' });
      await call('ConfirmForgotPassword', { ClientId, Username: 'walker', ConfirmationCode: await latestCode(email), Password: 'Forg0tten-Passw0rd!' });
      tokens = (await call('InitiateAuth', { ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'walker', PASSWORD: 'Forg0tten-Passw0rd!' } })).AuthenticationResult;
      expect((await call('GetTokensFromRefreshToken', { ClientId, RefreshToken: tokens.RefreshToken })).AuthenticationResult.AccessToken).toBeTruthy();
      // Revoking a refresh token also revokes the access tokens it issued, so each ending gets its own sign-in.
      await call('RevokeToken', { ClientId, Token: tokens.RefreshToken });
      tokens = (await call('InitiateAuth', { ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'walker', PASSWORD: 'Forg0tten-Passw0rd!' } })).AuthenticationResult;
      await call('GlobalSignOut', { AccessToken: tokens.AccessToken });
      tokens = (await call('InitiateAuth', { ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'walker', PASSWORD: 'Forg0tten-Passw0rd!' } })).AuthenticationResult;
      await call('DeleteUser', { AccessToken: tokens.AccessToken });

      await s.admin.send(new AdminCreateUserCommand({ UserPoolId: f.poolId, Username: 'newcomer', TemporaryPassword: 'Temp0rary-Passw0rd!', MessageAction: 'SUPPRESS' }));
      const challenge = await call('InitiateAuth', { ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'newcomer', PASSWORD: 'Temp0rary-Passw0rd!' } });
      expect(challenge.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
      const answered = await call('RespondToAuthChallenge', {
        ClientId,
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        Session: challenge.Session,
        ChallengeResponses: { USERNAME: 'newcomer', NEW_PASSWORD: 'Chos3n-Passw0rd!' },
      });
      expect(answered.AuthenticationResult?.AccessToken).toBeTruthy();

      // Software-token MFA enrolment with the new user's access token.
      const access = answered.AuthenticationResult.AccessToken;
      const { SecretCode } = await call('AssociateSoftwareToken', { AccessToken: access });
      await call('VerifySoftwareToken', { AccessToken: access, UserCode: await generate({ secret: SecretCode }) });
      await call('SetUserMFAPreference', { AccessToken: access, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } });

      expect(publicOps.filter((op) => !covered.has(op)), 'add a working unsigned call for these public operations').toEqual([]);
    });
  });
});
