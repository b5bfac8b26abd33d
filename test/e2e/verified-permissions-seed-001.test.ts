/**
 * Seed 001, "Authorization with Amazon Verified Permissions", through the real AWS SDK clients only:
 * `@aws-sdk/client-cognito-identity-provider` for the user pool and its tokens,
 * `@aws-sdk/client-verifiedpermissions` for the policy store, its Cognito identity source and the
 * IsAuthorizedWithToken / BatchIsAuthorizedWithToken decisions.
 *
 * John (`custom:costCenter` Finance1234) may read and write example_image.png; Jane (Engineering42)
 * may not. Every one of the five checks AVP makes on a token has a test that fails it (a
 * ValidationException naming the check), and so do the checks Tessera adds (revoked sessions, disabled
 * and deleted users: a DENY with the reason in `errors`).
 */
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminSetUserPasswordCommand,
  AdminUserGlobalSignOutCommand,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  RevokeTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  type ActionIdentifier,
  BatchIsAuthorizedWithTokenCommand,
  type BatchIsAuthorizedWithTokenInputItem,
  CreateIdentitySourceCommand,
  CreatePolicyCommand,
  CreatePolicyStoreCommand,
  type EntityIdentifier,
  IsAuthorizedWithTokenCommand,
  type IsAuthorizedWithTokenCommandInput,
  type IsAuthorizedWithTokenCommandOutput,
  PutSchemaCommand,
} from '@aws-sdk/client-verifiedpermissions';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.ts';
import { expectError } from '../support/expect-error.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'Seed-001!Passw0rd';
/** example_image.png in the seed. */
const FILE_ID = 'a8f3f048-ded7-4a95-89ca-e283644e1898';
const OTHER_FILE_ID = '0b6e2c57-2d0f-4f6f-9d55-5c4a7e0f1a11';
const USER_TYPE = 'ExampleCorp::User';
const GROUP_TYPE = 'ExampleCorp::UserGroup';

const action = (actionId: string, actionType = 'Action'): ActionIdentifier => ({ actionType, actionId });
const file = (entityId = FILE_ID): EntityIdentifier => ({ entityType: 'ExampleCorp::File', entityId });
const folder = (entityId: string): EntityIdentifier => ({ entityType: 'ExampleCorp::Folder', entityId });

/**
 * The Cedar schema of the STRICT store. Every claim an ID token carries is declared (optional), since
 * ID-token claims become the principal's attributes; `cognito:groups` is not, as groups become parents.
 */
const STRICT_SCHEMA = {
  ExampleCorp: {
    entityTypes: {
      User: {
        memberOfTypes: ['UserGroup'],
        shape: {
          type: 'Record',
          attributes: {
            ...Object.fromEntries(
              ['sub', 'iss', 'aud', 'token_use', 'email', 'cognito:username', 'custom:costCenter', 'origin_jti', 'event_id', 'jti'].map((name) => [name, { type: 'String', required: false }]),
            ),
            ...Object.fromEntries(['auth_time', 'exp', 'iat'].map((name) => [name, { type: 'Long', required: false }])),
            email_verified: { type: 'Boolean', required: false },
          },
        },
      },
      UserGroup: {},
      File: {},
    },
    actions: Object.fromEntries(['readFile', 'writeFile', 'deleteFile'].map((name) => [name, { appliesTo: { principalTypes: ['User'], resourceTypes: ['File'] } }])),
  },
};

describe('seed 001: Verified Permissions decides on Cognito tokens', () => {
  // Real time, so that the SDK's SigV4 signatures are current; the expiry test moves it forward.
  const clock = new ManualClock(Date.now());
  let s: TestServer;
  let poolId: string;
  let poolArn: string;
  /** The app client the identity source names in clientIds. */
  let clientId: string;
  /** Another client of the same pool, not named in clientIds. */
  let otherClientId: string;
  /** Validation OFF, the seed's policy with unqualified `Action::"…"`, clientIds = [clientId]. */
  let storeId: string;
  let seedPolicyId: string;
  let groupPolicyId: string;
  let whoAmIPolicyId: string;
  let ownerPolicyId: string;
  /** A second pool, with a john of its own. */
  let foreignPoolId: string;
  let foreignClientId: string;

  beforeAll(async () => {
    s = await startTestServer({ clock });
    // SigV4 is checked against the server's (manual) clock: sign at that time, so moving it keeps calls valid.
    for (const client of [s.admin, s.anonymous, s.avp]) {
      Object.defineProperty(client.config, 'systemClockOffset', { get: () => clock.now() - Date.now(), set: () => {}, configurable: true });
    }

    const pool = (
      await s.admin.send(
        new CreateUserPoolCommand({
          PoolName: 'example-corp',
          UsernameConfiguration: { CaseSensitive: false },
          Schema: [{ Name: 'costCenter', AttributeDataType: 'String', Mutable: true }],
        }),
      )
    ).UserPool!;
    poolId = pool.Id!;
    poolArn = pool.Arn!;
    expect(poolArn).toMatch(new RegExp(`^arn:aws:cognito-idp:us-east-1:\\d{12}:userpool/${poolId}$`));
    clientId = await createClient(poolId, 'files-app');
    otherClientId = await createClient(poolId, 'another-app');
    await s.admin.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'finance' }));
    await createUser('john', 'Finance1234', ['finance']);
    await createUser('jane', 'Engineering42');

    foreignPoolId = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'elsewhere', Schema: [{ Name: 'costCenter', AttributeDataType: 'String', Mutable: true }] }))).UserPool!.Id!;
    foreignClientId = await createClient(foreignPoolId, 'files-app');
    await createUser('john', 'Finance1234', [], foreignPoolId);

    storeId = (await s.avp.send(new CreatePolicyStoreCommand({ validationSettings: { mode: 'OFF' }, description: 'seed 001' }))).policyStoreId!;
    await s.avp.send(
      new CreateIdentitySourceCommand({
        policyStoreId: storeId,
        principalEntityType: USER_TYPE,
        configuration: { cognitoUserPoolConfiguration: { userPoolArn: poolArn, clientIds: [clientId], groupConfiguration: { groupEntityType: GROUP_TYPE } } },
      }),
    );
    // The seed's policy, made valid Cedar: both actions qualified, and `custom:costCenter` as the claim is named.
    seedPolicyId = await createPolicy(
      storeId,
      `permit (
        principal,
        action in [Action::"readFile", Action::"writeFile"],
        resource == ExampleCorp::File::"${FILE_ID}" // example_image.png
      ) when { principal.aud == "${clientId}" && principal["custom:costCenter"] like "Finance*" };`,
    );
    groupPolicyId = await createPolicy(storeId, `permit (principal in ${GROUP_TYPE}::"${poolId}|finance", action == Action::"listFiles", resource == ExampleCorp::Folder::"finance");`);
    whoAmIPolicyId = await createPolicy(
      storeId,
      `permit (principal, action == Action::"whoAmI", resource == ExampleCorp::Folder::"profile")
       when { principal.email == "john@example.com" && principal["cognito:username"] == "john" && principal.email_verified == true };`,
    );
    // Would allow anyone whose principal carried the groups as an attribute: nobody should.
    await createPolicy(storeId, `permit (principal, action == Action::"probeGroupsAttribute", resource) when { principal has "cognito:groups" };`);
    ownerPolicyId = await createPolicy(storeId, `permit (principal, action == Action::"readOwnFile", resource) when { resource.owner == principal["cognito:username"] };`);
  });
  afterAll(async () => s?.close());

  async function createClient(pool: string, ClientName: string): Promise<string> {
    const r = await s.admin.send(
      new CreateUserPoolClientCommand({ UserPoolId: pool, ClientName, ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }),
    );
    return r.UserPoolClient!.ClientId!;
  }

  async function createUser(Username: string, costCenter: string, groups: string[] = [], pool = poolId): Promise<void> {
    await s.admin.send(
      new AdminCreateUserCommand({
        UserPoolId: pool,
        Username,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: `${Username}@example.com` },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'custom:costCenter', Value: costCenter },
        ],
      }),
    );
    await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: pool, Username, Password: PASSWORD, Permanent: true }));
    for (const GroupName of groups) await s.admin.send(new AdminAddUserToGroupCommand({ UserPoolId: pool, Username, GroupName }));
  }

  async function createPolicy(policyStoreId: string, statement: string): Promise<string> {
    return (await s.avp.send(new CreatePolicyCommand({ policyStoreId, definition: { static: { statement } } }))).policyId!;
  }

  /** A fresh sign-in (USER_PASSWORD_AUTH), so that no test depends on another's session. */
  async function signIn(USERNAME: string, client = clientId) {
    const r = (await s.anonymous.send(new InitiateAuthCommand({ ClientId: client, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME, PASSWORD } }))).AuthenticationResult!;
    return { idToken: r.IdToken!, accessToken: r.AccessToken!, refreshToken: r.RefreshToken!, sub: decodeJwt(r.IdToken!).sub! };
  }

  const decide = (input: Omit<IsAuthorizedWithTokenCommandInput, 'policyStoreId'>, policyStoreId = storeId) =>
    s.avp.send(new IsAuthorizedWithTokenCommand({ policyStoreId, ...input }));

  /** An ID token reading example_image.png: the seed's request. */
  const readImage = (identityToken: string) => decide({ identityToken, action: action('readFile'), resource: file() });

  /** A token check failed: AVP throws rather than deciding; Tessera names the check in a ValidationException. */
  const expectRefused = (call: Promise<unknown>, reason: RegExp) => expectError(call, 'ValidationException', reason);

  describe('decisions', () => {
    it('allows John (Finance1234, the policy\'s client) to read and to write example_image.png, naming the seed policy', async () => {
      const john = await signIn('john');
      expect(decodeJwt(john.idToken)).toMatchObject({ aud: clientId, 'custom:costCenter': 'Finance1234', token_use: 'id', iss: `${s.url.replace(/:\d+$/, '')}/${poolId}` });
      for (const actionId of ['readFile', 'writeFile']) {
        const r = await decide({ identityToken: john.idToken, action: action(actionId), resource: file() });
        expect(r.decision).toBe('ALLOW');
        expect(r.determiningPolicies).toEqual([{ policyId: seedPolicyId }]);
        expect(r.errors).toEqual([]);
        expect(r.principal).toEqual({ entityType: USER_TYPE, entityId: `${poolId}|${john.sub}` });
      }
    });

    it('denies Jane (Engineering42), with no determining policy', async () => {
      const jane = await signIn('jane');
      for (const actionId of ['readFile', 'writeFile']) {
        const r = await decide({ identityToken: jane.idToken, action: action(actionId), resource: file() });
        expect(r.decision).toBe('DENY');
        expect(r.determiningPolicies).toEqual([]);
        expect(r.principal).toEqual({ entityType: USER_TYPE, entityId: `${poolId}|${jane.sub}` });
      }
    });

    it('denies John deleteFile, and readFile on another file', async () => {
      const john = await signIn('john');
      const del = await decide({ identityToken: john.idToken, action: action('deleteFile'), resource: file() });
      expect(del).toMatchObject({ decision: 'DENY', determiningPolicies: [] });
      const other = await decide({ identityToken: john.idToken, action: action('readFile'), resource: file(OTHER_FILE_ID) });
      expect(other).toMatchObject({ decision: 'DENY', determiningPolicies: [] });
    });

    it('makes the ID token\'s claims the principal\'s attributes (email, email_verified, cognito:username)', async () => {
      const r = await decide({ identityToken: (await signIn('john')).idToken, action: action('whoAmI'), resource: folder('profile') });
      expect(r).toMatchObject({ decision: 'ALLOW', determiningPolicies: [{ policyId: whoAmIPolicyId }], errors: [] });
      const jane = await decide({ identityToken: (await signIn('jane')).idToken, action: action('whoAmI'), resource: folder('profile') });
      expect(jane.decision).toBe('DENY');
    });

    it('makes cognito:groups the principal\'s parents (<groupEntityType>::"<poolId>|<group>"), for ID and access tokens alike', async () => {
      const john = await signIn('john');
      expect(decodeJwt(john.idToken)['cognito:groups']).toEqual(['finance']);
      const byId = await decide({ identityToken: john.idToken, action: action('listFiles'), resource: folder('finance') });
      expect(byId).toMatchObject({ decision: 'ALLOW', determiningPolicies: [{ policyId: groupPolicyId }], errors: [] });
      const byAccess = await decide({ accessToken: john.accessToken, action: action('listFiles'), resource: folder('finance') });
      expect(byAccess).toMatchObject({ decision: 'ALLOW', determiningPolicies: [{ policyId: groupPolicyId }] });
      expect(byAccess.principal).toEqual({ entityType: USER_TYPE, entityId: `${poolId}|${john.sub}` });

      const jane = await signIn('jane');
      expect(decodeJwt(jane.idToken)['cognito:groups']).toBeUndefined();
      expect((await decide({ identityToken: jane.idToken, action: action('listFiles'), resource: folder('finance') })).decision).toBe('DENY');
    });

    it('does not copy cognito:groups into the principal\'s attributes', async () => {
      const r = await decide({ identityToken: (await signIn('john')).idToken, action: action('probeGroupsAttribute'), resource: folder('finance') });
      expect(r).toMatchObject({ decision: 'DENY', determiningPolicies: [] });
    });

    it('takes resource entities from the request next to the principal from the token', async () => {
      const entities = { entityList: [{ identifier: file('jane-notes'), attributes: { owner: { string: 'jane' } } }] };
      const jane = await decide({ identityToken: (await signIn('jane')).idToken, action: action('readOwnFile'), resource: file('jane-notes'), entities });
      expect(jane).toMatchObject({ decision: 'ALLOW', determiningPolicies: [{ policyId: ownerPolicyId }] });
      const john = await decide({ identityToken: (await signIn('john')).idToken, action: action('readOwnFile'), resource: file('jane-notes'), entities });
      expect(john.decision).toBe('DENY');
    });

    it('refuses entities of the identity source\'s principal type in the request', async () => {
      const john = await signIn('john');
      const entities = { entityList: [{ identifier: { entityType: USER_TYPE, entityId: `${poolId}|${john.sub}` }, attributes: { 'custom:costCenter': { string: 'Finance0000' } } }] };
      await expectError(decide({ identityToken: john.idToken, action: action('readFile'), resource: file(), entities }), 'ValidationException', /ExampleCorp::User/);
    });

    it('BatchIsAuthorizedWithToken answers each request in order, with the token\'s principal', async () => {
      const john = await signIn('john');
      const requests: BatchIsAuthorizedWithTokenInputItem[] = [
        { action: action('readFile'), resource: file() },
        { action: action('deleteFile'), resource: file() },
        { action: action('writeFile'), resource: file() },
        { action: action('listFiles'), resource: folder('finance') },
        { action: action('readFile'), resource: file(OTHER_FILE_ID) },
      ];
      const r = await s.avp.send(new BatchIsAuthorizedWithTokenCommand({ policyStoreId: storeId, identityToken: john.idToken, requests }));
      expect(r.principal).toEqual({ entityType: USER_TYPE, entityId: `${poolId}|${john.sub}` });
      expect(r.results!.map((x) => x.request)).toEqual(requests);
      expect(r.results!.map((x) => x.decision)).toEqual(['ALLOW', 'DENY', 'ALLOW', 'ALLOW', 'DENY']);
      expect(r.results!.map((x) => x.determiningPolicies)).toEqual([[{ policyId: seedPolicyId }], [], [{ policyId: seedPolicyId }], [{ policyId: groupPolicyId }], []]);

      const jane = await signIn('jane');
      const forJane = await s.avp.send(new BatchIsAuthorizedWithTokenCommand({ policyStoreId: storeId, identityToken: jane.idToken, requests }));
      expect(forJane.principal).toEqual({ entityType: USER_TYPE, entityId: `${poolId}|${jane.sub}` });
      expect(forJane.results!.map((x) => x.decision)).toEqual(['DENY', 'DENY', 'DENY', 'DENY', 'DENY']);
    });
  });

  describe('the five checks AVP makes on a token', () => {
    it('1. refuses a token of a user pool that is not the store\'s identity source', async () => {
      const foreign = await signIn('john', foreignClientId);
      expect(decodeJwt(foreign.idToken)).toMatchObject({ 'cognito:username': 'john', 'custom:costCenter': 'Finance1234', aud: foreignClientId });
      await expectRefused(readImage(foreign.idToken), /identity source|issuer|pool/i);
      await expectRefused(decide({ accessToken: foreign.accessToken, action: action('listFiles'), resource: folder('finance') }), /identity source|issuer|pool/i);
    });

    it('1. refuses any token when the store has no identity source', async () => {
      const bare = (await s.avp.send(new CreatePolicyStoreCommand({ validationSettings: { mode: 'OFF' } }))).policyStoreId!;
      await createPolicy(bare, 'permit (principal, action, resource);');
      await expectRefused(decide({ identityToken: (await signIn('john')).idToken, action: action('readFile'), resource: file() }, bare), /identity source/i);
    });

    it('2. refuses an ID token whose aud, or an access token whose client_id, is not in clientIds', async () => {
      const other = await signIn('john', otherClientId);
      expect(decodeJwt(other.idToken).aud).toBe(otherClientId);
      expect(decodeJwt(other.accessToken).client_id).toBe(otherClientId);
      await expectRefused(readImage(other.idToken), /aud|client/i);
      await expectRefused(decide({ accessToken: other.accessToken, action: action('listFiles'), resource: folder('finance') }), /client/i);
      await expectRefused(
        s.avp.send(new BatchIsAuthorizedWithTokenCommand({ policyStoreId: storeId, identityToken: other.idToken, requests: [{ action: action('readFile'), resource: file() }] })),
        /aud|client/i,
      );
    });

    it('4. refuses an access token passed as identityToken, and an ID token passed as accessToken', async () => {
      const john = await signIn('john');
      await expectRefused(readImage(john.accessToken), /token_use|token use/i);
      await expectRefused(decide({ accessToken: john.idToken, action: action('listFiles'), resource: folder('finance') }), /token_use|token use/i);
    });

    it('5. refuses a token whose claims were edited after signing', async () => {
      const jane = await signIn('jane');
      const [header, , signature] = jane.idToken.split('.');
      const claims = { ...decodeJwt(jane.idToken), 'custom:costCenter': 'Finance1234' };
      const forged = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
      await expectRefused(readImage(forged), /signature|signed/i);
    });

    it('5. refuses a token whose signature segment was altered', async () => {
      const john = await signIn('john');
      const [header, payload, signature] = john.idToken.split('.') as [string, string, string];
      // Flip one character in the middle (the last one may only carry padding bits).
      const i = Math.floor(signature.length / 2);
      const flipped = signature.slice(0, i) + (signature[i] === 'A' ? 'B' : 'A') + signature.slice(i + 1);
      await expectRefused(readImage([header, payload, flipped].join('.')), /signature|signed/i);
    });

    it('5. refuses a token signed with a key the pool never published, whatever kid it names', async () => {
      const john = await signIn('john');
      const { privateKey } = await generateKeyPair('RS256');
      const claims = decodeJwt(john.idToken);
      for (const kid of [decodeProtectedHeader(john.idToken).kid!, 'a-kid-nobody-published']) {
        const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
        await expectRefused(readImage(forged), /signature|signed/i);
      }
    });

    it('5. refuses an unsigned token (alg none)', async () => {
      const john = await signIn('john');
      const header = Buffer.from(JSON.stringify({ alg: 'none', kid: decodeProtectedHeader(john.idToken).kid })).toString('base64url');
      const unsigned = `${header}.${john.idToken.split('.')[1]}.`;
      await expectRefused(readImage(unsigned), /signature|signed|alg/i);
    });

    it('refuses what is not a JWT at all', async () => {
      await expectError(readImage('not-a-jwt'), 'ValidationException');
    });
  });

  /**
   * AVP itself never looks at revocation or at the user (the seed says such tokens stay valid until they
   * expire). Tessera does, and answers as AVP answers a token that passes its five checks: with a
   * decision, DENY, no determining policy, and the reason in `errors` (for every request of a batch).
   */
  describe('what Tessera refuses beyond AVP: revoked sessions, disabled and deleted users', () => {
    /** A Finance user of their own, in the finance group, signed in; both tokens allowed until the test takes it away. */
    async function allowedUser(name: string) {
      await createUser(name, 'Finance5678', ['finance']);
      const t = await signIn(name);
      expect((await readImage(t.idToken)).decision).toBe('ALLOW');
      expect((await listWithAccessToken(t.accessToken)).decision).toBe('ALLOW');
      return t;
    }
    const listWithAccessToken = (accessToken: string) => decide({ accessToken, action: action('listFiles'), resource: folder('finance') });

    async function expectDenied(call: Promise<IsAuthorizedWithTokenCommandOutput>, sub: string, reason: RegExp) {
      const r = await call;
      expect(r.decision).toBe('DENY');
      expect(r.determiningPolicies).toEqual([]);
      expect(r.errors!.map((e) => e.errorDescription).join(' ')).toMatch(reason);
      expect(r.principal).toEqual({ entityType: USER_TYPE, entityId: `${poolId}|${sub}` });
    }

    it('denies the ID and access tokens of a refresh token revoked with RevokeToken', async () => {
      const t = await allowedUser('revoked-refresh');
      await s.anonymous.send(new RevokeTokenCommand({ ClientId: clientId, Token: t.refreshToken }));
      await expectDenied(readImage(t.idToken), t.sub, /revoked/i);
      await expectDenied(listWithAccessToken(t.accessToken), t.sub, /revoked/i);
    });

    it('denies tokens after GlobalSignOut, in single and batch calls', async () => {
      const t = await allowedUser('signed-out');
      await s.anonymous.send(new GlobalSignOutCommand({ AccessToken: t.accessToken }));
      await expectDenied(readImage(t.idToken), t.sub, /revoked/i);
      const batch = await s.avp.send(
        new BatchIsAuthorizedWithTokenCommand({
          policyStoreId: storeId,
          identityToken: t.idToken,
          requests: [
            { action: action('readFile'), resource: file() },
            { action: action('listFiles'), resource: folder('finance') },
          ],
        }),
      );
      expect(batch.results!.map((x) => [x.decision, x.determiningPolicies])).toEqual([
        ['DENY', []],
        ['DENY', []],
      ]);
      for (const x of batch.results!) expect(x.errors!.map((e) => e.errorDescription).join(' ')).toMatch(/revoked/i);
    });

    it('denies tokens after AdminUserGlobalSignOut', async () => {
      const t = await allowedUser('admin-signed-out');
      await s.admin.send(new AdminUserGlobalSignOutCommand({ UserPoolId: poolId, Username: 'admin-signed-out' }));
      await expectDenied(readImage(t.idToken), t.sub, /revoked/i);
      await expectDenied(listWithAccessToken(t.accessToken), t.sub, /revoked/i);
    });

    it('denies the tokens of a disabled user', async () => {
      const t = await allowedUser('disabled');
      await s.admin.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: 'disabled' }));
      await expectDenied(readImage(t.idToken), t.sub, /disabled/i);
      await expectDenied(listWithAccessToken(t.accessToken), t.sub, /disabled/i);
    });

    it('denies the tokens of a deleted user', async () => {
      const t = await allowedUser('deleted');
      await s.admin.send(new AdminDeleteUserCommand({ UserPoolId: poolId, Username: 'deleted' }));
      await expectDenied(readImage(t.idToken), t.sub, /no longer exists|not exist|deleted/i);
      await expectDenied(listWithAccessToken(t.accessToken), t.sub, /no longer exists|not exist|deleted/i);
    });
  });

  describe('a STRICT store with the ExampleCorp schema, and no clientIds', () => {
    let strictStoreId: string;
    let strictPolicyId: string;

    beforeAll(async () => {
      strictStoreId = (await s.avp.send(new CreatePolicyStoreCommand({ validationSettings: { mode: 'STRICT' } }))).policyStoreId!;
      const schema = await s.avp.send(new PutSchemaCommand({ policyStoreId: strictStoreId, definition: { cedarJson: JSON.stringify(STRICT_SCHEMA) } }));
      expect(schema.namespaces).toEqual(['ExampleCorp']);
      await s.avp.send(
        new CreateIdentitySourceCommand({
          policyStoreId: strictStoreId,
          principalEntityType: USER_TYPE,
          configuration: { cognitoUserPoolConfiguration: { userPoolArn: poolArn, clientIds: [], groupConfiguration: { groupEntityType: GROUP_TYPE } } },
        }),
      );
      strictPolicyId = await createPolicy(
        strictStoreId,
        `permit (principal, action in [ExampleCorp::Action::"readFile", ExampleCorp::Action::"writeFile"], resource == ExampleCorp::File::"${FILE_ID}")
         when { principal has "custom:costCenter" && principal["custom:costCenter"] like "Finance*" };`,
      );
    });

    it('refuses a policy that the schema does not allow', async () => {
      await expectError(
        s.avp.send(new CreatePolicyCommand({ policyStoreId: strictStoreId, definition: { static: { statement: 'permit (principal, action, resource) when { principal.salary > 100 };' } } })),
        'ValidationException',
      );
    });

    it('allows John and denies Jane, with namespaced actions', async () => {
      const john = await signIn('john');
      for (const actionId of ['readFile', 'writeFile']) {
        const r = await decide({ identityToken: john.idToken, action: action(actionId, 'ExampleCorp::Action'), resource: file() }, strictStoreId);
        expect(r).toMatchObject({ decision: 'ALLOW', determiningPolicies: [{ policyId: strictPolicyId }], errors: [] });
      }
      const del = await decide({ identityToken: john.idToken, action: action('deleteFile', 'ExampleCorp::Action'), resource: file() }, strictStoreId);
      expect(del.decision).toBe('DENY');
      const jane = await decide({ identityToken: (await signIn('jane')).idToken, action: action('readFile', 'ExampleCorp::Action'), resource: file() }, strictStoreId);
      expect(jane).toMatchObject({ decision: 'DENY', determiningPolicies: [] });
    });

    it('accepts a token of any client of the pool when clientIds is empty', async () => {
      const other = await signIn('john', otherClientId);
      const r = await decide({ identityToken: other.idToken, action: action('readFile', 'ExampleCorp::Action'), resource: file() }, strictStoreId);
      expect(r).toMatchObject({ decision: 'ALLOW', determiningPolicies: [{ policyId: strictPolicyId }] });
    });
  });

  describe('the identity source', () => {
    it('must name a user pool that exists', async () => {
      const store = (await s.avp.send(new CreatePolicyStoreCommand({ validationSettings: { mode: 'OFF' } }))).policyStoreId!;
      await expectError(
        s.avp.send(
          new CreateIdentitySourceCommand({
            policyStoreId: store,
            principalEntityType: USER_TYPE,
            configuration: { cognitoUserPoolConfiguration: { userPoolArn: poolArn.replace(poolId, 'us-east-1_NoSuchPool'), clientIds: [] } },
          }),
        ),
        'ValidationException',
        /us-east-1_NoSuchPool/,
      );
    });
  });

  // Last: the clock only moves forward, and every token signed before this point expires with it.
  describe('3. expiry', () => {
    it('refuses ID and access tokens once they have expired (1 h), in single and batch calls', async () => {
      const john = await signIn('john');
      expect((await readImage(john.idToken)).decision).toBe('ALLOW');
      expect(decodeJwt(john.idToken).exp! - decodeJwt(john.idToken).iat!).toBe(3600);
      clock.advance(3600_000 + 60_000);
      await expectRefused(readImage(john.idToken), /expired/i);
      await expectRefused(decide({ accessToken: john.accessToken, action: action('listFiles'), resource: folder('finance') }), /expired/i);
      await expectRefused(
        s.avp.send(new BatchIsAuthorizedWithTokenCommand({ policyStoreId: storeId, identityToken: john.idToken, requests: [{ action: action('readFile'), resource: file() }] })),
        /expired/i,
      );
      // A new sign-in at the new time is allowed again.
      expect((await readImage((await signIn('john')).idToken)).decision).toBe('ALLOW');
    });
  });
});
