import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../support/server.ts';

const KEY = 'permit_key_wire_tests_0123456789';
const OTHER_KEY = 'permit_key_other_env_0123456789';

describe('the Permit wire adapter', () => {
  let s: TestServer;
  let scope: { organization_id: string; project_id: string; environment_id: string };
  const call = async (method: string, path: string, body?: unknown, key: string | null = KEY) => {
    const res = await fetch(s.url + path, {
      method,
      headers: { ...(key !== null && { authorization: `Bearer ${key}` }), 'content-type': 'application/json' },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const facts = (rest: string) => `/v2/facts/${scope.project_id}/${scope.environment_id}${rest}`;

  beforeAll(async () => {
    s = await startTestServer({
      config: {
        rbac: {
          environments: [
            { key: 'default', apiKey: KEY, resources: [{ key: 'hello', actions: ['say', 'wave'] }], roles: [{ key: 'viewer', permissions: ['hello:wave'] }], users: [{ key: 'vic', roles: [{ role: 'viewer' }] }] },
            { key: 'staging', apiKey: OTHER_KEY },
          ],
        },
      },
    });
    scope = (await call('GET', '/v2/api-key/scope')).body;
  });
  afterAll(() => s.close());

  it('names the environment its key opens, with ids the paths accept back', async () => {
    expect(scope).toEqual({ organization_id: expect.stringMatching(/^[0-9a-f]{32}$/), project_id: expect.stringMatching(/^[0-9a-f]{32}$/), environment_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    const other = (await call('GET', '/v2/api-key/scope', undefined, OTHER_KEY)).body;
    expect(other.project_id).toBe(scope.project_id);
    expect(other.environment_id).not.toBe(scope.environment_id);
    expect((await call('GET', facts('/users/vic'))).body).toMatchObject({ key: 'vic', roles: [{ role: 'viewer', tenant: 'default' }] });
    expect((await call('GET', '/v2/facts/default/default/users/vic')).status).toBe(200);
  });

  it('refuses a missing or unknown key on both APIs with 401', async () => {
    expect(await call('GET', '/v2/api-key/scope', undefined, null)).toMatchObject({ status: 401, body: { error_code: 'UNAUTHORIZED', message: expect.any(String) } });
    expect(await call('GET', facts('/users'), undefined, 'permit_key_wrong_0000000000000')).toMatchObject({ status: 401 });
    expect(await call('POST', '/allowed', { user: { key: 'vic' }, action: 'wave', resource: { type: 'hello' } }, 'nope')).toMatchObject({ status: 401, body: { detail: expect.any(String) } });
  });

  it("refuses a path naming an environment the key does not open, and leaves that environment's data alone", async () => {
    const res = await call('PUT', `/v2/facts/${scope.project_id}/staging/users/intruder`, { key: 'intruder' });
    expect(res).toMatchObject({ status: 403, body: { error_code: 'FORBIDDEN' } });
    expect((await call('GET', `/v2/facts/${scope.project_id}/staging/users/intruder`, undefined, OTHER_KEY)).status).toBe(404);
  });

  it('keeps environments apart: the same user has no roles in another environment', async () => {
    expect((await call('POST', '/allowed', { user: { key: 'vic' }, action: 'wave', resource: { type: 'hello', tenant: 'default' } })).body.allow).toBe(true);
    expect((await call('POST', '/allowed', { user: { key: 'vic' }, action: 'wave', resource: { type: 'hello', tenant: 'default' } }, OTHER_KEY)).body.allow).toBe(false);
  });

  it('answers a check with the decision, the query and the reason', async () => {
    const res = await call('POST', '/allowed', { user: 'vic', action: 'say', resource: { type: 'hello', key: 'h1' } });
    expect(res).toEqual({ status: 200, body: { allow: false, result: false, query: expect.objectContaining({ action: 'say' }), debug: { rbac: { allow: false, reason: "no role of user 'vic' in tenant 'default' grants hello:say", allowing_roles: [] } } } });
  });

  it('refuses malformed checks with 422 and FastAPI-style details, never a 500', async () => {
    for (const body of ['{not json', '[]', { action: 'wave', resource: { type: 'hello' } }, { user: 7, action: 'wave', resource: { type: 'hello' } }, { user: 'vic', action: '', resource: { type: 'hello' } }, { user: 'vic', action: 'wave', resource: 'hello' }]) {
      const res = await call('POST', '/allowed', body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.detail).toBeDefined();
    }
    expect((await call('POST', '/allowed/bulk', { user: 'vic' })).status).toBe(422);
  });

  it('denies, rather than refuses, a user key no one could have synced', async () => {
    for (const key of ['bad key!', 'x'.repeat(300)]) expect(await call('POST', '/allowed', { user: key, action: 'wave', resource: { type: 'hello' } })).toMatchObject({ status: 200, body: { allow: false } });
  });

  it('refuses attributes nested beyond 64 levels', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = { d: deep };
    expect((await call('POST', '/allowed', { user: { key: 'vic', attributes: deep }, action: 'wave', resource: { type: 'hello' } })).status).toBe(422);
    expect((await call('PUT', facts('/users/deep'), { key: 'deep', attributes: deep })).status).toBe(422);
    expect((await call('GET', facts('/users/deep'))).status).toBe(404);
  });

  it("words management errors as Permit's API does, with a message the SDK shows", async () => {
    expect(await call('GET', facts('/users/ghost'))).toMatchObject({ status: 404, body: { error_code: 'NOT_FOUND', message: "user 'ghost' was not found" } });
    expect(await call('POST', `/v2/schema/${scope.project_id}/${scope.environment_id}/roles`, { key: 'viewer', name: 'Viewer' })).toMatchObject({ status: 409, body: { error_code: 'DUPLICATE_ENTITY' } });
    expect(await call('POST', `/v2/schema/${scope.project_id}/${scope.environment_id}/resources`, { key: 'doc', actions: { read: {} } })).toMatchObject({ status: 422, body: { error_code: 'UNPROCESSABLE_ENTITY', message: expect.stringContaining('name') } });
    expect(await call('PUT', facts('/users/a'), { key: 'b' })).toMatchObject({ status: 422 });
    expect(await call('PUT', facts('/users/bad%20key'), {})).toMatchObject({ status: 422 });
    expect(await call('POST', facts('/role_assignments'), { user: 'vic', role: 'viewer', tenant: 'default' })).toMatchObject({ status: 409 });
    expect(await call('DELETE', facts('/role_assignments'), { user: 'vic', role: 'viewer', tenant: 'nowhere' })).toMatchObject({ status: 404, body: { message: "tenant 'nowhere' was not found" } });
  });

  it('tells created from updated users by status, as the SDK reads it', async () => {
    expect((await call('PUT', facts('/users/sam'), { key: 'sam', email: 'sam@example.com' })).status).toBe(201);
    const again = await call('PUT', facts('/users/sam'), { key: 'sam', first_name: 'Sam' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ key: 'sam', first_name: 'Sam' });
    expect(again.body.email).toBeUndefined();
    expect((await call('GET', facts('/users'))).body).toMatchObject({ total_count: 2, page_count: 1 });
  });
});

describe('guessing Permit API keys', () => {
  it('stops answering an address after 20 wrong keys, even with the right one, for a while', async () => {
    const s = await startTestServer({ config: { rbac: { environments: [{ key: 'default', apiKey: KEY }] } } });
    try {
      const scope = (key: string) => fetch(`${s.url}/v2/api-key/scope`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
      for (let i = 0; i < 20; i++) expect(await scope(`permit_key_guess_${i}_00000000000000`)).toBe(401);
      expect(await scope('permit_key_guess_last_0000000000000')).toBe(429);
      expect(await scope(KEY)).toBe(429);
    } finally {
      await s.close();
    }
  });
});
