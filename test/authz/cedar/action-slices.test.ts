import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tessera } from '../../../src/app.ts';
import { freshDatabase } from '../../support/databases.ts';
import { domain } from './support.ts';

const SCHEMA = `namespace Acme {
  entity User; entity Doc;
  action read; action write;
  action view in [read]; action comment in [read, write];
  action edit in [write] appliesTo { principal: User, resource: Doc, context: { block?: Bool } };
}`;
const doc = { entityType: 'Acme::Doc', entityId: 'd' };
const alice = { entityType: 'Acme::User', entityId: 'alice' };
const act = (actionId: string) => ({ principal: alice, action: { actionType: 'Acme::Action', actionId }, resource: doc, context: {} });

// The engine decides each request on the policies whose action scope could match it; these cases pin
// down that nothing that could apply is ever left out.
describe('deciding on the policies that could apply to the action', () => {
  let t: Tessera;
  let storeId: string;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    t = await domain((await freshDatabase('sqlite')).url);
    const admin = t.policyStores.admin;
    storeId = (await admin.createStore({ validationMode: 'OFF' })).id;
    await admin.putSchema(storeId, { cedarFormat: SCHEMA });
    const add = async (name: string, statement: string) => (ids[name] = (await admin.createPolicy(storeId, { static: { statement } })).id);
    await add('readers', 'permit(principal, action in Acme::Action::"read", resource);');
    await add('writers', 'permit(principal, action in [Acme::Action::"write"], resource);');
    await add('editOnly', 'permit(principal, action == Acme::Action::"edit", resource);');
    await add('anything', 'forbid(principal, action, resource) when { context has block };');
  });
  afterAll(async () => t?.close());

  const decide = (r: ReturnType<typeof act>, entities: Parameters<Tessera['policyStores']['authorizer']['isAuthorized']>[2] = []) => t.policyStores.authorizer.isAuthorized(storeId, r, entities);
  const reasons = async (r: ReturnType<typeof act>) => (await decide(r)).determiningPolicies.map((p) => p.policyId).sort();

  it('includes policies on the action itself and on every group it belongs to, transitively', async () => {
    expect(await reasons(act('view'))).toEqual([ids.readers]);
    expect(await reasons(act('comment'))).toEqual([ids.readers, ids.writers].sort());
    expect(await reasons(act('edit'))).toEqual([ids.editOnly, ids.writers].sort());
  });

  it('always includes policies with no action constraint', async () => {
    const blocked = await decide({ ...act('edit'), context: { block: true } });
    expect(blocked).toMatchObject({ decision: 'DENY', determiningPolicies: [{ policyId: ids.anything }] });
  });

  it('decides on the whole set when the request brings its own action entities', async () => {
    // Without a schema, only the request can say which groups an action belongs to.
    const admin = t.policyStores.admin;
    const bare = (await admin.createStore({ validationMode: 'OFF' })).id;
    const group = await admin.createPolicy(bare, { static: { statement: 'permit(principal, action in Action::"group", resource);' } });
    const request = { principal: alice, action: { actionType: 'Action', actionId: 'x' }, resource: doc, context: {} };
    expect((await t.policyStores.authorizer.isAuthorized(bare, request, [])).decision).toBe('DENY');
    const member = [{ uid: { type: 'Action', id: 'x' }, attrs: {}, parents: [{ type: 'Action', id: 'group' }] }];
    expect(await t.policyStores.authorizer.isAuthorized(bare, request, member)).toMatchObject({ decision: 'ALLOW', determiningPolicies: [{ policyId: group.id }] });
  });

  it('sees a template change in the policies linked to it', async () => {
    const admin = t.policyStores.admin;
    const tpl = await admin.createTemplate(storeId, 'permit(principal == ?principal, action == Acme::Action::"view", resource is Acme::Doc);');
    const linked = await admin.createPolicy(storeId, { templateLinked: { policyTemplateId: tpl.id, principal: { entityType: 'Acme::User', entityId: 'bob' } } });
    const bob = (actionId: string) => ({ ...act(actionId), principal: { entityType: 'Acme::User', entityId: 'bob' } });
    expect((await decide(bob('view'))).determiningPolicies).toContainEqual({ policyId: linked.id });
    await admin.updateTemplate(storeId, tpl.id, 'permit(principal == ?principal, action == Acme::Action::"edit", resource is Acme::Doc);');
    expect((await decide(bob('edit'))).determiningPolicies).toContainEqual({ policyId: linked.id });
    expect((await decide(bob('view'))).determiningPolicies).not.toContainEqual({ policyId: linked.id });
    expect((await admin.getPolicy(storeId, linked.id)).actions).toEqual([{ actionType: 'Acme::Action', actionId: 'edit' }]);
  });
});
