import { InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetPolicyStoreCommand, IsAuthorizedWithTokenCommand, ListPoliciesCommand } from '@aws-sdk/client-verifiedpermissions';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConfig } from '../../src/config/apply.ts';
import { loadConfigFile } from '../../src/config/load.ts';
import { ConfigFile } from '../../src/config/schema.ts';
import { ManualClock } from '../../src/util/clock.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const DEMO = fileURLToPath(new URL('../../src/config/demo.yaml', import.meta.url));
const STORE = 'TesseraDemoSeed001Store';
const FILE = { entityType: 'ExampleCorp::File', entityId: 'a8f3f048-ded7-4a95-89ca-e283644e1898' };
const read = { actionType: 'ExampleCorp::Action', actionId: 'readFile' };

describe('declared policy stores (the seed 001 demo store)', () => {
  let s: TestServer;
  const idTokenOf = async (username: string) => {
    const out = await s.anonymous.send(new InitiateAuthCommand({ ClientId: 'demospa0000000000000000001', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: 'Passw0rd!' } }));
    return out.AuthenticationResult?.IdToken as string;
  };

  beforeAll(async () => {
    s = await startTestServer({ clock: new ManualClock(Date.now()) });
    await applyConfig(s.tessera, loadConfigFile(DEMO));
  });
  afterAll(async () => s?.close());

  it('creates the store STRICT, with its schema, policies and identity source', async () => {
    const store = await s.avp.send(new GetPolicyStoreCommand({ policyStoreId: STORE }));
    expect(store.validationSettings?.mode).toBe('STRICT');
    const policies = await s.avp.send(new ListPoliciesCommand({ policyStoreId: STORE }));
    expect(policies.policies?.map((p) => p.policyId).sort()).toEqual(['admins-do-anything-to-files', 'finance-reads-and-writes-example-image']);
  });

  it('allows alice (Finance1234) to read the file, by the finance policy', async () => {
    const out = await s.avp.send(new IsAuthorizedWithTokenCommand({ policyStoreId: STORE, identityToken: await idTokenOf('alice'), action: read, resource: FILE }));
    expect(out.decision).toBe('ALLOW');
    expect(out.determiningPolicies).toEqual([{ policyId: 'finance-reads-and-writes-example-image' }]);
    expect(out.principal?.entityType).toBe('ExampleCorp::User');
    expect(out.principal?.entityId).toMatch(/^us-east-1_TesseraDemo\|[0-9a-f-]{36}$/);
  });

  it('denies bob (Sales0001), and allows admin through the admin group', async () => {
    const bob = await s.avp.send(new IsAuthorizedWithTokenCommand({ policyStoreId: STORE, identityToken: await idTokenOf('bob'), action: read, resource: FILE }));
    expect(bob).toMatchObject({ decision: 'DENY', determiningPolicies: [], errors: [] });
    const admin = await s.avp.send(new IsAuthorizedWithTokenCommand({ policyStoreId: STORE, identityToken: await idTokenOf('admin'), action: { ...read, actionId: 'deleteFile' }, resource: FILE }));
    expect(admin.decision).toBe('ALLOW');
    expect(admin.determiningPolicies).toEqual([{ policyId: 'admins-do-anything-to-files' }]);
  });

  it('is idempotent: applying again changes nothing and keeps decisions', async () => {
    const report = await applyConfig(s.tessera, loadConfigFile(DEMO));
    expect(report.created).toEqual([]);
    const out = await s.avp.send(new IsAuthorizedWithTokenCommand({ policyStoreId: STORE, identityToken: await idTokenOf('alice'), action: read, resource: FILE }));
    expect(out.decision).toBe('ALLOW');
  });

  it('replaces a policy whose statement changed, so the new text decides', async () => {
    const config = ConfigFile.parse({
      policyStores: [{ id: 'ReplaceTest', validationMode: 'OFF', policies: [{ id: 'p', statement: 'permit(principal, action, resource);' }] }],
    });
    await applyConfig(s.tessera, config);
    const changed = ConfigFile.parse({ policyStores: [{ id: 'ReplaceTest', validationMode: 'OFF', policies: [{ id: 'p', statement: 'forbid(principal, action, resource);' }] }] });
    const report = await applyConfig(s.tessera, changed);
    expect(report.updated).toContain('policy p');
    const policy = await s.tessera.policyStores.admin.getPolicy('ReplaceTest', 'p');
    expect(policy.effect).toBe('Forbid');
  });

  it('refuses a STRICT store whose policy breaks the schema, with Cedar\'s message', async () => {
    const config = ConfigFile.parse({
      policyStores: [
        {
          id: 'BrokenStrict',
          validationMode: 'STRICT',
          schema: 'entity User; entity Doc; action view appliesTo { principal: User, resource: Doc };',
          policies: [{ id: 'bad', statement: 'permit(principal, action == Action::"view", resource) when { resource.owner == principal };' }],
        },
      ],
    });
    await expect(applyConfig(s.tessera, config)).rejects.toThrow(/owner/);
  });
});
