import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchPolicyDirectory } from '../../src/authz/cerbos/policy-directory.ts';
import { backends } from '../support/databases.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const ADMIN = { username: 'cerbos-admin', password: 'correct horse battery staple' };
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

const contactPolicy = (rules: object[]) => ({ apiVersion: 'api.cerbos.dev/v1', resourcePolicy: { version: 'default', resource: 'contact', rules } });
const readForUsers = contactPolicy([{ actions: ['read'], effect: 'EFFECT_ALLOW', roles: ['user'] }]);

async function call(url: string, method: string, path: string, body?: unknown, auth = basic(ADMIN.username, ADMIN.password)) {
  const res = await fetch(url + path, { method, headers: { authorization: auth }, ...(body !== undefined && { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function effect(url: string, action: string, roles = ['user']): Promise<string> {
  const res = await fetch(`${url}/api/check/resources`, { method: 'POST', body: JSON.stringify({ principal: { id: 'alice', roles }, resources: [{ resource: { kind: 'contact', id: 'c1' }, actions: [action] }] }) });
  const body = (await res.json()) as { results: Array<{ actions: Record<string, string> }> };
  return body.results[0]!.actions[action]!;
}

describe.each(backends())('the Cerbos Admin API (%s)', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ backend, cerbos: { admin: ADMIN } });
  });
  afterAll(() => s.close());

  it('refuses calls without credentials, with the wrong ones, and with another scheme', async () => {
    expect(await call(s.url, 'GET', '/admin/policies', undefined, '')).toEqual({ status: 401, body: { code: 16, message: 'authentication required' } });
    expect(await call(s.url, 'GET', '/admin/policies', undefined, basic(ADMIN.username, 'wrong'))).toEqual({ status: 401, body: { code: 16, message: 'incorrect credentials' } });
    expect(await call(s.url, 'GET', '/admin/policies', undefined, 'Bearer x')).toEqual({ status: 401, body: { code: 16, message: 'unsupported authentication method' } });
  });

  it('adds policies that take effect at once, lists and returns them', async () => {
    expect(await effect(s.url, 'read')).toBe('EFFECT_DENY');
    expect(await call(s.url, 'POST', '/admin/policy', { policies: [readForUsers] })).toEqual({ status: 200, body: { success: {} } });
    expect(await effect(s.url, 'read')).toBe('EFFECT_ALLOW');
    expect((await call(s.url, 'GET', '/admin/policies')).body).toEqual({ policyIds: ['resource.contact.vdefault'] });
    expect((await call(s.url, 'GET', '/admin/policies?nameRegexp=%5Edoc')).body).toEqual({});
    const got = await call(s.url, 'GET', '/admin/policy?id=resource.contact.vdefault');
    expect(got.body).toEqual({ policies: [readForUsers] });
  });

  it('updates a policy in place with PUT', async () => {
    const writeToo = contactPolicy([{ actions: ['read', 'write'], effect: 'EFFECT_ALLOW', roles: ['user'] }]);
    expect((await call(s.url, 'PUT', '/admin/policy', { policies: [writeToo] })).status).toBe(200);
    expect(await effect(s.url, 'write')).toBe('EFFECT_ALLOW');
  });

  it('refuses a policy that does not compile, and keeps the set as it was', async () => {
    const broken = contactPolicy([{ actions: ['read'], effect: 'EFFECT_ALLOW', roles: ['user'], condition: { match: { expr: 'R.attr.owner ==' } } }]);
    const res = await call(s.url, 'POST', '/admin/policy', { policies: [broken] });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 3, message: expect.stringContaining('invalid expression `R.attr.owner ==`') });
    expect(await effect(s.url, 'write')).toBe('EFFECT_ALLOW');
    expect((await call(s.url, 'POST', '/admin/policy', { policies: [] })).body).toMatchObject({ code: 3, message: 'validation error: policies: value is required' });
    expect((await call(s.url, 'POST', '/admin/policy', { policies: [{ resourcePolicy: {} }] })).status).toBe(400);
  });

  it('disables and enables policies; a disabled policy decides nothing', async () => {
    expect((await call(s.url, 'POST', '/admin/policy/disable?id=resource.contact.vdefault')).body).toEqual({ disabledPolicies: 1 });
    expect(await effect(s.url, 'read')).toBe('EFFECT_DENY');
    expect((await call(s.url, 'GET', '/admin/policies')).body).toEqual({});
    expect((await call(s.url, 'GET', '/admin/policies?includeDisabled=true')).body).toEqual({ policyIds: ['resource.contact.vdefault'] });
    expect((await call(s.url, 'PUT', '/admin/policy/enable', { id: ['resource.contact.vdefault'] })).body).toEqual({ enabledPolicies: 1 });
    expect(await effect(s.url, 'read')).toBe('EFFECT_ALLOW');
    expect((await call(s.url, 'POST', '/admin/policy/disable')).body).toMatchObject({ code: 3, message: 'validation error: id: value is required' });
  });

  it('refuses to disable a policy others depend on', async () => {
    const roles = { apiVersion: 'api.cerbos.dev/v1', derivedRoles: { name: 'common', definitions: [{ name: 'owner', parentRoles: ['user'], condition: { match: { expr: 'R.attr.owner == P.id' } } }] } };
    const doc = { apiVersion: 'api.cerbos.dev/v1', resourcePolicy: { version: 'default', resource: 'doc', importDerivedRoles: ['common'], rules: [{ actions: ['edit'], effect: 'EFFECT_ALLOW', derivedRoles: ['owner'] }] } };
    expect((await call(s.url, 'POST', '/admin/policy', { policies: [roles, doc] })).status).toBe(200);
    const res = await call(s.url, 'POST', '/admin/policy/disable?id=derived_roles.common');
    expect(res).toMatchObject({ status: 400, body: { code: 3, message: expect.stringContaining('Failed to disable policies') } });
  });
});

describe('the Cerbos Admin API against password guessing', () => {
  it('locks an address out after ten wrong passwords, even from the right one', async () => {
    const s = await startTestServer({ cerbos: { admin: ADMIN } });
    try {
      for (let i = 0; i < 10; i++) expect((await call(s.url, 'GET', '/admin/policies', undefined, basic(ADMIN.username, `guess-${i}`))).body.message).toBe('incorrect credentials');
      expect(await call(s.url, 'GET', '/admin/policies')).toEqual({ status: 401, body: { code: 16, message: 'too many failed attempts; try again later' } });
    } finally {
      await s.close();
    }
  });

  it('is refused entirely when no credentials are configured', async () => {
    const s = await startTestServer();
    try {
      expect(await call(s.url, 'GET', '/admin/policies')).toMatchObject({ status: 401, body: { code: 16, message: expect.stringContaining('the Admin API is disabled') } });
    } finally {
      await s.close();
    }
  });
});

describe('Cerbos policies are shared by instances and follow their directory', () => {
  it('a policy written through one instance decides on another within a second', async () => {
    const a = await startTestServer({ cerbos: { admin: ADMIN } });
    const b = await startTestServer({ dbUrl: a.dbUrl });
    try {
      expect(await effect(b.url, 'read')).toBe('EFFECT_DENY');
      await call(a.url, 'POST', '/admin/policy', { policies: [readForUsers] });
      await expect.poll(() => effect(b.url, 'read'), { timeout: 3000, interval: 100 }).toBe('EFFECT_ALLOW');
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('reloads a watched directory when a file changes, and keeps the last good set when it breaks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-cerbos-watch-'));
    const file = join(dir, 'contact.yaml');
    const yaml = (action: string, expr = 'true') => `apiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  version: default\n  resource: contact\n  rules:\n    - actions: ["${action}"]\n      effect: EFFECT_ALLOW\n      roles: ["user"]\n      condition:\n        match:\n          expr: ${expr}\n`;
    writeFileSync(file, yaml('read'));
    const s = await startTestServer();
    const errors: string[] = [];
    const watcher = await watchPolicyDirectory(s.tessera.cerbos, dir, { info: () => {}, error: (m) => errors.push(m) });
    try {
      expect(await effect(s.url, 'read')).toBe('EFFECT_ALLOW');
      writeFileSync(file, yaml('write'));
      await expect.poll(() => effect(s.url, 'write'), { timeout: 5000, interval: 100 }).toBe('EFFECT_ALLOW');
      expect(await effect(s.url, 'read')).toBe('EFFECT_DENY');
      writeFileSync(file, yaml('delete', 'R.attr.x =='));
      await expect.poll(() => errors.length, { timeout: 5000, interval: 100 }).toBeGreaterThan(0);
      expect(errors[0]).toMatch(/contact\.yaml:11:\d+: invalid expression/);
      expect(await effect(s.url, 'write')).toBe('EFFECT_ALLOW');
    } finally {
      watcher.close();
      await s.close();
    }
  });
});
