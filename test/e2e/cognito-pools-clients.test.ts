import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CreateUserPoolClientCommand,
  type CreateUserPoolClientCommandInput,
  CreateUserPoolCommand,
  DeleteUserPoolClientCommand,
  DeleteUserPoolCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  InitiateAuthCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  UpdateUserPoolClientCommand,
  UpdateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../support/expect-error.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('Cognito user pools and app clients through the AWS SDK', () => {
  let s: TestServer;
  const PASSWORD = 'Corr3ct-Horse!';

  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => s?.close());

  const createPool = async (name: string, extra: Partial<ConstructorParameters<typeof CreateUserPoolCommand>[0]> = {}) =>
    (await s.admin.send(new CreateUserPoolCommand({ PoolName: name, ...extra }))).UserPool!;
  const createClient = async (poolId: string, extra: Partial<CreateUserPoolClientCommandInput> = {}) =>
    (await s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ...extra }))).UserPoolClient!;

  describe('user pools', () => {
    it('creates a pool with a region-prefixed id, an ARN, dates and Cognito default settings', async () => {
      const before = Date.now();
      const pool = await createPool('defaults-pool');
      expect(pool.Id).toMatch(/^us-east-1_[0-9a-zA-Z]+$/);
      expect(pool.Name).toBe('defaults-pool');
      expect(pool.Arn).toBe(`arn:aws:cognito-idp:us-east-1:000000000000:userpool/${pool.Id}`);
      expect(pool.CreationDate).toBeInstanceOf(Date);
      expect(pool.CreationDate!.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(pool.LastModifiedDate).toBeInstanceOf(Date);
      expect(pool.Policies?.PasswordPolicy).toMatchObject({ MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 7 });
      expect(pool.MfaConfiguration).toBe('OFF');
      expect(pool.DeletionProtection).toBe('INACTIVE');
      expect(pool.AdminCreateUserConfig?.AllowAdminCreateUserOnly).toBe(false);
      const names = pool.SchemaAttributes!.map((a) => a.Name);
      expect(names).toEqual(expect.arrayContaining(['sub', 'email', 'email_verified', 'phone_number', 'given_name', 'family_name']));
      expect(pool.SchemaAttributes!.find((a) => a.Name === 'sub')).toMatchObject({ Mutable: false, Required: true });
    });

    it('keeps the settings and custom schema attributes a pool was created with', async () => {
      const pool = await createPool('custom-pool', {
        Policies: { PasswordPolicy: { MinimumLength: 12, RequireSymbols: false } },
        AutoVerifiedAttributes: ['email'],
        UsernameAttributes: ['email'],
        Schema: [{ Name: 'tier', AttributeDataType: 'String', Mutable: true }],
      });
      const described = (await s.admin.send(new DescribeUserPoolCommand({ UserPoolId: pool.Id }))).UserPool!;
      expect(described.Policies?.PasswordPolicy).toMatchObject({ MinimumLength: 12, RequireSymbols: false, RequireUppercase: true });
      expect(described.AutoVerifiedAttributes).toEqual(['email']);
      expect(described.UsernameAttributes).toEqual(['email']);
      expect(described.SchemaAttributes!.find((a) => a.Name === 'custom:tier')).toMatchObject({ AttributeDataType: 'String', Mutable: true });
    });

    it('refuses a pool name outside the allowed pattern with an InvalidParameterException naming the member', async () => {
      await expectError(s.admin.send(new CreateUserPoolCommand({ PoolName: 'no/slashes allowed!' })), 'InvalidParameterException', /poolName.*regular expression/);
    });

    it('refuses a pool that sets both alias attributes and username attributes', async () => {
      await expectError(
        s.admin.send(new CreateUserPoolCommand({ PoolName: 'both', AliasAttributes: ['email'], UsernameAttributes: ['email'] })),
        'InvalidParameterException',
      );
    });

    it('refuses a password policy shorter than Cognito allows', async () => {
      await expectError(s.admin.send(new CreateUserPoolCommand({ PoolName: 'weak', Policies: { PasswordPolicy: { MinimumLength: 5 } } })), 'InvalidParameterException', /minimumLength/);
    });

    it('counts users in EstimatedNumberOfUsers', async () => {
      const pool = await createPool('counted');
      for (const name of ['u1', 'u2', 'u3']) await s.admin.send(new AdminCreateUserCommand({ UserPoolId: pool.Id, Username: name, MessageAction: 'SUPPRESS' }));
      const described = (await s.admin.send(new DescribeUserPoolCommand({ UserPoolId: pool.Id }))).UserPool!;
      expect(described.EstimatedNumberOfUsers).toBe(3);
    });

    it('answers ResourceNotFoundException for a pool that does not exist', async () => {
      await expectError(s.admin.send(new DescribeUserPoolCommand({ UserPoolId: 'us-east-1_Nope0000' })), 'ResourceNotFoundException', 'User pool us-east-1_Nope0000 does not exist.');
      await expectError(s.admin.send(new UpdateUserPoolCommand({ UserPoolId: 'us-east-1_Nope0000' })), 'ResourceNotFoundException');
      await expectError(s.admin.send(new DeleteUserPoolCommand({ UserPoolId: 'us-east-1_Nope0000' })), 'ResourceNotFoundException');
    });

    it('refuses a malformed pool id before looking it up', async () => {
      await expectError(s.admin.send(new DescribeUserPoolCommand({ UserPoolId: 'not-a-pool-id' })), 'InvalidParameterException', /userPoolId/);
    });

    it('updates a pool and, as Cognito documents, resets settings the request leaves out to their defaults', async () => {
      const pool = await createPool('to-update', { AutoVerifiedAttributes: ['email'], UsernameAttributes: ['email'], Policies: { PasswordPolicy: { MinimumLength: 10 } } });
      await s.admin.send(new UpdateUserPoolCommand({ UserPoolId: pool.Id, Policies: { PasswordPolicy: { MinimumLength: 14, RequireNumbers: false } }, MfaConfiguration: 'OFF' }));
      const described = (await s.admin.send(new DescribeUserPoolCommand({ UserPoolId: pool.Id }))).UserPool!;
      expect(described.Policies?.PasswordPolicy).toMatchObject({ MinimumLength: 14, RequireNumbers: false, RequireUppercase: true });
      expect(described.AutoVerifiedAttributes ?? []).toEqual([]);
      // Sign-in attributes are fixed at creation and survive the update.
      expect(described.UsernameAttributes).toEqual(['email']);
      expect(described.LastModifiedDate!.getTime()).toBeGreaterThanOrEqual(pool.LastModifiedDate!.getTime());
      expect(described.CreationDate!.getTime()).toBe(pool.CreationDate!.getTime());
    });

    it('deletes a pool, after which it is not found', async () => {
      const pool = await createPool('to-delete');
      await s.admin.send(new DeleteUserPoolCommand({ UserPoolId: pool.Id }));
      await expectError(s.admin.send(new DescribeUserPoolCommand({ UserPoolId: pool.Id })), 'ResourceNotFoundException', `User pool ${pool.Id} does not exist.`);
      await expectError(s.admin.send(new DeleteUserPoolCommand({ UserPoolId: pool.Id })), 'ResourceNotFoundException');
    });

    it('refuses to delete a pool with deletion protection until the protection is turned off', async () => {
      const pool = await createPool('protected', { DeletionProtection: 'ACTIVE' });
      expect(pool.DeletionProtection).toBe('ACTIVE');
      await expectError(
        s.admin.send(new DeleteUserPoolCommand({ UserPoolId: pool.Id })),
        'InvalidParameterException',
        'The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.',
      );
      expect((await s.admin.send(new DescribeUserPoolCommand({ UserPoolId: pool.Id }))).UserPool!.Id).toBe(pool.Id);
      await s.admin.send(new UpdateUserPoolCommand({ UserPoolId: pool.Id, DeletionProtection: 'INACTIVE' }));
      await s.admin.send(new DeleteUserPoolCommand({ UserPoolId: pool.Id }));
      await expectError(s.admin.send(new DescribeUserPoolCommand({ UserPoolId: pool.Id })), 'ResourceNotFoundException');
    });

    it('pages through every pool with MaxResults and NextToken, without repeats', async () => {
      const created = new Set<string>();
      for (let i = 0; i < 5; i++) created.add((await createPool(`paged-${i}`)).Id!);
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await s.admin.send(new ListUserPoolsCommand({ MaxResults: 2, NextToken: token }));
        expect(page.UserPools!.length).toBeLessThanOrEqual(2);
        for (const p of page.UserPools!) {
          expect(p.Name).toBeTruthy();
          expect(p.CreationDate).toBeInstanceOf(Date);
          seen.push(p.Id!);
        }
        token = page.NextToken;
        pages++;
      } while (token && pages < 100);
      expect(token).toBeUndefined();
      expect(new Set(seen).size).toBe(seen.length);
      for (const id of created) expect(seen).toContain(id);
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    it('refuses MaxResults outside 1..60 and a forged NextToken', async () => {
      await expectError(s.admin.send(new ListUserPoolsCommand({ MaxResults: 61 })), 'InvalidParameterException', /maxResults/);
      await expectError(s.admin.send(new ListUserPoolsCommand({ MaxResults: 0 })), 'InvalidParameterException', /maxResults/);
      await expectError(s.admin.send(new ListUserPoolsCommand({ MaxResults: 10, NextToken: 'bm90LWEtdG9rZW4' })), 'InvalidParameterException');
    });

    it('refuses administrative calls that are not signed with the admin credentials', async () => {
      await expectError(s.anonymous.send(new CreateUserPoolCommand({ PoolName: 'intruder' })), 'UnrecognizedClientException', 'The security token included in the request is invalid.');
      await expectError(s.anonymous.send(new ListUserPoolsCommand({ MaxResults: 10 })), 'UnrecognizedClientException');
    });
  });

  describe('app clients', () => {
    let poolId: string;
    beforeAll(async () => {
      poolId = (await createPool('clients-pool')).Id!;
    });

    it('creates a public client without a secret and with Cognito default flows and validities', async () => {
      const client = await createClient(poolId, { ClientName: 'public-app' });
      expect(client.ClientId).toMatch(/^[\w+]+$/);
      expect(client.ClientName).toBe('public-app');
      expect(client.UserPoolId).toBe(poolId);
      expect(client.ClientSecret).toBeUndefined();
      expect(client.ExplicitAuthFlows).toEqual(expect.arrayContaining(['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH']));
      expect(client.RefreshTokenValidity).toBe(30);
      expect(client.PreventUserExistenceErrors).toBe('ENABLED');
      expect(client.EnableTokenRevocation).toBe(true);
      expect(client.CreationDate).toBeInstanceOf(Date);
    });

    it('creates a confidential client whose secret DescribeUserPoolClient returns and ListUserPoolClients does not', async () => {
      const client = await createClient(poolId, { ClientName: 'server-app', GenerateSecret: true });
      expect(client.ClientSecret).toMatch(/^[\w+/=-]{20,}$/);
      const described = (await s.admin.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: client.ClientId }))).UserPoolClient!;
      expect(described.ClientSecret).toBe(client.ClientSecret);
      const listed = (await s.admin.send(new ListUserPoolClientsCommand({ UserPoolId: poolId, MaxResults: 60 }))).UserPoolClients!;
      const summary = listed.find((c) => c.ClientId === client.ClientId);
      expect(summary).toEqual({ ClientId: client.ClientId, UserPoolId: poolId, ClientName: 'server-app' });
    });

    it('maps legacy auth flow names to their ALLOW_ forms', async () => {
      const client = await createClient(poolId, { ExplicitAuthFlows: ['USER_PASSWORD_AUTH', 'ADMIN_NO_SRP_AUTH'] });
      expect([...client.ExplicitAuthFlows!].sort()).toEqual(['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_USER_PASSWORD_AUTH']);
    });

    it('mints tokens that live exactly as long as the client says, in the units it says', async () => {
      const client = await createClient(poolId, {
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        AccessTokenValidity: 5,
        IdTokenValidity: 2,
        RefreshTokenValidity: 180,
        TokenValidityUnits: { AccessToken: 'minutes', RefreshToken: 'minutes' },
      });
      // Without a unit, ID token validity is in hours.
      expect(client.TokenValidityUnits).toEqual({ AccessToken: 'minutes', IdToken: 'hours', RefreshToken: 'minutes' });
      await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'timed', MessageAction: 'SUPPRESS' }));
      await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'timed', Password: PASSWORD, Permanent: true }));
      const auth = await s.anonymous.send(new InitiateAuthCommand({ ClientId: client.ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'timed', PASSWORD } }));
      expect(auth.AuthenticationResult!.ExpiresIn).toBe(300);
      const access = decodeJwt(auth.AuthenticationResult!.AccessToken!);
      const id = decodeJwt(auth.AuthenticationResult!.IdToken!);
      expect(access.exp! - access.iat!).toBe(300);
      expect(id.exp! - id.iat!).toBe(7200);
    });

    it('mints one-hour tokens for a client created with default validities', async () => {
      const client = await createClient(poolId, { ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] });
      const auth = await s.anonymous.send(new InitiateAuthCommand({ ClientId: client.ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'timed', PASSWORD } }));
      expect(auth.AuthenticationResult!.ExpiresIn).toBe(3600);
      const access = decodeJwt(auth.AuthenticationResult!.AccessToken!);
      expect(access.exp! - access.iat!).toBe(3600);
    });

    it('accepts token validities at the edges of Cognito ranges', async () => {
      const client = await createClient(poolId, {
        AccessTokenValidity: 1,
        IdTokenValidity: 86_400,
        RefreshTokenValidity: 3650,
        TokenValidityUnits: { AccessToken: 'days', IdToken: 'seconds', RefreshToken: 'days' },
      });
      expect(client.AccessTokenValidity).toBe(1);
      expect(client.IdTokenValidity).toBe(86_400);
      expect(client.RefreshTokenValidity).toBe(3650);
      const short = await createClient(poolId, { AccessTokenValidity: 5, IdTokenValidity: 300, TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'seconds' } });
      expect(short.AccessTokenValidity).toBe(5);
    });

    it.each([
      ['an access token shorter than five minutes', { AccessTokenValidity: 4, TokenValidityUnits: { AccessToken: 'minutes' } }],
      ['an access token longer than one day', { AccessTokenValidity: 25 }],
      ['an ID token longer than one day', { IdTokenValidity: 86_401, TokenValidityUnits: { IdToken: 'seconds' } }],
      ['an ID token shorter than five minutes', { IdTokenValidity: 299, TokenValidityUnits: { IdToken: 'seconds' } }],
      ['a refresh token shorter than one hour', { RefreshTokenValidity: 59, TokenValidityUnits: { RefreshToken: 'minutes' } }],
      ['a refresh token longer than ten years', { RefreshTokenValidity: 3651 }],
    ] as Array<[string, Partial<CreateUserPoolClientCommandInput>]>)('refuses a client with %s', async (_label, settings) => {
      await expectError(s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'bad-validity', ...settings })), 'InvalidParameterException');
    });

    it('refuses a callback URL that is plain http and not localhost', async () => {
      await expectError(createClient(poolId, { CallbackURLs: ['http://example.com/cb'] }), 'InvalidParameterException');
      const ok = await createClient(poolId, { CallbackURLs: ['http://localhost:3000/cb', 'https://example.com/cb'] });
      expect(ok.CallbackURLs).toEqual(['http://localhost:3000/cb', 'https://example.com/cb']);
    });

    it('refuses a client for a pool that does not exist', async () => {
      await expectError(s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: 'us-east-1_Nope0000', ClientName: 'x' })), 'ResourceNotFoundException', 'User pool us-east-1_Nope0000 does not exist.');
    });

    it('updates a client, keeps its id and secret, and resets settings the request leaves out', async () => {
      const client = await createClient(poolId, { ClientName: 'before', GenerateSecret: true, ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'], PreventUserExistenceErrors: 'LEGACY', AccessTokenValidity: 2 });
      const updated = (
        await s.admin.send(new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: client.ClientId, ClientName: 'after', ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))
      ).UserPoolClient!;
      expect(updated.ClientId).toBe(client.ClientId);
      expect(updated.ClientName).toBe('after');
      expect(updated.ClientSecret).toBe(client.ClientSecret);
      expect([...updated.ExplicitAuthFlows!].sort()).toEqual(['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
      expect(updated.PreventUserExistenceErrors).toBe('ENABLED');
      expect(updated.AccessTokenValidity).toBe(60);
      const described = (await s.admin.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: client.ClientId }))).UserPoolClient!;
      expect(described.ClientName).toBe('after');
    });

    it('refuses an update that breaks the token validity ranges', async () => {
      const client = await createClient(poolId);
      await expectError(
        s.admin.send(new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: client.ClientId, AccessTokenValidity: 2, TokenValidityUnits: { AccessToken: 'days' } })),
        'InvalidParameterException',
      );
    });

    it('answers ResourceNotFoundException for a client that does not exist or belongs to another pool', async () => {
      const other = await createPool('other-pool');
      const foreign = await createClient(other.Id!);
      await expectError(s.admin.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: 'nosuchclient123' })), 'ResourceNotFoundException', 'User pool client nosuchclient123 does not exist.');
      await expectError(s.admin.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: foreign.ClientId })), 'ResourceNotFoundException');
      await expectError(s.admin.send(new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: foreign.ClientId, ClientName: 'hijack' })), 'ResourceNotFoundException');
      await expectError(s.admin.send(new DeleteUserPoolClientCommand({ UserPoolId: poolId, ClientId: foreign.ClientId })), 'ResourceNotFoundException');
      // The foreign client is untouched.
      expect((await s.admin.send(new DescribeUserPoolClientCommand({ UserPoolId: other.Id, ClientId: foreign.ClientId }))).UserPoolClient!.ClientName).toBe('app');
    });

    it('refuses a client id with characters outside the allowed pattern', async () => {
      await expectError(s.admin.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: 'bad client!' })), 'InvalidParameterException', /clientId/);
    });

    it('deletes a client, after which it is not found and cannot sign anyone in', async () => {
      const client = await createClient(poolId, { ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] });
      await s.admin.send(new DeleteUserPoolClientCommand({ UserPoolId: poolId, ClientId: client.ClientId }));
      await expectError(s.admin.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: client.ClientId })), 'ResourceNotFoundException');
      await expectError(
        s.anonymous.send(new InitiateAuthCommand({ ClientId: client.ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'timed', PASSWORD } })),
        'ResourceNotFoundException',
        `User pool client ${client.ClientId} does not exist.`,
      );
    });

    it('pages through a pool clients with MaxResults and NextToken', async () => {
      const pool = await createPool('many-clients');
      const ids = new Set<string>();
      for (let i = 0; i < 5; i++) ids.add((await createClient(pool.Id!, { ClientName: `c${i}` })).ClientId!);
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await s.admin.send(new ListUserPoolClientsCommand({ UserPoolId: pool.Id, MaxResults: 2, NextToken: token }));
        expect(page.UserPoolClients!.length).toBeLessThanOrEqual(2);
        seen.push(...page.UserPoolClients!.map((c) => c.ClientId!));
        token = page.NextToken;
        pages++;
      } while (token && pages < 20);
      expect(pages).toBe(3);
      expect(new Set(seen)).toEqual(ids);
    });

    it('refuses to list the clients of a pool that does not exist', async () => {
      await expectError(s.admin.send(new ListUserPoolClientsCommand({ UserPoolId: 'us-east-1_Nope0000' })), 'ResourceNotFoundException');
    });
  });
});
