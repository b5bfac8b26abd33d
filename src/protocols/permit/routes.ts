import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RbacError } from '../../authz/rbac/errors.ts';
import type { RbacEnvironment } from '../../authz/rbac/model.ts';
import type { RbacService } from '../../authz/rbac/rbac-service.ts';
import { FailureLimiter } from '../../util/failure-limiter.ts';
import { PermitWireError, sendApiError, sendPdpError } from './errors.ts';
import * as w from './wire.ts';

type Handler = (req: FastifyRequest, env: RbacEnvironment, reply: FastifyReply) => Promise<unknown>;

/** Wrong API keys allowed per client address in a window, before it is refused without a lookup. */
const MAX_KEY_FAILURES = 20;
const KEY_FAILURE_WINDOW_MS = 5 * 60_000;

/** Bodies are parsed here, not by Fastify, so a malformed one is a 422 in the protocol's shape. */
function json(body: unknown): unknown {
  if (typeof body !== 'string' || body.trim() === '') return {};
  try {
    return JSON.parse(body);
  } catch {
    throw new PermitWireError(422, 'UNPROCESSABLE_ENTITY', 'The body is not valid JSON', { errors: [{ loc: ['body'], msg: 'invalid JSON', type: 'json_invalid' }] });
  }
}

/**
 * Permit's decision point (`/allowed`, `/allowed/bulk`, `/user-permissions`) and the management API
 * subset the `permitio` SDK calls (`/v2/api-key/scope`, `/v2/facts/…`, `/v2/schema/…`), so the SDK
 * works with `pdp` and `apiUrl` set to Tessera.
 */
export async function registerPermit(app: FastifyInstance, rbac: RbacService): Promise<void> {
  const failures = new FailureLimiter(MAX_KEY_FAILURES, KEY_FAILURE_WINDOW_MS);

  /** The environment an `Authorization: Bearer <api key>` opens; Permit's SDK sends its key on every call. */
  async function environmentOf(req: FastifyRequest): Promise<RbacEnvironment> {
    if (failures.blocked(req.ip)) throw new PermitWireError(429, 'TOO_MANY_REQUESTS', 'Too many requests with wrong API keys; try again later');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const env = m ? await rbac.environmentOfApiKey(m[1]!) : undefined;
    if (!env) {
      if (m) failures.fail(req.ip);
      throw new PermitWireError(401, 'UNAUTHORIZED', m ? 'The API key is not valid' : 'Send the API key as Authorization: Bearer <key>');
    }
    return env;
  }

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    const admin = rbac.admin;

    const pdp = (work: Handler) => async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        return reply.send(await work(req, await environmentOf(req), reply));
      } catch (e) {
        return sendPdpError(reply, e, (err) => req.log.error({ err }, 'permit decision failed'));
      }
    };

    const decide = async (env: RbacEnvironment, q: w.CheckQuery) => {
      const tenant = q.resource.tenant ?? 'default';
      const d = await rbac.checkIn(env, {
        user: { key: q.user.key, ...(q.user.attributes && { attributes: q.user.attributes }) },
        action: q.action,
        resource: { type: q.resource.type, tenant, ...(q.resource.key != null && { key: q.resource.key }), ...(q.resource.attributes && { attributes: q.resource.attributes }) },
        ...(q.context && { context: q.context }),
      });
      return { allow: d.allow, query: q, debug: { rbac: { allow: d.allow, reason: d.reason, allowing_roles: d.grantingRoles } }, result: d.allow };
    };

    scope.post('/allowed', pdp(async (req, env) => decide(env, w.CheckQuery.parse(json(req.body)))));
    scope.post('/allowed/bulk', pdp(async (req, env) => {
      const queries = w.BulkQuery.parse(json(req.body));
      return { allow: await Promise.all(queries.map((q) => decide(env, q))) };
    }));
    scope.post('/user-permissions', pdp(async (req, env) => {
      const q = w.UserPermissionsQuery.parse(json(req.body));
      const tenants = q.tenants ?? [...new Set((await admin.listAssignments(env, { user: q.user.key }, { page: 1, perPage: 1000 })).map((a) => a.tenant))];
      const out: Record<string, unknown> = {};
      for (const t of tenants) {
        // A tenant named in the query that does not exist holds no permissions: it is left out, as Permit does.
        const tenant = await admin.getTenant(env, t).catch((e: unknown) => {
          if (e instanceof RbacError && e.kind === 'not_found') return undefined;
          throw e;
        });
        if (!tenant) continue;
        const { roles, permissions } = await rbac.permissionsOf(env, q.user.key, t);
        const types = q.resource_types;
        out[`__tenant:${t}`] = { tenant: { key: t, attributes: tenant.attributes }, permissions: types ? permissions.filter((p) => types.includes(p.split(':')[0]!)) : permissions, roles };
      }
      return out;
    }));

    const api = (work: Handler, status = 200) => async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        const env = await environmentOf(req);
        const { proj, env: envParam } = req.params as { proj?: string; env?: string };
        if (proj !== undefined && proj !== env.projectId && proj !== env.projectKey) throw new PermitWireError(403, 'FORBIDDEN', `The API key does not open project '${proj}'`);
        if (envParam !== undefined && envParam !== env.id && envParam !== env.key) throw new PermitWireError(403, 'FORBIDDEN', `The API key does not open environment '${envParam}'`);
        const out = await work(req, env, reply);
        if (reply.sent) return reply;
        if (out === undefined) return reply.code(204).send();
        return reply.code(reply.statusCode === 200 ? status : reply.statusCode).send(out);
      } catch (e) {
        return sendApiError(reply, e, (err) => req.log.error({ err }, 'permit management call failed'));
      }
    };
    const param = (req: FastifyRequest, name: string) => (req.params as Record<string, string>)[name]!;
    const page = (req: FastifyRequest) => {
      const q = w.PageQuery.parse(req.query);
      return { page: q.page, perPage: q.per_page, ...(q.search && { search: q.search }) };
    };
    const rolesOf = (env: RbacEnvironment, user: string) => admin.listAssignments(env, { user }, { page: 1, perPage: 1000 });
    const userRead = async (env: RbacEnvironment, key: string) => {
      const u = await admin.getUser(env, key);
      return w.writeUser(env, u, await rolesOf(env, u.key));
    };

    scope.get('/v2/api-key/scope', api(async (_req, env) => ({ organization_id: env.organizationId, project_id: env.projectId, environment_id: env.id })));

    // Users
    const facts = '/v2/facts/:proj/:env';
    scope.get(`${facts}/users`, api(async (req, env) => {
      const q = w.UserListQuery.parse(req.query);
      const p = { page: q.page, perPage: q.per_page, ...(q.search && { search: q.search }), ...(q.role && { role: q.role }) };
      const { data, total } = await admin.listUsers(env, p);
      return { data: await Promise.all(data.map(async (u) => w.writeUser(env, u, await rolesOf(env, u.key)))), total_count: total, page_count: Math.max(1, Math.ceil(total / p.perPage)) };
    }));
    scope.get(`${facts}/users/:user`, api(async (req, env) => userRead(env, param(req, 'user'))));
    scope.post(`${facts}/users`, api(async (req, env) => {
      const b = w.UserCreate.parse(json(req.body));
      const u = await admin.createUser(env, userInput(b.key, b));
      await assignAll(env, u.key, b.role_assignments);
      return userRead(env, u.key);
    }, 201));
    scope.put(`${facts}/users/:user`, api(async (req, env, reply) => {
      // The path names the user a sync creates, so it must be a valid key as a body's would be.
      const key = w.Key.parse(param(req, 'user'));
      const b = w.UserBody.parse(json(req.body));
      if (b.key !== undefined && b.key !== key) throw new PermitWireError(422, 'UNPROCESSABLE_ENTITY', `the body's key '${b.key}' is not the path's '${key}'`);
      const { created } = await admin.syncUser(env, userInput(key, b));
      await assignAll(env, key, b.role_assignments);
      // The SDK's users.sync reports `created` from this status.
      reply.code(created ? 201 : 200);
      return userRead(env, key);
    }));
    scope.patch(`${facts}/users/:user`, api(async (req, env) => {
      const b = w.UserPatch.parse(json(req.body));
      const u = await admin.updateUser(env, param(req, 'user'), userInput(undefined, b));
      return userRead(env, u.key);
    }));
    scope.delete(`${facts}/users/:user`, api(async (req, env) => admin.deleteUser(env, param(req, 'user'))));
    scope.post(`${facts}/bulk/users`, api(async (req, env) => {
      const b = w.BulkUsers.parse(json(req.body)).operations;
      for (const u of b) {
        await admin.syncUser(env, userInput(u.key, u));
        await assignAll(env, u.key, u.role_assignments);
      }
      return {};
    }));
    scope.post(`${facts}/users/:user/roles`, api(async (req, env) => {
      const b = w.UserRole.parse(json(req.body));
      await admin.assign(env, { user: param(req, 'user'), role: b.role, tenant: b.tenant ?? 'default' });
      return userRead(env, param(req, 'user'));
    }));
    scope.delete(`${facts}/users/:user/roles`, api(async (req, env) => {
      const b = w.UserRole.parse(json(req.body));
      await admin.unassign(env, { user: param(req, 'user'), role: b.role, tenant: b.tenant ?? 'default' });
      return userRead(env, param(req, 'user'));
    }));

    // Role assignments
    scope.get(`${facts}/role_assignments`, api(async (req, env) => {
      const q = w.AssignmentQuery.parse(req.query);
      const filter = { ...(q.user && { user: q.user }), ...(q.role && { role: q.role }), ...(q.tenant && { tenant: q.tenant }) };
      const list = await admin.listAssignments(env, filter, { page: q.page, perPage: q.per_page });
      const parties = await admin.partiesOf(env, list);
      const data = list.map((a, i) => {
        const p = parties[i]!;
        return q.detailed ? w.writeDetailedAssignment(env, a, p) : w.writeAssignment(env, { ...a, userId: p.user.id, roleId: p.role.id, tenantId: p.tenant.id });
      });
      if (!q.include_total_count) return data;
      const total = await admin.countAssignments(env, filter);
      return { data, total_count: total, page_count: Math.max(1, Math.ceil(total / q.per_page)) };
    }));
    scope.post(`${facts}/role_assignments`, api(async (req, env) => {
      const b = w.Assignment.parse(json(req.body));
      return w.writeAssignment(env, await admin.assign(env, { user: b.user, role: b.role, tenant: b.tenant ?? 'default' }));
    }));
    scope.delete(`${facts}/role_assignments`, api(async (req, env) => {
      const b = w.Assignment.parse(json(req.body));
      await admin.unassign(env, { user: b.user, role: b.role, tenant: b.tenant ?? 'default' });
    }));
    scope.post(`${facts}/role_assignments/bulk`, api(async (req, env) => {
      const list = w.Assignments.parse(json(req.body));
      let created = 0;
      for (const a of list) {
        const before = (await admin.listAssignments(env, { user: a.user, role: a.role, tenant: a.tenant ?? 'default' }, { page: 1, perPage: 1 })).length;
        await admin.assign(env, { user: a.user, role: a.role, tenant: a.tenant ?? 'default' }, { idempotent: true });
        if (before === 0) created++;
      }
      return { assignments_created: created };
    }));
    scope.delete(`${facts}/role_assignments/bulk`, api(async (req, env) => {
      const list = w.Assignments.parse(json(req.body));
      let removed = 0;
      for (const a of list) {
        const before = (await admin.listAssignments(env, { user: a.user, role: a.role, tenant: a.tenant ?? 'default' }, { page: 1, perPage: 1 })).length;
        await admin.unassign(env, { user: a.user, role: a.role, tenant: a.tenant ?? 'default' }, { idempotent: true });
        removed += before;
      }
      return { assignments_removed: removed };
    }));

    // Tenants
    scope.get(`${facts}/tenants`, api(async (req, env) => (await admin.listTenants(env, page(req))).data.map((t) => w.writeTenant(env, t))));
    scope.get(`${facts}/tenants/:tenant`, api(async (req, env) => w.writeTenant(env, await admin.getTenant(env, param(req, 'tenant')))));
    scope.post(`${facts}/tenants`, api(async (req, env) => {
      const b = w.TenantCreate.parse(json(req.body));
      return w.writeTenant(env, await admin.createTenant(env, { key: b.key, name: b.name, ...(b.description != null && { description: b.description }), ...(b.attributes && { attributes: b.attributes }) }));
    }));
    scope.patch(`${facts}/tenants/:tenant`, api(async (req, env) => {
      const b = w.TenantUpdate.parse(json(req.body));
      return w.writeTenant(env, await admin.updateTenant(env, param(req, 'tenant'), { ...(b.name != null && { name: b.name }), ...(b.description != null && { description: b.description }), ...(b.attributes && { attributes: b.attributes }) }));
    }));
    scope.delete(`${facts}/tenants/:tenant`, api(async (req, env) => admin.deleteTenant(env, param(req, 'tenant'))));
    scope.get(`${facts}/tenants/:tenant/users`, api(async (req, env) => {
      const tenant = await admin.getTenant(env, param(req, 'tenant'));
      const p = page(req);
      const assignments = await admin.listAssignments(env, { tenant: tenant.key }, { page: 1, perPage: 100_000 });
      const keys = [...new Set(assignments.map((a) => a.user))];
      const slice = keys.slice((p.page - 1) * p.perPage, p.page * p.perPage);
      return { data: await Promise.all(slice.map((k) => userRead(env, k))), total_count: keys.length, page_count: Math.max(1, Math.ceil(keys.length / p.perPage)) };
    }));
    scope.delete(`${facts}/tenants/:tenant/users/:user`, api(async (req, env) => {
      const tenant = await admin.getTenant(env, param(req, 'tenant'));
      const user = await admin.getUser(env, param(req, 'user'));
      for (const a of await admin.listAssignments(env, { user: user.key, tenant: tenant.key }, { page: 1, perPage: 1000 })) await admin.unassign(env, a, { idempotent: true });
    }));

    // Resources
    const schema = '/v2/schema/:proj/:env';
    const resourceInput = (b: Partial<w.ResourceWrite>) => ({
      ...(b.name != null && { name: b.name }),
      ...(b.description != null && { description: b.description }),
      ...(b.actions && { actions: Object.fromEntries(Object.entries(b.actions).map(([k, a]) => [k, { ...(a.name != null && { name: a.name }), ...(a.description != null && { description: a.description }) }])) }),
      ...(b.attributes && { attributes: Object.fromEntries(Object.entries(b.attributes).map(([k, a]) => [k, { type: a.type, ...(a.description != null && { description: a.description }) }])) }),
    });
    scope.get(`${schema}/resources`, api(async (req, env) => (await admin.listResources(env, page(req))).data.map((r) => w.writeResource(env, r))));
    scope.get(`${schema}/resources/:resource`, api(async (req, env) => w.writeResource(env, await admin.getResource(env, param(req, 'resource')))));
    scope.post(`${schema}/resources`, api(async (req, env) => {
      const b = w.ResourceCreate.parse(json(req.body));
      return w.writeResource(env, await admin.createResource(env, { key: b.key, actions: {}, ...resourceInput(b) }));
    }));
    scope.patch(`${schema}/resources/:resource`, api(async (req, env) => w.writeResource(env, await admin.updateResource(env, param(req, 'resource'), resourceInput(w.ResourceUpdate.parse(json(req.body)))))));
    scope.put(`${schema}/resources/:resource`, api(async (req, env) => w.writeResource(env, await admin.updateResource(env, param(req, 'resource'), resourceInput(w.ResourceReplace.parse(json(req.body))), true))));
    scope.delete(`${schema}/resources/:resource`, api(async (req, env) => admin.deleteResource(env, param(req, 'resource'))));

    // Roles
    const roleInput = (b: Partial<w.RoleWrite>) => ({
      ...(b.name != null && { name: b.name }),
      ...(b.description != null && { description: b.description }),
      ...(b.permissions != null && { permissions: b.permissions }),
      ...(b.extends != null && { extends: b.extends }),
    });
    scope.get(`${schema}/roles`, api(async (req, env) => (await admin.listRoles(env, page(req))).data.map((r) => w.writeRole(env, r))));
    scope.get(`${schema}/roles/:role`, api(async (req, env) => w.writeRole(env, await admin.getRole(env, param(req, 'role')))));
    scope.post(`${schema}/roles`, api(async (req, env) => {
      const b = w.RoleCreate.parse(json(req.body));
      return w.writeRole(env, await admin.createRole(env, { key: b.key, ...roleInput(b) }));
    }));
    scope.patch(`${schema}/roles/:role`, api(async (req, env) => w.writeRole(env, await admin.updateRole(env, param(req, 'role'), roleInput(w.RoleUpdate.parse(json(req.body)))))));
    scope.delete(`${schema}/roles/:role`, api(async (req, env) => admin.deleteRole(env, param(req, 'role'))));
    scope.post(`${schema}/roles/:role/permissions`, api(async (req, env) => w.writeRole(env, await admin.changePermissions(env, param(req, 'role'), w.Permissions.parse(json(req.body)).permissions, true))));
    scope.delete(`${schema}/roles/:role/permissions`, api(async (req, env) => w.writeRole(env, await admin.changePermissions(env, param(req, 'role'), w.Permissions.parse(json(req.body)).permissions, false))));

    function userInput(key: string | undefined, b: { email?: string | null; first_name?: string | null; last_name?: string | null; attributes?: Record<string, unknown> | null }) {
      return {
        key: key ?? '',
        ...(b.email != null && { email: b.email }),
        ...(b.first_name != null && { firstName: b.first_name }),
        ...(b.last_name != null && { lastName: b.last_name }),
        ...(b.attributes && { attributes: b.attributes }),
      };
    }

    async function assignAll(env: RbacEnvironment, user: string, list: Array<{ role: string; tenant?: string | undefined }> | null | undefined) {
      for (const a of list ?? []) await admin.assign(env, { user, role: a.role, tenant: a.tenant ?? 'default' }, { idempotent: true });
    }

  });
}
