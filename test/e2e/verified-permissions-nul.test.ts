import { CreatePolicyCommand, CreatePolicyStoreCommand, IsAuthorizedCommand, ListPoliciesCommand } from '@aws-sdk/client-verifiedpermissions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/databases.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe.each(backends())('U+0000 in Verified Permissions requests on %s', (backend) => {
  let s: TestServer;
  let policyStoreId: string;
  beforeAll(async () => {
    s = await startTestServer({ backend });
    policyStoreId = (await s.avp.send(new CreatePolicyStoreCommand({ validationSettings: { mode: 'OFF' } }))).policyStoreId!;
    await s.avp.send(new CreatePolicyCommand({ policyStoreId, definition: { static: { statement: 'permit(principal, action, resource) when { principal.name == "a\\0b" };' } } }));
  });
  afterAll(async () => s?.close());

  it('decides a request whose ids and strings hold NUL, as Cedar allows, and logs it', async () => {
    const principal = { entityType: 'User', entityId: 'nul\u0000id' };
    const out = await s.avp.send(
      new IsAuthorizedCommand({
        policyStoreId,
        principal,
        action: { actionType: 'Action', actionId: 'view' },
        resource: { entityType: 'Doc', entityId: 'd' },
        entities: { entityList: [{ identifier: principal, attributes: { name: { string: 'a\u0000b' } } }] },
      }),
    );
    expect(out.decision).toBe('ALLOW');
    const [logged] = await s.tessera.decisions.query({ scope: policyStoreId, limit: 1 });
    expect(logged?.principal).toBe('User::"nul\\u0000id"');
  });

  it('refuses NUL in what it would store, with a ValidationException, and stores nothing', async () => {
    const before = (await s.avp.send(new ListPoliciesCommand({ policyStoreId }))).policies?.length;
    await expect(s.avp.send(new CreatePolicyCommand({ policyStoreId, definition: { static: { statement: 'permit(principal, action, resource);', description: 'x\u0000' } } }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(s.avp.send(new CreatePolicyCommand({ policyStoreId, definition: { static: { statement: 'permit(principal == User::"\u0000", action, resource);' } } }))).rejects.toMatchObject({ name: 'ValidationException' });
    expect((await s.avp.send(new ListPoliciesCommand({ policyStoreId }))).policies?.length).toBe(before);
  });
});
