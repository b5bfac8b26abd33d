/**
 * Malformed requests to the Cerbos API get Cerbos' own answers: `google.rpc.Status` JSON with code 3
 * and a 400, the gateway's 501 for a wrong method and 404 for an unknown path; never a 500.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';

const POLICIES = fileURLToPath(new URL('../../examples/seed-003-contacts/cerbos', import.meta.url));
const ADMIN = { username: 'admin', password: 'a long enough admin password' };
const valid = { principal: { id: 'u1', roles: ['user'] }, resources: [{ resource: { kind: 'contact', id: 'c1', attr: { owner: 'u1' } }, actions: ['read'] }] };

describe('the Cerbos API refuses malformed requests as Cerbos does', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ cerbos: { policiesDir: POLICIES, admin: ADMIN } });
  });
  afterAll(() => s.close());

  const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${s.url}${path}`, { method: 'POST', body, headers });
    return { status: res.status, body: (await res.json()) as { code?: number; message?: string } };
  };

  it.each([
    ['invalid JSON', '{"principal":', /./],
    ['a body that is not an object', '[1,2]', /^proto: syntax error/],
    ['an unknown field', JSON.stringify({ ...valid, colour: 'blue' }), /^proto: unknown field "colour"$/],
    ['a wrongly typed field', JSON.stringify({ ...valid, includeMeta: 'true' }), /invalid value for bool field/],
    ['a missing principal', JSON.stringify({ resources: valid.resources }), /^validation error: principal: value is required$/],
    ['duplicate actions', JSON.stringify({ ...valid, resources: [{ ...valid.resources[0], actions: ['read', 'read'] }] }), /repeated value must contain unique items/],
    ['a malformed scope', JSON.stringify({ ...valid, principal: { ...valid.principal, scope: 'a..b!' } }), /principal\.scope: does not match regex pattern/],
    ['51 resources', JSON.stringify({ ...valid, resources: Array.from({ length: 51 }, (_, i) => ({ resource: { kind: 'contact', id: `c${i}` }, actions: ['read'] })) }), /^number of resources in batch \(51\) exceeds configured limit \(50\)$/],
    ['attributes nested 10,000 deep', `{"principal":{"id":"u1","roles":["user"],"attr":{"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}},"resources":${JSON.stringify(valid.resources)}}`, /exceeded max recursion depth/],
  ])('%s: 400 with code 3', async (_name, body, message) => {
    expect(await post('/api/check/resources', body)).toEqual({ status: 400, body: expect.objectContaining({ code: 3, message: expect.stringMatching(message) }) });
  });

  it.each([
    ['neither action nor actions', { principal: valid.principal, resource: { kind: 'contact' } }, /^validation error: Exactly one of 'action' or 'actions' field must be set$/],
    ['both action and actions', { action: 'read', actions: ['update'], principal: valid.principal, resource: { kind: 'contact' } }, /Exactly one of 'action' or 'actions'/],
    ['a resource with an id', { action: 'read', principal: valid.principal, resource: { kind: 'contact', id: 'c1' } }, /^proto: unknown field "id"$/],
    ['21 actions', { actions: Array.from({ length: 21 }, (_, i) => `a${i}`), principal: valid.principal, resource: { kind: 'contact' } }, /actions: must contain no more than 20 item\(s\)/],
    ['a missing resource kind', { action: 'read', principal: valid.principal, resource: {} }, /resource\.kind: value is required/],
  ])('PlanResources with %s: 400 with code 3', async (_name, body, message) => {
    expect(await post('/api/plan/resources', JSON.stringify(body))).toEqual({ status: 400, body: expect.objectContaining({ code: 3, message: expect.stringMatching(message) }) });
  });

  it('reads the body whatever its content type, as the JS client sends text/plain', async () => {
    for (const type of ['text/plain;charset=UTF-8', 'application/json', 'application/octet-stream']) {
      expect((await post('/api/check/resources', JSON.stringify(valid), { 'content-type': type })).status).toBe(200);
    }
  });

  it('answers a wrong method with 501 and an unknown API path with 404, in the same shape', async () => {
    const get = await fetch(`${s.url}/api/check/resources`);
    expect({ status: get.status, body: await get.json() }).toEqual({ status: 501, body: { code: 12, message: 'Method Not Allowed' } });
    expect(await post('/api/nope', '{}')).toEqual({ status: 404, body: { code: 5, message: 'Not Found' } });
  });

  it('still serves the older CheckResourceSet and CheckResourceBatch calls, in their shapes', async () => {
    const set = await post('/api/check', JSON.stringify({ requestId: 'set-1', actions: ['read', 'update'], principal: { id: 'u1', roles: ['user'] }, resource: { kind: 'contact', instances: { c1: { attr: { owner: 'u1' } }, c2: { attr: { owner: 'u2' } } } } }));
    expect(set).toEqual({ status: 200, body: { requestId: 'set-1', resourceInstances: { c1: { actions: { read: 'EFFECT_ALLOW', update: 'EFFECT_ALLOW' } }, c2: { actions: { read: 'EFFECT_ALLOW', update: 'EFFECT_DENY' } } } } });
    const batch = await post('/api/check_resource_batch', JSON.stringify({ principal: { id: 'u1', roles: ['user'] }, resources: [{ actions: ['delete'], resource: { kind: 'contact', id: 'c2', attr: { owner: 'u2' } } }] }));
    expect(batch).toEqual({ status: 200, body: { results: [{ resourceId: 'c2', actions: { delete: 'EFFECT_DENY' } }] } });
  });

  it('refuses a policy nested too deeply through the Admin API, and keeps serving', async () => {
    const deep = `{"match":${'{"all":{"of":['.repeat(5_000)}{"expr":"true"}${']}}'.repeat(5_000)}}`;
    const policy = `{"apiVersion":"api.cerbos.dev/v1","resourcePolicy":{"version":"default","resource":"doc","rules":[{"actions":["read"],"effect":"EFFECT_ALLOW","roles":["user"],"condition":${deep}}]}}`;
    const res = await fetch(`${s.url}/admin/policy`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}` }, body: `{"policies":[${policy}]}` });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 400, body: { code: 3, message: 'proto: exceeded max recursion depth' } });
    expect((await post('/api/check/resources', JSON.stringify(valid))).status).toBe(200);
  });
});
