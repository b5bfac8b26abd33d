import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tessera } from '../../../src/app.ts';
import { freshDatabase } from '../../support/databases.ts';
import { domain } from '../cedar/support.ts';

describe('the decision log', () => {
  let t: Tessera;
  beforeAll(async () => {
    t = await domain((await freshDatabase('sqlite')).url);
  });
  afterAll(async () => t?.close());

  it('records each Cedar decision with principal, action, resource, decision, determining policies and latency', async () => {
    const store = await t.policyStores.admin.createStore({ validationMode: 'OFF' });
    const p = await t.policyStores.admin.createPolicy(store.id, { static: { statement: 'permit(principal == User::"alice", action, resource);' } });
    const req = (who: string) => ({ principal: { entityType: 'User', entityId: who }, action: { actionType: 'Action', actionId: 'view' }, resource: { entityType: 'Doc', entityId: 'd"1' }, context: {} });
    await t.policyStores.authorizer.isAuthorized(store.id, req('alice'), []);
    await t.policyStores.authorizer.batchIsAuthorized(store.id, [req('bob'), req('bob')], []);

    const log = await t.decisions.query({ scope: store.id, limit: 10 });
    expect(log).toHaveLength(3);
    const allowed = log.find((d) => d.decision === 'ALLOW')!;
    expect(allowed).toMatchObject({ engine: 'cedar', principal: 'User::"alice"', action: 'Action::"view"', resource: 'Doc::"d\\"1"', determiningPolicies: [p.id], errors: [] });
    expect(allowed.latencyMicros).toBeGreaterThan(0);
    expect(log.filter((d) => d.principal === 'User::"bob"' && d.decision === 'DENY')).toHaveLength(2);
  });

  it('records the evaluation errors a decision met', async () => {
    const store = await t.policyStores.admin.createStore({ validationMode: 'OFF' });
    await t.policyStores.admin.createPolicy(store.id, { static: { statement: 'permit(principal, action, resource) when { principal.missing == 1 };' } });
    const result = await t.policyStores.authorizer.isAuthorized(store.id, { principal: { entityType: 'User', entityId: 'x' }, action: { actionType: 'Action', actionId: 'a' }, resource: { entityType: 'R', entityId: 'r' }, context: {} }, [
      { uid: { type: 'User', id: 'x' }, attrs: {}, parents: [] },
    ]);
    expect(result.errors).toHaveLength(1);
    const [entry] = await t.decisions.query({ scope: store.id, limit: 1 });
    expect(entry?.errors[0]).toMatch(/^while evaluating policy `\w+`: .*missing/);
  });

  it('filters by decision and pages back in time', async () => {
    const denied = await t.decisions.query({ decision: 'DENY', limit: 100 });
    expect(denied.every((d) => d.decision === 'DENY')).toBe(true);
    const newest = (await t.decisions.query({ limit: 1 }))[0]!;
    const older = await t.decisions.query({ before: newest.at + 1, limit: 100 });
    expect(older.length).toBeGreaterThan(0);
    expect(older.every((d) => d.at <= newest.at)).toBe(true);
  });
});
