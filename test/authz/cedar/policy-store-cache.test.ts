import { afterEach, describe, expect, it } from 'vitest';
import type { Tessera } from '../../../src/app.ts';
import { backends, freshDatabase } from '../../support/databases.ts';
import { domain } from './support.ts';

const request = { principal: { entityType: 'User', entityId: 'alice' }, action: { actionType: 'Action', actionId: 'view' }, resource: { entityType: 'Doc', entityId: 'd1' }, context: {} };

describe.each(backends())('compiled policy stores on %s', (backend) => {
  const open: Tessera[] = [];
  afterEach(async () => {
    for (const t of open.splice(0)) await t.close();
  });

  async function twoInstances() {
    const db = await freshDatabase(backend);
    const a = await domain(db.url);
    const b = await domain(db.url);
    open.push(a, b);
    return { a, b };
  }

  it('decides a new policy at once on the instance that wrote it', async () => {
    const { a } = await twoInstances();
    const store = await a.policyStores.admin.createStore({ validationMode: 'OFF' });
    expect((await a.policyStores.authorizer.isAuthorized(store.id, request, [])).decision).toBe('DENY');
    await a.policyStores.admin.createPolicy(store.id, { static: { statement: 'permit(principal == User::"alice", action, resource);' } });
    expect((await a.policyStores.authorizer.isAuthorized(store.id, request, [])).decision).toBe('ALLOW');
  });

  it("shows another instance's change within the one-second version check, with no restart", async () => {
    const { a, b } = await twoInstances();
    const store = await a.policyStores.admin.createStore({ validationMode: 'OFF' });
    const permit = await a.policyStores.admin.createPolicy(store.id, { static: { statement: 'permit(principal, action, resource);' } });
    expect((await b.policyStores.authorizer.isAuthorized(store.id, request, [])).decision).toBe('ALLOW');

    await a.policyStores.admin.deletePolicy(store.id, permit.id);
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await b.policyStores.authorizer.isAuthorized(store.id, request, [])).decision).toBe('DENY');
  });

  it('forgets a deleted store on every instance: decisions then answer ResourceNotFoundException', async () => {
    const { a, b } = await twoInstances();
    const store = await a.policyStores.admin.createStore({ validationMode: 'OFF' });
    await b.policyStores.authorizer.isAuthorized(store.id, request, []);
    await a.policyStores.admin.deleteStore(store.id);
    await new Promise((r) => setTimeout(r, 1_100));
    await expect(b.policyStores.authorizer.isAuthorized(store.id, request, [])).rejects.toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });

  it('keeps decisions of two stores apart although both live in one engine', async () => {
    const { a } = await twoInstances();
    const open1 = await a.policyStores.admin.createStore({ validationMode: 'OFF' });
    const closed = await a.policyStores.admin.createStore({ validationMode: 'OFF' });
    await a.policyStores.admin.createPolicy(open1.id, { static: { statement: 'permit(principal, action, resource);' } });
    await a.policyStores.admin.createPolicy(closed.id, { static: { statement: 'forbid(principal, action, resource);' } });
    expect((await a.policyStores.authorizer.isAuthorized(open1.id, request, [])).decision).toBe('ALLOW');
    expect((await a.policyStores.authorizer.isAuthorized(closed.id, request, [])).decision).toBe('DENY');
    expect((await a.policyStores.authorizer.isAuthorized(open1.id, request, [])).decision).toBe('ALLOW');
  });
});
