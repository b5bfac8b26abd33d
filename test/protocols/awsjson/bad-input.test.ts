import { request as httpRequest } from 'node:http';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminSetUserPasswordCommand,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  InitiateAuthCommand,
  ListGroupsCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  ListUsersCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../../support/databases.ts';
import { ADMIN_CREDENTIALS, REGION, startTestServer, type TestServer } from '../../support/server.ts';

const SERVICE = 'AWSCognitoIdentityProviderService';
const AMZ_JSON = 'application/x-amz-json-1.1';
const PASSWORD = 'Passw0rd!';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One HTTP exchange with exactly the headers and bytes given (fetch would add or refuse some). */
function exchange(url: string, o: { method?: string; headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean }): Promise<Reply> {
  const body = o.body === undefined ? undefined : Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body, 'utf8');
  const headers: Record<string, string> = { ...o.headers };
  if (body && !o.chunked) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: o.method ?? 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // The server may answer (413) and close before it has read a huge body; the answer is what counts.
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
    if (body && o.chunked) {
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
      req.end();
    } else req.end(body);
  });
}

/** An unsigned call, as browsers and the SDK make public operations. */
function unsigned(url: string, target: string | undefined, body: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> {
  return exchange(url, { body, headers: { 'content-type': AMZ_JSON, ...(target !== undefined && { 'x-amz-target': target }), ...headers } });
}

/** A call SigV4-signed with the admin credentials over exactly these bytes, however malformed they are. */
async function signed(url: string, target: string, body: string | Buffer, o: { chunked?: boolean } = {}): Promise<Reply> {
  const { host, hostname, port } = new URL(url);
  const request = new HttpRequest({ method: 'POST', protocol: 'http:', hostname, port: Number(port), path: '/', headers: { host, 'content-type': AMZ_JSON, 'x-amz-target': target }, body });
  const signer = new SignatureV4({ service: 'cognito-idp', region: REGION, credentials: ADMIN_CREDENTIALS, sha256: Hash.bind(null, 'sha256') });
  const { headers } = await signer.sign(request);
  return exchange(url, { headers: headers as Record<string, string>, body, ...(o.chunked && { chunked: true }) });
}

/** Asserts the reply is an AWS JSON error the SDKs can parse, and returns its body. */
function expectAwsError(reply: Reply, type?: string, status = 400): { __type: string; message: string } {
  expect(reply.status, reply.text).toBe(status);
  // The media type is what matters; Fastify adds a charset parameter, which the SDKs ignore.
  expect(String(reply.headers['content-type']).split(';')[0]).toBe(AMZ_JSON);
  let body: { __type: string; message: string };
  try {
    body = JSON.parse(reply.text);
  } catch {
    throw new Error(`error body is not JSON: ${reply.text.slice(0, 200)}`);
  }
  expect(Object.keys(body).sort()).toEqual(['__type', 'message']);
  expect(body.__type).toMatch(/^[A-Za-z]+(Exception|Error)$/);
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  // A clear message, never an echo of a huge or hostile input.
  expect(body.message.length).toBeLessThan(2000);
  expect(reply.headers['x-amzn-errortype']).toBe(`${body.__type}:`);
  if (type) expect(body.__type, body.message).toBe(type);
  return body;
}

const nested = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);

describe.each(backends())('the AWS JSON endpoint on %s, given bad input', (backend) => {
  let s: TestServer;
  let poolId: string;
  let clientId: string;
  let before: unknown;

  /** Everything the bad requests below could conceivably have touched, as the admin API shows it. */
  async function state(): Promise<unknown> {
    const strip = <T extends { $metadata?: unknown }>(o: T) => ({ ...o, $metadata: undefined });
    return {
      pools: strip(await s.admin.send(new ListUserPoolsCommand({ MaxResults: 60 }))),
      pool: strip(await s.admin.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))),
      clients: strip(await s.admin.send(new ListUserPoolClientsCommand({ UserPoolId: poolId }))),
      client: strip(await s.admin.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }))),
      users: strip(await s.admin.send(new ListUsersCommand({ UserPoolId: poolId }))),
      alice: strip(await s.admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'alice' }))),
      groups: strip(await s.admin.send(new ListGroupsCommand({ UserPoolId: poolId }))),
      aliceGroups: strip(await s.admin.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: 'alice' }))),
    };
  }

  beforeAll(async () => {
    s = await startTestServer({ backend });
    poolId = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'bad-input' }))).UserPool!.Id!;
    clientId = (
      await s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))
    ).UserPoolClient!.ClientId!;
    await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'alice', UserAttributes: [{ Name: 'email', Value: 'alice@example.com' }, { Name: 'name', Value: 'Alice' }], MessageAction: 'SUPPRESS' }));
    await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'alice', Password: PASSWORD, Permanent: true }));
    // Wrong passwords go to mallet, so alice never gets locked out by the guessing guard.
    await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'mallet', MessageAction: 'SUPPRESS' }));
    await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'mallet', Password: PASSWORD, Permanent: true }));
    await s.admin.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'staff', Description: 'the staff' }));
    await s.admin.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'alice', GroupName: 'staff' }));
    before = await state();
  });
  afterAll(async () => s?.close());

  describe('framing', () => {
    it('answers a malformed JSON body with a SerializationException', async () => {
      for (const body of ['{', '{"ClientId": ', 'not json', '{"ClientId": "x"}}', "{'ClientId': 'x'}", '{"ClientId": "x",}', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])]) {
        expectAwsError(await unsigned(s.url, `${SERVICE}.InitiateAuth`, body), 'SerializationException');
        expectAwsError(await signed(s.url, `${SERVICE}.AdminGetUser`, body), 'SerializationException');
      }
    });

    it('answers a body that is JSON but not an object with a SerializationException', async () => {
      for (const body of ['[]', '[{"ClientId": "x"}]', '"ClientId"', 'null', '42', 'true']) {
        expectAwsError(await unsigned(s.url, `${SERVICE}.InitiateAuth`, body), 'SerializationException');
        expectAwsError(await signed(s.url, `${SERVICE}.ListUsers`, body), 'SerializationException');
      }
    });

    it('answers an empty body on an operation with required members with one validation error per member', async () => {
      for (const body of ['', '{}']) {
        const e = expectAwsError(await unsigned(s.url, `${SERVICE}.SignUp`, body), 'InvalidParameterException');
        expect(e.message).toMatch(/^3 validation errors detected: /);
        for (const member of ['clientId', 'username', 'password']) expect(e.message).toContain(`Value null at '${member}' failed to satisfy constraint: Member must not be null`);
        const admin = expectAwsError(await signed(s.url, `${SERVICE}.AdminGetUser`, body), 'InvalidParameterException');
        expect(admin.message).toMatch(/^2 validation errors detected: /);
        expect(admin.message).toContain("Value null at 'userPoolId' failed to satisfy constraint: Member must not be null");
      }
    });

    it('refuses an operation the service does not have with UnknownOperationException', async () => {
      for (const target of [`${SERVICE}.NoSuchOperation`, `${SERVICE}.`, SERVICE, `${SERVICE}.initiateauth`, `${SERVICE}.InitiateAuth.Extra`, `.InitiateAuth`, '.', '']) {
        expectAwsError(await unsigned(s.url, target, '{}'), 'UnknownOperationException');
      }
    });

    it('refuses a request without an X-Amz-Target header with UnknownOperationException', async () => {
      expectAwsError(await unsigned(s.url, undefined, '{}'), 'UnknownOperationException');
      expectAwsError(await exchange(s.url, { body: '{}' }), 'UnknownOperationException');
      expectAwsError(await exchange(s.url, { body: '{}', headers: { 'content-type': 'application/json' } }), 'UnknownOperationException');
    });

    it("refuses a target with another service's prefix with UnknownOperationException", async () => {
      for (const target of ['AWSCognitoIdentityService.GetId', 'DynamoDB_20120810.ListTables', 'VerifiedPermissionsX.IsAuthorized', 'Kinesis_20131202.ListStreams', 'AWSCognitoIdentityProviderServiceX.InitiateAuth']) {
        expectAwsError(await unsigned(s.url, target, '{}'), 'UnknownOperationException');
      }
    });

    it('refuses a body over 1 MiB with an AWS-shaped 413', async () => {
      const big = JSON.stringify({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice', PASSWORD: 'x'.repeat(1024 * 1024 + 16) } });
      expectAwsError(await unsigned(s.url, `${SERVICE}.InitiateAuth`, big), 'RequestEntityTooLargeException', 413);
      expectAwsError(await signed(s.url, `${SERVICE}.AdminGetUser`, big), 'RequestEntityTooLargeException', 413);
    });

    it('refuses a chunked body that grows past 1 MiB with an AWS-shaped 413', async () => {
      const big = `{"ClientId": "${'a'.repeat(2 * 1024 * 1024)}"}`;
      expectAwsError(await exchange(s.url, { body: big, chunked: true, headers: { 'content-type': AMZ_JSON, 'x-amz-target': `${SERVICE}.InitiateAuth` } }), 'RequestEntityTooLargeException', 413);
    });

    it('survives deeply nested JSON in members of every kind', async () => {
      const depth = 100_000;
      // Object nesting costs more bytes per level; 1 MiB would stop it before any parser did.
      const objectDepth = 20_000;
      const cases: Array<[string, string]> = [
        ['InitiateAuth', `{"ClientId": ${nested(depth)}}`],
        ['InitiateAuth', `{"ClientId": "${clientId}", "AuthFlow": "USER_PASSWORD_AUTH", "Unknown": ${nested(objectDepth, '{"a":', '}').replace(/\{"a":\}/, '{"a":1}')}}`],
        ['InitiateAuth', `{"ClientId": "${clientId}", "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": ${nested(objectDepth, '{"USERNAME":', '}').replace(/:\}/, ':"alice"}')}}`],
        ['SignUp', `{"ClientId": "${clientId}", "Username": "bob", "Password": "${PASSWORD}", "UserAttributes": ${nested(depth)}}`],
        ['SignUp', `{"ClientId": "${clientId}", "Username": "bob", "Password": "${PASSWORD}", "ClientMetadata": {"k": ${nested(depth)}}}`],
        // A free-form member the schema leaves alone: the parsed value reaches the operation.
        ['InitiateAuth', `{"ClientId": "${clientId}", "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": "mallet", "PASSWORD": "wrong"}, "UserContextData": ${nested(depth)}}`],
      ];
      for (const [op, body] of cases) expectAwsError(await unsigned(s.url, `${SERVICE}.${op}`, body), 'SerializationException');
      // Free-form maps an admin can store, where a deep value once overflowed JSON.stringify on the way to the database.
      for (const member of ['LambdaConfig', 'DeviceConfiguration', 'UserPoolAddOns', 'EmailConfiguration']) {
        for (const d of [depth, 5_000, 101]) {
          expectAwsError(await signed(s.url, `${SERVICE}.UpdateUserPool`, `{"UserPoolId": "${poolId}", "${member}": {"x": ${nested(d - 1)}}}`), 'SerializationException');
        }
      }
      // Brackets inside strings are not nesting.
      const inString = await unsigned(s.url, `${SERVICE}.InitiateAuth`, JSON.stringify({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'mallet', PASSWORD: `\\"${nested(5_000)}` } }));
      expectAwsError(inString, 'NotAuthorizedException');
      expect((await s.admin.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool?.Id).toBe(poolId);
    });
  });

  describe('member types and constraints', () => {
    it('refuses members of the wrong type with a validation error naming the member', async () => {
      const cases: Array<[string, object, string, 'signed' | 'unsigned']> = [
        ['SignUp', { ClientId: clientId, Username: 12345, Password: PASSWORD }, 'username', 'unsigned'],
        ['SignUp', { ClientId: clientId, Username: 'bob', Password: { value: PASSWORD } }, 'password', 'unsigned'],
        ['InitiateAuth', { ClientId: [clientId], AuthFlow: 'USER_PASSWORD_AUTH' }, 'clientId', 'unsigned'],
        ['InitiateAuth', { ClientId: clientId, AuthFlow: true }, 'authFlow', 'unsigned'],
        ['InitiateAuth', { ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: ['USERNAME', 'alice'] }, 'authParameters', 'unsigned'],
        ['InitiateAuth', { ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 1 } }, 'authParameters', 'unsigned'],
        ['SignUp', { ClientId: clientId, Username: 'bob', Password: PASSWORD, UserAttributes: { email: 'bob@example.com' } }, 'userAttributes', 'unsigned'],
        ['SignUp', { ClientId: clientId, Username: 'bob', Password: PASSWORD, UserAttributes: [{ Name: 7, Value: 'x' }] }, 'userAttributes.1.member.name', 'unsigned'],
        ['ListUsers', { UserPoolId: poolId, Limit: '10' }, 'limit', 'signed'],
        ['ListUsers', { UserPoolId: poolId, Limit: 10.5 }, 'limit', 'signed'],
        ['ListUsers', { UserPoolId: poolId, Limit: -1 }, 'limit', 'signed'],
        ['ListUsers', { UserPoolId: poolId, Limit: 1e300 }, 'limit', 'signed'],
        ['ListUsers', { UserPoolId: poolId, AttributesToGet: 'email' }, 'attributesToGet', 'signed'],
        ['AdminGetUser', { UserPoolId: 42, Username: 'alice' }, 'userPoolId', 'signed'],
        ['AdminSetUserPassword', { UserPoolId: poolId, Username: 'alice', Password: 'N3w-Passw0rd!', Permanent: 'true' }, 'permanent', 'signed'],
        ['AdminDeleteUserAttributes', { UserPoolId: poolId, Username: 'alice', UserAttributeNames: 'email' }, 'userAttributeNames', 'signed'],
      ];
      for (const [op, input, member, how] of cases) {
        const call = how === 'signed' ? signed : unsigned;
        const e = expectAwsError(await call(s.url, `${SERVICE}.${op}`, JSON.stringify(input)), 'InvalidParameterException');
        expect(e.message, `${op} ${JSON.stringify(input)}`).toMatch(/^\d validation errors? detected: /);
        // A map's key follows its member's name: 'authParameters.USERNAME'.
        expect(e.message).toMatch(new RegExp(`Value at '${member}[.']`));
      }
    });

    it('names a missing required member as AWS does', async () => {
      const e = expectAwsError(await unsigned(s.url, `${SERVICE}.SignUp`, JSON.stringify({ ClientId: clientId, Password: PASSWORD })), 'InvalidParameterException');
      expect(e.message).toBe("1 validation error detected: Value null at 'username' failed to satisfy constraint: Member must not be null");
      const admin = expectAwsError(await signed(s.url, `${SERVICE}.AdminGetUser`, JSON.stringify({ UserPoolId: poolId })), 'InvalidParameterException');
      expect(admin.message).toBe("1 validation error detected: Value null at 'username' failed to satisfy constraint: Member must not be null");
    });

    it('treats an explicit null member as absent, as the AWS JSON protocol does', async () => {
      const e = expectAwsError(await unsigned(s.url, `${SERVICE}.SignUp`, JSON.stringify({ ClientId: clientId, Username: null, Password: PASSWORD })), 'InvalidParameterException');
      expect(e.message).toBe("1 validation error detected: Value null at 'username' failed to satisfy constraint: Member must not be null");
      const page = await signed(s.url, `${SERVICE}.ListUsers`, JSON.stringify({ UserPoolId: poolId, Limit: null, PaginationToken: null, Filter: null }));
      expect(page.status, page.text).toBe(200);
      expect(JSON.parse(page.text).Users.map((u: { Username: string }) => u.Username)).toEqual(['alice', 'mallet']);
    });

    it('refuses a 10,000-character username without echoing it', async () => {
      const long = 'u'.repeat(10_000);
      const replies = [
        await unsigned(s.url, `${SERVICE}.SignUp`, JSON.stringify({ ClientId: clientId, Username: long, Password: PASSWORD })),
        await unsigned(s.url, `${SERVICE}.InitiateAuth`, JSON.stringify({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: long, PASSWORD } })),
        await unsigned(s.url, `${SERVICE}.ForgotPassword`, JSON.stringify({ ClientId: clientId, Username: long })),
        await signed(s.url, `${SERVICE}.AdminGetUser`, JSON.stringify({ UserPoolId: poolId, Username: long })),
        await signed(s.url, `${SERVICE}.AdminCreateUser`, JSON.stringify({ UserPoolId: poolId, Username: long, MessageAction: 'SUPPRESS' })),
      ];
      for (const reply of replies) {
        const e = expectAwsError(reply, undefined);
        expect(e.message).not.toContain('uuuuuuuuuu');
      }
      for (const reply of [replies[0]!, replies[2]!, replies[3]!, replies[4]!]) {
        expect(JSON.parse(reply.text).message).toMatch(/^1 validation error detected: Value at 'username' /);
      }
    });

    it('refuses an attribute value of 100 KB', async () => {
      const huge = 'v'.repeat(100 * 1024);
      const replies = [
        await unsigned(s.url, `${SERVICE}.SignUp`, JSON.stringify({ ClientId: clientId, Username: 'bob', Password: PASSWORD, UserAttributes: [{ Name: 'name', Value: huge }] })),
        await signed(s.url, `${SERVICE}.AdminUpdateUserAttributes`, JSON.stringify({ UserPoolId: poolId, Username: 'alice', UserAttributes: [{ Name: 'name', Value: huge }] })),
        await signed(s.url, `${SERVICE}.AdminCreateUser`, JSON.stringify({ UserPoolId: poolId, Username: 'bob', UserAttributes: [{ Name: 'name', Value: huge }], MessageAction: 'SUPPRESS' })),
      ];
      for (const reply of replies) {
        const e = expectAwsError(reply, 'InvalidParameterException');
        expect(e.message).toContain("'userAttributes.1.member.value'");
        expect(e.message).not.toContain('vvvvvvvvvv');
      }
    });

    it('refuses user pool ids that do not match the pattern', async () => {
      for (const bad of ['nounderscore', 'us-east-1_', '_abc', 'us-east-1_ab/../cd', 'us-east-1_ab cd', 'us-east-1_abc\u0000', "us-east-1_' OR '1'='1", 'us-east-1_\u00e9t\u00e9', '', `us-east-1_${'a'.repeat(50)}`]) {
        const e = expectAwsError(await signed(s.url, `${SERVICE}.AdminGetUser`, JSON.stringify({ UserPoolId: bad, Username: 'alice' })), 'InvalidParameterException');
        expect(e.message).toContain(bad.includes('\u0000') ? 'NUL' : "'userPoolId'");
        expectAwsError(await signed(s.url, `${SERVICE}.ListUsers`, JSON.stringify({ UserPoolId: bad })), 'InvalidParameterException');
        expectAwsError(await signed(s.url, `${SERVICE}.DescribeUserPool`, JSON.stringify({ UserPoolId: bad })), 'InvalidParameterException');
      }
      expectAwsError(await signed(s.url, `${SERVICE}.DescribeUserPool`, JSON.stringify({ UserPoolId: 'us-east-1_NoSuchPool1' })), 'ResourceNotFoundException');
      const otherRegion = poolId.replace(/^[^_]+/, 'eu-west-1');
      expectAwsError(await signed(s.url, `${SERVICE}.DescribeUserPool`, JSON.stringify({ UserPoolId: otherRegion })), 'ResourceNotFoundException');
    });

    it('refuses client ids that do not match the pattern', async () => {
      for (const bad of ['', 'a-b', 'a b', 'a/b', `${clientId}\u0000`, 'x'.repeat(129)]) {
        const e = expectAwsError(await unsigned(s.url, `${SERVICE}.InitiateAuth`, JSON.stringify({ ClientId: bad, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice', PASSWORD } })), 'InvalidParameterException');
        expect(e.message).toContain(bad.includes('\u0000') ? 'NUL' : "'clientId'");
      }
      expectAwsError(await unsigned(s.url, `${SERVICE}.InitiateAuth`, JSON.stringify({ ClientId: 'nosuchclient', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice', PASSWORD } })), 'ResourceNotFoundException');
    });
  });

  describe('usernames with unusual characters', () => {
    it('does not let a username with a NUL character or a lone surrogate reach or match another user', async () => {
      for (const name of ['alice\u0000', '\u0000alice', 'ali\u0000ce', 'alice\u0000admin', '\ud800alice', 'alice\udfff']) {
        const get = await signed(s.url, `${SERVICE}.AdminGetUser`, JSON.stringify({ UserPoolId: poolId, Username: name }));
        expectAwsError(get, undefined);
        expect(JSON.parse(get.text).__type).toMatch(/^(InvalidParameterException|UserNotFoundException)$/);
        const auth = await unsigned(s.url, `${SERVICE}.InitiateAuth`, JSON.stringify({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: name, PASSWORD } }));
        expectAwsError(auth, undefined);
        expect(JSON.parse(auth.text).__type).toMatch(/^(InvalidParameterException|NotAuthorizedException|UserNotFoundException)$/);
        for (const op of ['AdminDeleteUser', 'AdminDisableUser', 'AdminResetUserPassword']) {
          const r = await signed(s.url, `${SERVICE}.${op}`, JSON.stringify({ UserPoolId: poolId, Username: name }));
          expectAwsError(r, undefined);
          expect(JSON.parse(r.text).__type).toMatch(/^(InvalidParameterException|UserNotFoundException)$/);
        }
        expectAwsError(await unsigned(s.url, `${SERVICE}.SignUp`, JSON.stringify({ ClientId: clientId, Username: name, Password: PASSWORD })), 'InvalidParameterException');
        expectAwsError(await signed(s.url, `${SERVICE}.AdminCreateUser`, JSON.stringify({ UserPoolId: poolId, Username: name, MessageAction: 'SUPPRESS' })), 'InvalidParameterException');
      }
    });

    it('refuses a NUL character anywhere in a request, on every backend alike', async () => {
      const replies = [
        await unsigned(s.url, `${SERVICE}.InitiateAuth`, JSON.stringify({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice\u0000', PASSWORD } })),
        await unsigned(s.url, `${SERVICE}.InitiateAuth`, JSON.stringify({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice', PASSWORD }, ClientMetadata: { 'k\u0000': 'v' } })),
        await unsigned(s.url, `${SERVICE}.ForgotPassword`, JSON.stringify({ ClientId: clientId, Username: 'alice', ClientMetadata: { k: '\u0000' } })),
        await signed(s.url, `${SERVICE}.ListUsers`, JSON.stringify({ UserPoolId: poolId, Filter: 'username = "alice\u0000"' })),
        await signed(s.url, `${SERVICE}.ListUsers`, JSON.stringify({ UserPoolId: poolId, Filter: 'email ^= "\u0000"' })),
        await signed(s.url, `${SERVICE}.GetGroup`, JSON.stringify({ UserPoolId: poolId, GroupName: 'staff\u0000' })),
        await signed(s.url, `${SERVICE}.AdminUpdateUserAttributes`, JSON.stringify({ UserPoolId: poolId, Username: 'alice', UserAttributes: [{ Name: 'name', Value: 'Al\u0000ice' }] })),
        await signed(s.url, `${SERVICE}.UpdateGroup`, JSON.stringify({ UserPoolId: poolId, GroupName: 'staff', Description: 'x\u0000' })),
      ];
      for (const reply of replies) expect(expectAwsError(reply, 'InvalidParameterException').message).toMatch(/NUL/);
    });

    it("refuses usernames outside Cognito's pattern with its message", async () => {
      for (const name of ['john smith', 'tab\tname', 'line\nbreak', '\u202ealice', '\u200balice', 'alice\ufeff', '\u00a0alice', 'bell\u0007']) {
        for (const reply of [
          await unsigned(s.url, `${SERVICE}.SignUp`, JSON.stringify({ ClientId: clientId, Username: name, Password: PASSWORD })),
          await signed(s.url, `${SERVICE}.AdminCreateUser`, JSON.stringify({ UserPoolId: poolId, Username: name, MessageAction: 'SUPPRESS' })),
          await signed(s.url, `${SERVICE}.AdminGetUser`, JSON.stringify({ UserPoolId: poolId, Username: name })),
        ]) {
          expect(expectAwsError(reply, 'InvalidParameterException').message).toBe(
            "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+",
          );
        }
      }
    });

    it('answers a raw NUL byte and raw invalid UTF-8 inside a JSON string without a 5xx', async () => {
      const raw = Buffer.concat([Buffer.from(`{"UserPoolId": "${poolId}", "Username": "ali`), Buffer.from([0x00, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('ce"}')]);
      const reply = await signed(s.url, `${SERVICE}.AdminGetUser`, raw);
      expectAwsError(reply, undefined);
    });

    it('answers unicode usernames it does not know with UserNotFoundException, never with alice', async () => {
      for (const name of ['ālïcé', 'ＡＬＩＣＥ', 'Ａlice', 'алиса', 'аlice', '😀alice', 'a\u0301lice', 'ALİCE', 'alıce']) {
        expectAwsError(await signed(s.url, `${SERVICE}.AdminGetUser`, JSON.stringify({ UserPoolId: poolId, Username: name })), 'UserNotFoundException');
      }
    });
  });

  describe('prototype-pollution keys', () => {
    const protoKeys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

    it('answers operation names taken from Object.prototype with UnknownOperationException', async () => {
      for (const key of protoKeys) {
        expectAwsError(await unsigned(s.url, `${SERVICE}.${key}`, '{}'), 'UnknownOperationException');
        expectAwsError(await signed(s.url, `${SERVICE}.${key}`, '{}'), 'UnknownOperationException');
        expectAwsError(await unsigned(s.url, `${key}.InitiateAuth`, '{}'), 'UnknownOperationException');
        expectAwsError(await unsigned(s.url, key, '{}'), 'UnknownOperationException');
      }
    });

    it('refuses attribute names taken from Object.prototype with a clear InvalidParameterException', async () => {
      for (const key of protoKeys) {
        const attrs = [{ Name: key, Value: 'x' }];
        const replies = [
          await unsigned(s.url, `${SERVICE}.SignUp`, JSON.stringify({ ClientId: clientId, Username: 'mallory', Password: PASSWORD, UserAttributes: attrs })),
          await signed(s.url, `${SERVICE}.AdminUpdateUserAttributes`, JSON.stringify({ UserPoolId: poolId, Username: 'alice', UserAttributes: attrs })),
          await signed(s.url, `${SERVICE}.AdminCreateUser`, JSON.stringify({ UserPoolId: poolId, Username: 'mallory', UserAttributes: attrs, MessageAction: 'SUPPRESS' })),
        ];
        for (const reply of replies) {
          const e = expectAwsError(reply, 'InvalidParameterException');
          expect(e.message).toContain(key);
          expect(e.message).not.toMatch(/duplicate/i);
        }
      }
    });

    it('gives keys from Object.prototype in AuthParameters, ChallengeResponses and ClientMetadata no meaning', async () => {
      const auth = (params: string, extra = '') =>
        unsigned(s.url, `${SERVICE}.InitiateAuth`, `{"ClientId": "${clientId}", "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": ${params}${extra}}`);
      expectAwsError(await auth('{"__proto__": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}}'), 'InvalidParameterException');
      for (const key of protoKeys) {
        // Without USERNAME the flow cannot start, whatever the inherited-looking keys say.
        const missing = await auth(`{"${key}": "alice", "PASSWORD": "${PASSWORD}"}`);
        expectAwsError(missing, undefined);
        expect(JSON.parse(missing.text).__type).toMatch(/^(InvalidParameterException|NotAuthorizedException)$/);
        expectAwsError(await auth(`{"USERNAME": "mallet", "PASSWORD": "wrong", "${key}": "x"}`), 'NotAuthorizedException');
        const withMetadata = await auth(`{"USERNAME": "mallet", "PASSWORD": "wrong"}`, `, "ClientMetadata": {"${key}": "x"}, "${key}": {"polluted": "yes"}`);
        expectAwsError(withMetadata, 'NotAuthorizedException');
        const challenge = await unsigned(s.url, `${SERVICE}.RespondToAuthChallenge`, `{"ClientId": "${clientId}", "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "${'s'.repeat(40)}", "ChallengeResponses": {"${key}": "x", "USERNAME": "alice"}}`);
        expectAwsError(challenge, undefined);
        expect(challenge.status).toBe(400);
      }
      const ok = await auth(`{"USERNAME": "alice", "PASSWORD": "${PASSWORD}", "__proto__": "x", "constructor": "y"}`, ', "__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}');
      expect(ok.status, ok.text).toBe(200);
    });

    it('never pollutes Object.prototype in the server', async () => {
      const body = '{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, "UserPoolId": "' + poolId + '", "Username": "alice"}';
      expect((await signed(s.url, `${SERVICE}.AdminGetUser`, body)).status).toBe(200);
      await signed(s.url, `${SERVICE}.AdminUpdateUserAttributes`, `{"UserPoolId": "${poolId}", "Username": "alice", "UserAttributes": [{"Name": "__proto__", "Value": "x", "__proto__": {"polluted": "yes"}}]}`);
      await signed(s.url, `${SERVICE}.UpdateGroup`, `{"UserPoolId": "${poolId}", "GroupName": "__proto__", "Description": "x"}`);
      // The server runs in this process, so its Object.prototype is ours.
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
    });
  });

  describe('pagination tokens and filters', () => {
    it('refuses pagination tokens it did not issue with InvalidParameterException', async () => {
      const forged = (v: string) => Buffer.from(v).toString('base64url');
      const tokens = ['garbage', '!!!', '%%%', forged('null'), forged('[]'), forged('{"k": 5}'), forged('{"k": null}'), forged('{"__proto__": {"k": "a"}}'), forged('"k"'), '\u0000', '😀'];
      const ops: Array<[string, object, string]> = [
        ['ListUsers', { UserPoolId: poolId }, 'PaginationToken'],
        ['ListUserPools', { MaxResults: 10 }, 'NextToken'],
        ['ListUserPoolClients', { UserPoolId: poolId }, 'NextToken'],
        ['ListGroups', { UserPoolId: poolId }, 'NextToken'],
        ['AdminListGroupsForUser', { UserPoolId: poolId, Username: 'alice' }, 'NextToken'],
        ['ListUsersInGroup', { UserPoolId: poolId, GroupName: 'staff' }, 'NextToken'],
      ];
      for (const [op, input, member] of ops) {
        for (const token of tokens) {
          const reply = await signed(s.url, `${SERVICE}.${op}`, JSON.stringify({ ...input, [member]: token }));
          expectAwsError(reply, 'InvalidParameterException');
        }
        expectAwsError(await signed(s.url, `${SERVICE}.${op}`, JSON.stringify({ ...input, [member]: '' })), 'InvalidParameterException');
        expectAwsError(await signed(s.url, `${SERVICE}.${op}`, JSON.stringify({ ...input, [member]: 't'.repeat(5000) })), 'InvalidParameterException');
      }
    });

    it('answers a well-formed token naming an odd key without a 5xx or leaking other rows', async () => {
      const forged = (k: string) => Buffer.from(JSON.stringify({ k })).toString('base64url');
      for (const k of ["' OR '1'='1", '\u0000', '\u{10FFFF}', '%', '']) {
        const reply = await signed(s.url, `${SERVICE}.ListUsers`, JSON.stringify({ UserPoolId: poolId, PaginationToken: forged(k) }));
        expect(reply.status, reply.text).toBeLessThan(500);
        if (reply.status === 200) for (const u of JSON.parse(reply.text).Users) expect(['alice', 'mallet']).toContain(u.Username);
        else expectAwsError(reply, 'InvalidParameterException');
      }
    });

    it('refuses ListUsers filters it cannot parse with InvalidParameterException', async () => {
      const filters = [
        'email = alice',
        'email = "alice',
        'email ~ "alice"',
        'email != "alice"',
        'foo = "x"',
        '__proto__ = "x"',
        'constructor = "x"',
        'custom:role = "x"',
        '"',
        '=',
        'email = "a" and name = "b"',
        'email = "a\\"',
        'email = "a" OR 1=1',
        `email = "${'a'.repeat(300)}"`,
      ];
      for (const filter of filters) {
        const e = expectAwsError(await signed(s.url, `${SERVICE}.ListUsers`, JSON.stringify({ UserPoolId: poolId, Filter: filter })), 'InvalidParameterException');
        expect(e.message.length).toBeLessThan(400);
      }
    });

    it('treats SQL wildcards and quotes in a filter value literally', async () => {
      for (const filter of ['email ^= "%"', 'email ^= "_"', 'username ^= "%"', 'name = "\' OR \'1\'=\'1"', 'email ^= "\\\\"', 'sub ^= "%"', 'cognito:user_status ^= "%"']) {
        const reply = await signed(s.url, `${SERVICE}.ListUsers`, JSON.stringify({ UserPoolId: poolId, Filter: filter }));
        expect(reply.status, reply.text).toBe(200);
        expect(JSON.parse(reply.text).Users, filter).toEqual([]);
      }
    });
  });

  describe('CORS', () => {
    it('answers a browser preflight with the headers browser SDKs need', async () => {
      const reply = await exchange(s.url, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-amz-target,x-amz-user-agent,cache-control' },
      });
      expect(reply.status).toBeLessThan(300);
      expect(reply.headers['access-control-allow-origin']).toMatch(/^(\*|https:\/\/app\.example\.com)$/);
      expect(String(reply.headers['access-control-allow-methods']).toUpperCase()).toContain('POST');
      const allowed = String(reply.headers['access-control-allow-headers']).toLowerCase().split(/\s*,\s*/);
      for (const h of ['content-type', 'x-amz-target', 'x-amz-user-agent', 'cache-control']) expect(allowed).toContain(h);
    });

    it('lets a browser read error replies', async () => {
      const reply = await unsigned(s.url, `${SERVICE}.InitiateAuth`, '{', { origin: 'https://app.example.com' });
      expectAwsError(reply, 'SerializationException');
      expect(reply.headers['access-control-allow-origin']).toMatch(/^(\*|https:\/\/app\.example\.com)$/);
      const tooBig = await unsigned(s.url, `${SERVICE}.InitiateAuth`, 'x'.repeat(1024 * 1024 + 1), { origin: 'https://app.example.com' });
      expectAwsError(tooBig, 'RequestEntityTooLargeException', 413);
      expect(tooBig.headers['access-control-allow-origin']).toMatch(/^(\*|https:\/\/app\.example\.com)$/);
    });
  });

  describe('afterwards', () => {
    it('has left every pool, client, user and group exactly as it was', async () => {
      expect(await state()).toEqual(before);
    });

    it('still signs alice in with her password', async () => {
      const auth = await s.anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice', PASSWORD } }));
      expect(auth.AuthenticationResult?.AccessToken).toBeTruthy();
    });
  });
});
