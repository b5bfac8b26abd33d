import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createTessera, type Tessera } from '../../src/app.ts';
import { applyConfig } from '../../src/config/apply.ts';
import { ConfigFile } from '../../src/config/schema.ts';
import { freshDatabase } from '../support/databases.ts';

const POOL_ID = 'us-east-1_Scopes01';

/** The declarative file as a person writes it: resource servers declared after the client that uses them. */
const YAML = `
userPools:
  - name: api-pool
    id: ${POOL_ID}
    clients:
      - name: m2m
        generateSecret: true
        AllowedOAuthFlows: [client_credentials]
        AllowedOAuthFlowsUserPoolClient: true
        AllowedOAuthScopes: [https://api.example.com/read, reports/view]
    resourceServers:
      - identifier: https://api.example.com
        name: Example API
        scopes:
          - { name: read, description: Read things }
          - { name: write, description: Write things }
      - identifier: reports
        name: Reports
        scopes:
          - { name: view, description: View reports }
`;

describe('declaring resource servers in the config file', () => {
  let t: Tessera;
  let drop: () => Promise<void>;

  beforeEach(async () => {
    const db = await freshDatabase('sqlite');
    drop = db.drop;
    t = await createTessera({ db: db.url, region: 'us-east-1', publicUrl: 'http://127.0.0.1', issuerStyle: 'tessera' });
  });
  afterEach(async () => {
    await t?.close();
    await drop?.();
  });

  const config = (yaml: string) => ConfigFile.parse(parse(yaml));
  const servers = async () => (await t.userPools.resourceServers.list(POOL_ID, 50)).items.map((s) => ({ identifier: s.identifier, name: s.name, scopes: s.scopes }));

  it('creates the resource servers before the clients, so a client may allow their scopes', async () => {
    const report = await applyConfig(t, config(YAML));
    expect(report.created).toContain('resource server https://api.example.com');
    expect(report.created).toContain('resource server reports');
    expect(await servers()).toEqual([
      {
        identifier: 'https://api.example.com',
        name: 'Example API',
        scopes: [
          { ScopeName: 'read', ScopeDescription: 'Read things' },
          { ScopeName: 'write', ScopeDescription: 'Write things' },
        ],
      },
      { identifier: 'reports', name: 'Reports', scopes: [{ ScopeName: 'view', ScopeDescription: 'View reports' }] },
    ]);
    const [client] = (await t.userPools.pools.listClients(POOL_ID, 60)).items;
    expect(client!.settings.AllowedOAuthScopes).toEqual(['https://api.example.com/read', 'reports/view']);
    expect(await t.userPools.resourceServers.customScopes(POOL_ID)).toEqual(new Set(['https://api.example.com/read', 'https://api.example.com/write', 'reports/view']));
  });

  it('is idempotent: applying the same file twice creates nothing the second time and changes nothing', async () => {
    await applyConfig(t, config(YAML));
    const before = await servers();
    const again = await applyConfig(t, config(YAML));
    expect(again.created).toEqual([]);
    expect(again.updated).toContain('resource server reports');
    expect(await servers()).toEqual(before);
    expect((await t.userPools.pools.listClients(POOL_ID, 60)).items).toHaveLength(1);
  });

  it('brings an existing resource server up to the file: a new name and the exact list of scopes', async () => {
    await applyConfig(t, config(YAML));
    const changed = YAML.replace('name: Reports', 'name: Reports v2').replace('{ name: view, description: View reports }', '{ name: view, description: See reports }\n          - { name: export, description: Export reports }');
    await applyConfig(t, config(changed));
    expect((await servers()).find((s) => s.identifier === 'reports')).toEqual({
      identifier: 'reports',
      name: 'Reports v2',
      scopes: [
        { ScopeName: 'view', ScopeDescription: 'See reports' },
        { ScopeName: 'export', ScopeDescription: 'Export reports' },
      ],
    });
  });

  it('defaults a resource server declared without scopes to none', async () => {
    await applyConfig(t, config(`userPools: [{ name: bare, id: ${POOL_ID}, resourceServers: [{ identifier: bare-api, name: Bare }] }]`));
    expect(await servers()).toEqual([{ identifier: 'bare-api', name: 'Bare', scopes: [] }]);
  });

  it('refuses a client that allows a scope no declared resource server defines', async () => {
    const broken = YAML.replace('reports/view]', 'reports/edit]');
    await expect(applyConfig(t, config(broken))).rejects.toMatchObject({ name: 'ScopeDoesNotExistException', message: 'Invalid scope requested: reports/edit' });
  });

  it('refuses identifiers, names and scope names outside Cognito patterns, as the API does', async () => {
    const apply = (server: string) => applyConfig(t, config(`userPools: [{ name: bad, id: ${POOL_ID}, resourceServers: [${server}] }]`));
    await expect(apply('{ identifier: "has space", name: Bad }')).rejects.toMatchObject({ name: 'InvalidParameterException', message: expect.stringMatching(/'identifier' failed to satisfy constraint: Member must satisfy regular expression pattern/) });
    await expect(apply('{ identifier: ok, name: "Bad!" }')).rejects.toMatchObject({ name: 'InvalidParameterException', message: expect.stringMatching(/'name' failed to satisfy constraint/) });
    await expect(apply('{ identifier: ok, name: Ok, scopes: [{ name: "a/b", description: d }] }')).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringMatching(/'scopes.1.member.scopeName' failed to satisfy constraint/),
    });
    await expect(apply(`{ identifier: ok, name: Ok, scopes: [{ name: s, description: "${'d'.repeat(257)}" }] }`)).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringMatching(/'scopes.1.member.scopeDescription'.*less than or equal to 256/),
    });
    await expect(apply(`{ identifier: ok, name: Ok, scopes: [${Array.from({ length: 101 }, (_, i) => `{ name: s${i}, description: d }`).join(', ')}] }`)).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringMatching(/'scopes'.*less than or equal to 100/),
    });
    expect(await servers()).toEqual([]);
  });

  it('holds a pool to 25 resource servers through the config file too', async () => {
    const many = Array.from({ length: 26 }, (_, i) => `{ identifier: rs-${i}, name: RS }`).join(', ');
    await expect(applyConfig(t, config(`userPools: [{ name: many, id: ${POOL_ID}, resourceServers: [${many}] }]`))).rejects.toMatchObject({ name: 'LimitExceededException' });
    expect(await t.userPools.resourceServers.list(POOL_ID, 50).then((r) => r.items.length)).toBe(25);
  });
});
