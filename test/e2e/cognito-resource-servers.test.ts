import {
  CreateResourceServerCommand,
  type CreateResourceServerCommandInput,
  CreateUserPoolClientCommand,
  type CreateUserPoolClientCommandInput,
  CreateUserPoolCommand,
  DeleteResourceServerCommand,
  DescribeResourceServerCommand,
  DescribeUserPoolClientCommand,
  ListResourceServersCommand,
  type ResourceServerScopeType,
  UpdateResourceServerCommand,
  UpdateUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../support/expect-error.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const scopes = (...names: string[]): ResourceServerScopeType[] => names.map((ScopeName) => ({ ScopeName, ScopeDescription: `May ${ScopeName}` }));

describe('Cognito resource servers through the AWS SDK', () => {
  let s: TestServer;
  let poolId: string;

  beforeAll(async () => {
    s = await startTestServer();
    poolId = await newPool('resource-servers');
  });
  afterAll(async () => s?.close());

  async function newPool(PoolName: string): Promise<string> {
    return (await s.admin.send(new CreateUserPoolCommand({ PoolName }))).UserPool!.Id!;
  }
  const create = (input: Omit<CreateResourceServerCommandInput, 'UserPoolId'>, pool = poolId) => s.admin.send(new CreateResourceServerCommand({ UserPoolId: pool, ...input }));
  const describeServer = (Identifier: string, pool = poolId) => s.admin.send(new DescribeResourceServerCommand({ UserPoolId: pool, Identifier }));
  const createClient = (input: Omit<CreateUserPoolClientCommandInput, 'UserPoolId'>, pool = poolId) => s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: pool, ...input }));

  describe('lifecycle', () => {
    it('creates a resource server with its scopes and answers exactly Cognito ResourceServerType', async () => {
      const { ResourceServer } = await create({ Identifier: 'https://weather.example.com', Name: 'Weather API', Scopes: scopes('read', 'write') });
      const expected = { UserPoolId: poolId, Identifier: 'https://weather.example.com', Name: 'Weather API', Scopes: scopes('read', 'write') };
      expect(ResourceServer).toEqual(expected);
      expect((await describeServer('https://weather.example.com')).ResourceServer).toEqual(expected);
    });

    it('creates a resource server without scopes, whose Scopes is an empty list', async () => {
      const { ResourceServer } = await create({ Identifier: 'no-scopes', Name: 'Bare' });
      expect(ResourceServer).toEqual({ UserPoolId: poolId, Identifier: 'no-scopes', Name: 'Bare', Scopes: [] });
    });

    it('accepts every character Cognito allows: slashes and colons in identifiers, dots and symbols in scope names', async () => {
      const Identifier = `urn:api/v1!#$%&'()*+,-.:;<=>?@[]^_\`{|}~`;
      const { ResourceServer } = await create({ Identifier, Name: 'Odd_name 1+=,.@-', Scopes: scopes('a.b-c_d:e*f', '!#$%&()*+,-.:;<=>?@[]^_`{|}~') });
      expect(ResourceServer!.Identifier).toBe(Identifier);
      expect((await describeServer(Identifier)).ResourceServer!.Scopes).toHaveLength(2);
    });

    it('updates a resource server, replacing its name and its whole list of scopes', async () => {
      await create({ Identifier: 'orders', Name: 'Orders', Scopes: scopes('read', 'write', 'delete') });
      const { ResourceServer } = await s.admin.send(new UpdateResourceServerCommand({ UserPoolId: poolId, Identifier: 'orders', Name: 'Orders v2', Scopes: scopes('read', 'admin') }));
      expect(ResourceServer).toEqual({ UserPoolId: poolId, Identifier: 'orders', Name: 'Orders v2', Scopes: scopes('read', 'admin') });
      expect((await describeServer('orders')).ResourceServer).toEqual(ResourceServer);
    });

    it('removes every scope when an update leaves Scopes out', async () => {
      await create({ Identifier: 'shrinking', Name: 'Shrinking', Scopes: scopes('one') });
      await s.admin.send(new UpdateResourceServerCommand({ UserPoolId: poolId, Identifier: 'shrinking', Name: 'Shrinking' }));
      expect((await describeServer('shrinking')).ResourceServer!.Scopes).toEqual([]);
    });

    it('deletes a resource server, after which it is not found', async () => {
      await create({ Identifier: 'doomed', Name: 'Doomed', Scopes: scopes('x') });
      await s.admin.send(new DeleteResourceServerCommand({ UserPoolId: poolId, Identifier: 'doomed' }));
      await expectError(describeServer('doomed'), 'ResourceNotFoundException', 'Resource server doomed does not exist.');
      await expectError(s.admin.send(new DeleteResourceServerCommand({ UserPoolId: poolId, Identifier: 'doomed' })), 'ResourceNotFoundException');
    });

    it('lets two pools use the same identifier independently', async () => {
      const other = await newPool('other-pool');
      await create({ Identifier: 'shared', Name: 'Here', Scopes: scopes('a') });
      await create({ Identifier: 'shared', Name: 'There', Scopes: scopes('b') }, other);
      expect((await describeServer('shared')).ResourceServer!.Name).toBe('Here');
      expect((await describeServer('shared', other)).ResourceServer!.Name).toBe('There');
    });

    it('refuses a second resource server with the same identifier in Cognito words', async () => {
      await create({ Identifier: 'twice', Name: 'First' });
      await expectError(create({ Identifier: 'twice', Name: 'Second' }), 'InvalidParameterException', `twice already exists in user pool ${poolId}.`);
      expect((await describeServer('twice')).ResourceServer!.Name).toBe('First');
    });

    it('answers ResourceNotFoundException to describe, update and delete of a resource server that does not exist', async () => {
      await expectError(describeServer('ghost'), 'ResourceNotFoundException', 'Resource server ghost does not exist.');
      await expectError(s.admin.send(new UpdateResourceServerCommand({ UserPoolId: poolId, Identifier: 'ghost', Name: 'Ghost' })), 'ResourceNotFoundException', 'Resource server ghost does not exist.');
      await expectError(s.admin.send(new DeleteResourceServerCommand({ UserPoolId: poolId, Identifier: 'ghost' })), 'ResourceNotFoundException', 'Resource server ghost does not exist.');
    });

    it('answers ResourceNotFoundException for every operation on a pool that does not exist', async () => {
      const missing = 'us-east-1_Missing0';
      const notFound = `User pool ${missing} does not exist.`;
      await expectError(create({ Identifier: 'x', Name: 'X' }, missing), 'ResourceNotFoundException', notFound);
      await expectError(describeServer('x', missing), 'ResourceNotFoundException', notFound);
      await expectError(s.admin.send(new UpdateResourceServerCommand({ UserPoolId: missing, Identifier: 'x', Name: 'X' })), 'ResourceNotFoundException', notFound);
      await expectError(s.admin.send(new DeleteResourceServerCommand({ UserPoolId: missing, Identifier: 'x' })), 'ResourceNotFoundException', notFound);
      await expectError(s.admin.send(new ListResourceServersCommand({ UserPoolId: missing })), 'ResourceNotFoundException', notFound);
    });

    it('refuses resource server calls that are not signed with the admin credentials', async () => {
      await expectError(s.anonymous.send(new ListResourceServersCommand({ UserPoolId: poolId })), 'UnrecognizedClientException');
    });
  });

  describe('listing', () => {
    let pagedPool: string;
    const identifiers = ['api-a', 'api-b', 'api-c', 'api-d', 'api-e', 'api-f', 'api-g'];

    beforeAll(async () => {
      pagedPool = await newPool('paged');
      // Created out of order: pages come back by identifier all the same.
      for (const Identifier of [...identifiers].reverse()) await create({ Identifier, Name: Identifier, Scopes: scopes('read') }, pagedPool);
    });

    it('pages through every resource server with MaxResults and NextToken, in identifier order, without repeats', async () => {
      const seen: string[] = [];
      const sizes: number[] = [];
      let token: string | undefined;
      do {
        const page = await s.admin.send(new ListResourceServersCommand({ UserPoolId: pagedPool, MaxResults: 3, NextToken: token }));
        sizes.push(page.ResourceServers!.length);
        for (const rs of page.ResourceServers!) {
          expect(rs).toEqual({ UserPoolId: pagedPool, Identifier: rs.Identifier, Name: rs.Identifier, Scopes: scopes('read') });
          seen.push(rs.Identifier!);
        }
        token = page.NextToken;
      } while (token);
      expect(sizes).toEqual([3, 3, 1]);
      expect(seen).toEqual(identifiers);
    });

    it('gives no NextToken when one page holds everything, with or without MaxResults', async () => {
      const all = await s.admin.send(new ListResourceServersCommand({ UserPoolId: pagedPool }));
      expect(all.ResourceServers!.map((r) => r.Identifier)).toEqual(identifiers);
      expect(all.NextToken).toBeUndefined();
      const exact = await s.admin.send(new ListResourceServersCommand({ UserPoolId: pagedPool, MaxResults: 7 }));
      expect(exact.ResourceServers).toHaveLength(7);
      expect(exact.NextToken).toBeUndefined();
    });

    it('lists an empty pool as an empty list', async () => {
      const empty = await newPool('empty');
      const page = await s.admin.send(new ListResourceServersCommand({ UserPoolId: empty, MaxResults: 10 }));
      expect(page.ResourceServers).toEqual([]);
      expect(page.NextToken).toBeUndefined();
    });

    it('refuses MaxResults outside 1..50 and a forged NextToken', async () => {
      await expectError(s.admin.send(new ListResourceServersCommand({ UserPoolId: pagedPool, MaxResults: 0 })), 'InvalidParameterException', /maxResults.*greater than or equal to 1/);
      await expectError(s.admin.send(new ListResourceServersCommand({ UserPoolId: pagedPool, MaxResults: 51 })), 'InvalidParameterException', /maxResults.*less than or equal to 50/);
      await expectError(s.admin.send(new ListResourceServersCommand({ UserPoolId: pagedPool, MaxResults: 2, NextToken: 'bm90LWEtdG9rZW4' })), 'InvalidParameterException', 'Invalid pagination token.');
    });
  });

  describe('validation', () => {
    const PATTERN = 'Member must satisfy regular expression pattern';

    it('refuses identifiers outside Cognito pattern: spaces, double quotes, backslashes, non-ASCII', async () => {
      for (const Identifier of ['has space', 'quote"d', 'back\\slash', 'café']) {
        await expectError(create({ Identifier, Name: 'Bad' }), 'InvalidParameterException', new RegExp(`'identifier' failed to satisfy constraint: ${PATTERN}`));
      }
    });

    it('refuses an empty identifier and one longer than 256 characters, and accepts exactly 256', async () => {
      await expectError(create({ Identifier: '', Name: 'Bad' }), 'InvalidParameterException', /'identifier'.*length greater than or equal to 1/);
      await expectError(create({ Identifier: 'i'.repeat(257), Name: 'Bad' }), 'InvalidParameterException', /'identifier'.*length less than or equal to 256/);
      expect((await create({ Identifier: 'i'.repeat(256), Name: 'Long' })).ResourceServer!.Identifier).toHaveLength(256);
    });

    it('refuses names outside Cognito pattern or length', async () => {
      for (const Name of ['slash/name', 'bang!', 'colon:name', 'quote"']) {
        await expectError(create({ Identifier: 'bad-name', Name }), 'InvalidParameterException', new RegExp(`'name' failed to satisfy constraint: ${PATTERN}`));
      }
      await expectError(create({ Identifier: 'bad-name', Name: '' }), 'InvalidParameterException', /'name'.*length greater than or equal to 1/);
      await expectError(create({ Identifier: 'bad-name', Name: 'n'.repeat(257) }), 'InvalidParameterException', /'name'.*length less than or equal to 256/);
      await expectError(describeServer('bad-name'), 'ResourceNotFoundException');
    });

    it('refuses scope names with a slash, a double quote, a backslash or a space', async () => {
      for (const ScopeName of ['read/write', 'say"hi', 'back\\slash', 'two words']) {
        await expectError(create({ Identifier: 'bad-scope', Name: 'Bad', Scopes: scopes(ScopeName) }), 'InvalidParameterException', new RegExp(`'scopes.1.member.scopeName' failed to satisfy constraint: ${PATTERN}`));
      }
    });

    it('refuses scope names and descriptions that are empty or longer than 256 characters', async () => {
      const bad = (scope: ResourceServerScopeType) => create({ Identifier: 'bad-scope', Name: 'Bad', Scopes: [{ ScopeName: 'ok', ScopeDescription: 'ok' }, scope] });
      await expectError(bad({ ScopeName: '', ScopeDescription: 'd' }), 'InvalidParameterException', /'scopes.2.member.scopeName'.*length greater than or equal to 1/);
      await expectError(bad({ ScopeName: 's'.repeat(257), ScopeDescription: 'd' }), 'InvalidParameterException', /'scopes.2.member.scopeName'.*length less than or equal to 256/);
      await expectError(bad({ ScopeName: 'fine', ScopeDescription: '' }), 'InvalidParameterException', /'scopes.2.member.scopeDescription'.*length greater than or equal to 1/);
      await expectError(bad({ ScopeName: 'fine', ScopeDescription: 'd'.repeat(257) }), 'InvalidParameterException', /'scopes.2.member.scopeDescription'.*length less than or equal to 256/);
    });

    it('refuses a scope without a description', async () => {
      const Scopes = [{ ScopeName: 'nodesc' }] as ResourceServerScopeType[];
      await expectError(create({ Identifier: 'bad-scope', Name: 'Bad', Scopes }), 'InvalidParameterException', /'scopes.1.member.scopeDescription' failed to satisfy constraint: Member must not be null/);
    });

    it('accepts 100 scopes and refuses 101, on create and on update', async () => {
      const hundred = scopes(...Array.from({ length: 100 }, (_, i) => `scope${i}`));
      const { ResourceServer } = await create({ Identifier: 'hundred', Name: 'Hundred', Scopes: hundred });
      expect(ResourceServer!.Scopes).toHaveLength(100);
      const tooMany = [...hundred, ...scopes('one-more')];
      await expectError(create({ Identifier: 'too-many', Name: 'Too many', Scopes: tooMany }), 'InvalidParameterException', /'scopes' failed to satisfy constraint: Member must have length less than or equal to 100/);
      await expectError(s.admin.send(new UpdateResourceServerCommand({ UserPoolId: poolId, Identifier: 'hundred', Name: 'Hundred', Scopes: tooMany })), 'InvalidParameterException', /less than or equal to 100/);
      expect((await describeServer('hundred')).ResourceServer!.Scopes).toHaveLength(100);
    });

    it('refuses the same scope name twice in one resource server', async () => {
      await expectError(create({ Identifier: 'dup-scopes', Name: 'Dup', Scopes: scopes('read', 'read') }), 'InvalidParameterException', /Duplicate scope name read/);
      await expectError(describeServer('dup-scopes'), 'ResourceNotFoundException');
    });

    it('validates an update as strictly as a create', async () => {
      await create({ Identifier: 'strict', Name: 'Strict', Scopes: scopes('read') });
      const update = (Name: string, Scopes: ResourceServerScopeType[]) => s.admin.send(new UpdateResourceServerCommand({ UserPoolId: poolId, Identifier: 'strict', Name, Scopes }));
      await expectError(update('Bad!', scopes('read')), 'InvalidParameterException', new RegExp(`'name'.*${PATTERN}`));
      await expectError(update('Strict', scopes('a/b')), 'InvalidParameterException', new RegExp(`scopeName.*${PATTERN}`));
      await expectError(update('Strict', scopes('x', 'x')), 'InvalidParameterException', /Duplicate scope name x/);
      expect((await describeServer('strict')).ResourceServer).toEqual({ UserPoolId: poolId, Identifier: 'strict', Name: 'Strict', Scopes: scopes('read') });
    });

    it('allows 25 resource servers in a pool and refuses the 26th with LimitExceededException until one is deleted', async () => {
      const full = await newPool('full');
      for (let i = 0; i < 25; i++) await create({ Identifier: `rs-${String(i).padStart(2, '0')}`, Name: `RS ${i}` }, full);
      await expectError(create({ Identifier: 'rs-25', Name: 'One too many' }, full), 'LimitExceededException', 'The limit of 25 resource servers per user pool has been reached.');
      await s.admin.send(new DeleteResourceServerCommand({ UserPoolId: full, Identifier: 'rs-00' }));
      expect((await create({ Identifier: 'rs-25', Name: 'Fits now' }, full)).ResourceServer!.Identifier).toBe('rs-25');
    });
  });

  describe('app client scopes and flows', () => {
    let clientPool: string;

    beforeAll(async () => {
      clientPool = await newPool('clients');
      await create({ Identifier: 'https://api.example.com', Name: 'API', Scopes: scopes('read', 'write') }, clientPool);
      await create({ Identifier: 'reports', Name: 'Reports', Scopes: scopes('view') }, clientPool);
    });

    it('reports every custom scope of a pool to the OAuth layer as identifier/scope', async () => {
      const custom = await s.tessera.userPools.resourceServers.customScopes(clientPool);
      expect([...custom].sort()).toEqual(['https://api.example.com/read', 'https://api.example.com/write', 'reports/view']);
      expect(await s.tessera.userPools.resourceServers.customScopes(await newPool('no-servers'))).toEqual(new Set());
    });

    it('creates a client that allows standard scopes and existing custom scopes', async () => {
      const AllowedOAuthScopes = ['openid', 'email', 'phone', 'profile', 'aws.cognito.signin.user.admin', 'https://api.example.com/read', 'reports/view'];
      const { UserPoolClient } = await createClient({ ClientName: 'web', AllowedOAuthFlows: ['code'], AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthScopes, CallbackURLs: ['https://app.example.com/cb'] }, clientPool);
      expect(UserPoolClient!.AllowedOAuthScopes).toEqual(AllowedOAuthScopes);
    });

    it('refuses a client that allows a custom scope the pool does not define, with ScopeDoesNotExistException', async () => {
      await expectError(createClient({ ClientName: 'bad', AllowedOAuthScopes: ['openid', 'https://api.example.com/delete'] }, clientPool), 'ScopeDoesNotExistException', 'Invalid scope requested: https://api.example.com/delete');
      await expectError(createClient({ ClientName: 'bad', AllowedOAuthScopes: ['nowhere/read'] }, clientPool), 'ScopeDoesNotExistException', 'Invalid scope requested: nowhere/read');
    });

    it('refuses names that are not scopes at all, like the documented-but-wrong "Cognito" or a bare scope name', async () => {
      await expectError(createClient({ ClientName: 'bad', AllowedOAuthScopes: ['Cognito'] }, clientPool), 'ScopeDoesNotExistException', 'Invalid scope requested: Cognito');
      await expectError(createClient({ ClientName: 'bad', AllowedOAuthScopes: ['read'] }, clientPool), 'ScopeDoesNotExistException', 'Invalid scope requested: read');
    });

    it('refuses a custom scope that only another pool defines', async () => {
      const elsewhere = await newPool('elsewhere');
      await create({ Identifier: 'private', Name: 'Private', Scopes: scopes('peek') }, elsewhere);
      await expectError(createClient({ ClientName: 'bad', AllowedOAuthScopes: ['private/peek'] }, clientPool), 'ScopeDoesNotExistException', 'Invalid scope requested: private/peek');
    });

    it('refuses an update that adds an unknown scope and leaves the client as it was', async () => {
      const { UserPoolClient } = await createClient({ ClientName: 'updatable', AllowedOAuthScopes: ['reports/view'] }, clientPool);
      const ClientId = UserPoolClient!.ClientId!;
      await expectError(
        s.admin.send(new UpdateUserPoolClientCommand({ UserPoolId: clientPool, ClientId, AllowedOAuthScopes: ['reports/view', 'reports/edit'] })),
        'ScopeDoesNotExistException',
        'Invalid scope requested: reports/edit',
      );
      expect((await s.admin.send(new DescribeUserPoolClientCommand({ UserPoolId: clientPool, ClientId }))).UserPoolClient!.AllowedOAuthScopes).toEqual(['reports/view']);
      const updated = await s.admin.send(new UpdateUserPoolClientCommand({ UserPoolId: clientPool, ClientId, AllowedOAuthScopes: ['reports/view', 'https://api.example.com/write'] }));
      expect(updated.UserPoolClient!.AllowedOAuthScopes).toEqual(['reports/view', 'https://api.example.com/write']);
    });

    it('follows the resource servers as they change: a scope removed by an update can no longer be allowed', async () => {
      await create({ Identifier: 'changing', Name: 'Changing', Scopes: scopes('old') }, clientPool);
      await createClient({ ClientName: 'before', AllowedOAuthScopes: ['changing/old'] }, clientPool);
      await s.admin.send(new UpdateResourceServerCommand({ UserPoolId: clientPool, Identifier: 'changing', Name: 'Changing', Scopes: scopes('new') }));
      await expectError(createClient({ ClientName: 'after', AllowedOAuthScopes: ['changing/old'] }, clientPool), 'ScopeDoesNotExistException', 'Invalid scope requested: changing/old');
      await createClient({ ClientName: 'after', AllowedOAuthScopes: ['changing/new'] }, clientPool);
    });

    it('leaves clients alone when a resource server is deleted, but refuses its scopes from then on', async () => {
      await create({ Identifier: 'temporary', Name: 'Temporary', Scopes: scopes('use') }, clientPool);
      const { UserPoolClient } = await createClient({ ClientName: 'user-of-temporary', AllowedOAuthScopes: ['openid', 'temporary/use'] }, clientPool);
      const ClientId = UserPoolClient!.ClientId!;
      await s.admin.send(new DeleteResourceServerCommand({ UserPoolId: clientPool, Identifier: 'temporary' }));
      expect((await s.admin.send(new DescribeUserPoolClientCommand({ UserPoolId: clientPool, ClientId }))).UserPoolClient!.AllowedOAuthScopes).toEqual(['openid', 'temporary/use']);
      await expectError(
        s.admin.send(new UpdateUserPoolClientCommand({ UserPoolId: clientPool, ClientId, AllowedOAuthScopes: ['openid', 'temporary/use'] })),
        'ScopeDoesNotExistException',
        'Invalid scope requested: temporary/use',
      );
    });

    it('creates a confidential client_credentials client with custom scopes', async () => {
      const { UserPoolClient } = await createClient(
        { ClientName: 'm2m', GenerateSecret: true, AllowedOAuthFlows: ['client_credentials'], AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthScopes: ['https://api.example.com/read'] },
        clientPool,
      );
      expect(UserPoolClient!.ClientSecret).toBeTruthy();
      expect(UserPoolClient!.AllowedOAuthFlows).toEqual(['client_credentials']);
    });

    it('refuses client_credentials together with code or implicit, with InvalidOAuthFlowException', async () => {
      const message = 'client_credentials flow can not be selected along with code flow or implicit flow.';
      for (const other of ['code', 'implicit'] as const) {
        await expectError(
          createClient({ ClientName: 'mixed', GenerateSecret: true, AllowedOAuthFlows: ['client_credentials', other], AllowedOAuthScopes: ['reports/view'], CallbackURLs: ['https://app.example.com/cb'] }, clientPool),
          'InvalidOAuthFlowException',
          message,
        );
      }
    });

    it('refuses client_credentials on a client without a secret, on create and on update', async () => {
      const message = 'client_credentials flow can not be selected if client does not have a client secret.';
      await expectError(createClient({ ClientName: 'public-m2m', AllowedOAuthFlows: ['client_credentials'], AllowedOAuthScopes: ['reports/view'] }, clientPool), 'InvalidOAuthFlowException', message);
      const { UserPoolClient } = await createClient({ ClientName: 'public', AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid'], CallbackURLs: ['https://app.example.com/cb'] }, clientPool);
      const ClientId = UserPoolClient!.ClientId!;
      await expectError(
        s.admin.send(new UpdateUserPoolClientCommand({ UserPoolId: clientPool, ClientId, AllowedOAuthFlows: ['client_credentials'], AllowedOAuthScopes: ['reports/view'] })),
        'InvalidOAuthFlowException',
        message,
      );
      expect((await s.admin.send(new DescribeUserPoolClientCommand({ UserPoolId: clientPool, ClientId }))).UserPoolClient!.AllowedOAuthFlows).toEqual(['code']);
    });

    it('lets a confidential client switch from code to client_credentials', async () => {
      const { UserPoolClient } = await createClient({ ClientName: 'switcher', GenerateSecret: true, AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid'], CallbackURLs: ['https://app.example.com/cb'] }, clientPool);
      const updated = await s.admin.send(
        new UpdateUserPoolClientCommand({ UserPoolId: clientPool, ClientId: UserPoolClient!.ClientId!, AllowedOAuthFlows: ['client_credentials'], AllowedOAuthScopes: ['reports/view'] }),
      );
      expect(updated.UserPoolClient!.AllowedOAuthFlows).toEqual(['client_credentials']);
    });
  });
});
