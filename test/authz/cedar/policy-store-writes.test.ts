import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tessera } from '../../../src/app.ts';
import { freshDatabase } from '../../support/databases.ts';
import { domain } from './support.ts';

const SCHEMA = 'entity User; entity Doc { owner: User }; action view appliesTo { principal: User, resource: Doc };';

describe('writing to a policy store', () => {
  let t: Tessera;
  beforeAll(async () => {
    t = await domain((await freshDatabase('sqlite')).url);
  });
  afterAll(async () => t?.close());

  it('refuses every policy in a STRICT store without a schema, as Verified Permissions does', async () => {
    const store = await t.policyStores.admin.createStore({ validationMode: 'STRICT' });
    await expect(t.policyStores.admin.createPolicy(store.id, { static: { statement: 'permit(principal, action, resource);' } })).rejects.toMatchObject({ name: 'ValidationException', message: /no schema/ });
    expect((await t.policyStores.admin.listPolicies(store.id, {}, 50)).items).toEqual([]);
  });

  it("refuses a policy the schema rejects with Cedar's own message, and stores nothing", async () => {
    const store = await t.policyStores.admin.createStore({ validationMode: 'STRICT' });
    await t.policyStores.admin.putSchema(store.id, { cedarFormat: SCHEMA });
    await expect(t.policyStores.admin.createPolicy(store.id, { static: { statement: 'permit(principal, action == Action::"view", resource) when { resource.title == "x" };' } })).rejects.toMatchObject({
      name: 'ValidationException',
      message: /title/,
    });
    expect((await t.policyStores.admin.listPolicies(store.id, {}, 50)).items).toEqual([]);
  });

  it('validates only policies written after a schema change, as Verified Permissions does', async () => {
    const store = await t.policyStores.admin.createStore({ validationMode: 'STRICT' });
    await t.policyStores.admin.putSchema(store.id, { cedarFormat: SCHEMA });
    const p = await t.policyStores.admin.createPolicy(store.id, { static: { statement: 'permit(principal, action == Action::"view", resource) when { resource.owner == principal };' } });
    await t.policyStores.admin.putSchema(store.id, { cedarFormat: 'entity User; entity Doc; action view appliesTo { principal: User, resource: Doc };' });
    expect((await t.policyStores.admin.getPolicy(store.id, p.id)).statement).toMatch(/owner/);
    await expect(t.policyStores.admin.createPolicy(store.id, { static: { statement: 'permit(principal, action == Action::"view", resource) when { resource.owner == principal };' } })).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('refuses a template that leaves its principal or its resource unconstrained', async () => {
    const store = await t.policyStores.admin.createStore({ validationMode: 'OFF' });
    await expect(t.policyStores.admin.createTemplate(store.id, 'permit(principal, action, resource == ?resource);')).rejects.toMatchObject({ name: 'ValidationException', message: /principal is unconstrained/ });
    await expect(t.policyStores.admin.createTemplate(store.id, 'permit(principal == ?principal, action, resource);')).rejects.toMatchObject({ name: 'ValidationException', message: /resource is unconstrained/ });
    await t.policyStores.admin.createTemplate(store.id, 'permit(principal == ?principal, action, resource is Doc);');
  });

  it("does not let an update change a policy's effect or scope", async () => {
    const store = await t.policyStores.admin.createStore({ validationMode: 'OFF' });
    const p = await t.policyStores.admin.createPolicy(store.id, { static: { statement: 'permit(principal == User::"a", action, resource);' } });
    await expect(t.policyStores.admin.updatePolicy(store.id, p.id, { statement: 'forbid(principal == User::"a", action, resource);' })).rejects.toMatchObject({ name: 'ValidationException', message: /effect/ });
    await expect(t.policyStores.admin.updatePolicy(store.id, p.id, { statement: 'permit(principal == User::"b", action, resource);' })).rejects.toMatchObject({ name: 'ValidationException', message: /principal/ });
    const updated = await t.policyStores.admin.updatePolicy(store.id, p.id, { statement: 'permit(principal == User::"a", action == Action::"view", resource);' });
    expect(updated.actions).toEqual([{ actionType: 'Action', actionId: 'view' }]);
  });

  it('links a template to a principal and deletes linked policies with their template', async () => {
    const store = await t.policyStores.admin.createStore({ validationMode: 'OFF' });
    const tpl = await t.policyStores.admin.createTemplate(store.id, 'permit(principal == ?principal, action, resource in ?resource);');
    await expect(t.policyStores.admin.createPolicy(store.id, { templateLinked: { policyTemplateId: tpl.id, principal: { entityType: 'User', entityId: 'a' } } })).rejects.toMatchObject({ message: /\?resource/ });
    const linked = await t.policyStores.admin.createPolicy(store.id, { templateLinked: { policyTemplateId: tpl.id, principal: { entityType: 'User', entityId: 'a' }, resource: { entityType: 'Folder', entityId: 'f' } } });
    const req = (who: string) => ({ principal: { entityType: 'User', entityId: who }, action: { actionType: 'Action', actionId: 'view' }, resource: { entityType: 'Doc', entityId: 'd' }, context: {} });
    const doc = [{ uid: { type: 'Doc', id: 'd' }, attrs: {}, parents: [{ type: 'Folder', id: 'f' }] }];
    expect(await t.policyStores.authorizer.isAuthorized(store.id, req('a'), doc)).toMatchObject({ decision: 'ALLOW', determiningPolicies: [{ policyId: linked.id }] });
    expect((await t.policyStores.authorizer.isAuthorized(store.id, req('b'), doc)).decision).toBe('DENY');
    await t.policyStores.admin.deleteTemplate(store.id, tpl.id);
    await expect(t.policyStores.admin.getPolicy(store.id, linked.id)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect((await t.policyStores.authorizer.isAuthorized(store.id, req('a'), doc)).decision).toBe('DENY');
  });

  it('links a template whose principal is fixed, filling only its resource slot', async () => {
    const store = await t.policyStores.admin.createStore({ validationMode: 'OFF' });
    const tpl = await t.policyStores.admin.createTemplate(store.id, 'permit(principal == User::"a", action, resource in ?resource);');
    const linked = await t.policyStores.admin.createPolicy(store.id, { templateLinked: { policyTemplateId: tpl.id, resource: { entityType: 'Folder', entityId: 'f' } } });
    const req = { principal: { entityType: 'User', entityId: 'a' }, action: { actionType: 'Action', actionId: 'view' }, resource: { entityType: 'Doc', entityId: 'd' }, context: {} };
    const doc = [{ uid: { type: 'Doc', id: 'd' }, attrs: {}, parents: [{ type: 'Folder', id: 'f' }] }];
    expect(await t.policyStores.authorizer.isAuthorized(store.id, req, doc)).toMatchObject({ decision: 'ALLOW', determiningPolicies: [{ policyId: linked.id }] });
  });

  it('keeps a store with deletion protection until protection is turned off', async () => {
    const store = await t.policyStores.admin.createStore({ validationMode: 'OFF', deletionProtection: 'ENABLED' });
    await expect(t.policyStores.admin.deleteStore(store.id)).rejects.toMatchObject({ name: 'InvalidStateException' });
    await t.policyStores.admin.updateStore(store.id, { validationMode: 'OFF', deletionProtection: 'DISABLED' });
    await t.policyStores.admin.deleteStore(store.id);
    await expect(t.policyStores.admin.getStore(store.id)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
