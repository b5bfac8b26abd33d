import type { RbacObjectKind, RbacRepository } from '../../store/repositories/rbac.ts';
import type { RbacObjectTable } from '../../store/schema.ts';
import type { Clock } from '../../util/clock.ts';
import type { Random } from '../../util/random.ts';
import { conflict, invalid, notFound } from './errors.ts';
import type { Attributes, RbacEnvironment, RbacResource, RbacRole, RbacRoleAssignment, RbacTenant, RbacUser } from './model.ts';

export interface ResourceInput {
  key: string;
  name?: string;
  description?: string;
  actions: Record<string, { name?: string; description?: string }>;
  attributes?: Record<string, { type: string; description?: string }>;
}
export interface RoleInput {
  key: string;
  name?: string;
  description?: string;
  permissions?: string[];
  extends?: string[];
}
export interface TenantInput {
  key: string;
  name?: string;
  description?: string;
  attributes?: Attributes;
}
export interface UserInput {
  key: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  attributes?: Attributes;
}
export interface Page {
  page: number;
  perPage: number;
  search?: string;
}
export interface Paged<T> {
  data: T[];
  total: number;
}

type Stored<T> = Omit<T, 'id' | 'key' | 'createdAt' | 'updatedAt'>;

const WHAT: Record<RbacObjectKind, string> = { resource: 'resource', role: 'role', tenant: 'tenant', user: 'user' };

/**
 * Permit's management API as plain calls on one environment: resources with actions, roles with
 * permissions, tenants, users and role assignments. Writes that change what a role grants, or who
 * holds it, bump the environment's version, so every instance reloads what it cached.
 */
export class RbacAdmin {
  constructor(
    private readonly repo: RbacRepository,
    private readonly clock: Clock,
    private readonly random: Random,
    /** Called after a write to the schema or to role assignments commits, so this instance drops what it cached at once. */
    private readonly changed: (environmentId: string) => void,
  ) {}

  private newId(): string {
    return this.random.uuid().replace(/-/g, '');
  }

  private async find<T>(env: RbacEnvironment, kind: RbacObjectKind, keyOrId: string, repo = this.repo): Promise<T> {
    const row = await repo.object(env.id, kind, keyOrId);
    if (!row) throw notFound(WHAT[kind], keyOrId);
    return fromRow<T>(row);
  }

  private async create<T>(env: RbacEnvironment, kind: RbacObjectKind, key: string, body: object, repo = this.repo): Promise<T> {
    const now = this.clock.now();
    const row: RbacObjectTable = { environment_id: env.id, kind, key, id: this.newId(), body: JSON.stringify(body), created_at: now, updated_at: now };
    if (!(await repo.insertObject(row))) throw conflict(WHAT[kind], key);
    return fromRow<T>(row);
  }

  private async save<T extends { key: string }>(env: RbacEnvironment, kind: RbacObjectKind, current: T, body: object, repo = this.repo): Promise<T> {
    const now = this.clock.now();
    await repo.updateObject(env.id, kind, current.key, JSON.stringify(body), now);
    return { ...current, ...body, updatedAt: now };
  }

  private async list<T>(env: RbacEnvironment, kind: RbacObjectKind, page: Page): Promise<Paged<T>> {
    const rows = await this.repo.objects(env.id, kind, { offset: (page.page - 1) * page.perPage, limit: page.perPage, ...(page.search && { search: page.search }) });
    return { data: rows.map((r) => fromRow<T>(r)), total: await this.repo.countObjects(env.id, kind) };
  }

  private schemaWrite<T>(env: RbacEnvironment, work: (repo: RbacRepository) => Promise<T>): Promise<T> {
    return this.repo
      .transaction(async (repo) => {
        const result = await work(repo);
        await repo.bump(env.id);
        return result;
      })
      .then((result) => {
        this.changed(env.id);
        return result;
      });
  }

  /** A transaction that may change role assignments (the repository bumps the version if it does). */
  private assignmentWrite<T>(env: RbacEnvironment, work: (repo: RbacRepository) => Promise<T>): Promise<T> {
    return this.repo.transaction(work).finally(() => this.changed(env.id));
  }

  // Resources

  listResources = (env: RbacEnvironment, page: Page) => this.list<RbacResource>(env, 'resource', page);
  getResource = (env: RbacEnvironment, key: string) => this.find<RbacResource>(env, 'resource', key);

  createResource(env: RbacEnvironment, input: ResourceInput): Promise<RbacResource> {
    return this.schemaWrite(env, (repo) => this.create<RbacResource>(env, 'resource', input.key, this.resourceBody(input), repo));
  }

  /** `replace` sets every field (PUT); otherwise only the fields given change (PATCH). */
  updateResource(env: RbacEnvironment, key: string, input: Partial<Omit<ResourceInput, 'key'>>, replace = false): Promise<RbacResource> {
    return this.schemaWrite(env, async (repo) => {
      const current = await this.find<RbacResource>(env, 'resource', key, repo);
      const merged: ResourceInput = replace
        ? { key: current.key, actions: input.actions ?? {}, ...(input.name !== undefined && { name: input.name }), ...(input.description !== undefined && { description: input.description }), ...(input.attributes && { attributes: input.attributes }) }
        : {
            key: current.key,
            name: input.name ?? current.name,
            ...((input.description ?? current.description) !== undefined && { description: input.description ?? current.description }),
            actions: input.actions ? { ...current.actions, ...input.actions } : current.actions,
            attributes: input.attributes ?? current.attributes,
          };
      const body = this.resourceBody(merged, current.actions);
      // Permissions on actions that are gone would grant nothing; drop them as Permit does.
      await this.dropPermissions(env, repo, (p) => p.startsWith(`${current.key}:`) && !p.endsWith(':*') && !Object.hasOwn(body.actions, p.slice(current.key.length + 1)));
      return this.save(env, 'resource', current, body, repo);
    });
  }

  deleteResource(env: RbacEnvironment, key: string): Promise<void> {
    return this.schemaWrite(env, async (repo) => {
      const current = await this.find<RbacResource>(env, 'resource', key, repo);
      await this.dropPermissions(env, repo, (p) => p.startsWith(`${current.key}:`));
      await repo.deleteObject(env.id, 'resource', current.key);
    });
  }

  private resourceBody(input: ResourceInput, previous: RbacResource['actions'] = {}): Stored<RbacResource> {
    if (Object.keys(input.actions).length === 0) throw invalid('a resource needs at least one action', ['actions']);
    // fromEntries and hasOwn: an action may be called `constructor` or `__proto__` without meeting Object's own.
    const actions: RbacResource['actions'] = Object.fromEntries(
      Object.entries(input.actions).map(([key, a]) => {
        if (!/^[A-Za-z0-9_\-.]+$/.test(key)) throw invalid(`action key '${key}' may hold only letters, digits, _ - and .`, ['actions', key]);
        const id = Object.hasOwn(previous, key) ? previous[key]!.id : this.newId();
        return [key, { id, name: a.name ?? key, ...(a.description !== undefined && { description: a.description }) }];
      }),
    );
    return { name: input.name ?? input.key, ...(input.description !== undefined && { description: input.description }), actions, attributes: input.attributes ?? {} };
  }

  private async dropPermissions(env: RbacEnvironment, repo: RbacRepository, drop: (permission: string) => boolean): Promise<void> {
    for (const row of await repo.objects(env.id, 'role')) {
      const role = fromRow<RbacRole>(row);
      const kept = role.permissions.filter((p) => !drop(p));
      if (kept.length !== role.permissions.length) await this.save(env, 'role', role, { ...bodyOf(role), permissions: kept }, repo);
    }
  }

  // Roles

  listRoles = (env: RbacEnvironment, page: Page) => this.list<RbacRole>(env, 'role', page);
  getRole = (env: RbacEnvironment, key: string) => this.find<RbacRole>(env, 'role', key);

  createRole(env: RbacEnvironment, input: RoleInput): Promise<RbacRole> {
    return this.schemaWrite(env, async (repo) => {
      const body = await this.roleBody(env, repo, input.key, input);
      return this.create<RbacRole>(env, 'role', input.key, body, repo);
    });
  }

  updateRole(env: RbacEnvironment, key: string, input: Partial<Omit<RoleInput, 'key'>>): Promise<RbacRole> {
    return this.schemaWrite(env, async (repo) => {
      const current = await this.find<RbacRole>(env, 'role', key, repo);
      const merged: RoleInput = { ...bodyOf(current), key: current.key, ...definedOnly(input) };
      return this.save(env, 'role', current, await this.roleBody(env, repo, current.key, merged), repo);
    });
  }

  /** Adds (`add: true`) or removes permissions of a role. */
  changePermissions(env: RbacEnvironment, key: string, permissions: string[], add: boolean): Promise<RbacRole> {
    return this.schemaWrite(env, async (repo) => {
      const current = await this.find<RbacRole>(env, 'role', key, repo);
      const next = add ? [...new Set([...current.permissions, ...permissions])] : current.permissions.filter((p) => !permissions.includes(p));
      return this.save(env, 'role', current, await this.roleBody(env, repo, current.key, { ...bodyOf(current), key: current.key, permissions: next }), repo);
    });
  }

  deleteRole(env: RbacEnvironment, key: string): Promise<void> {
    return this.schemaWrite(env, async (repo) => {
      const current = await this.find<RbacRole>(env, 'role', key, repo);
      for (const row of await repo.objects(env.id, 'role')) {
        const role = fromRow<RbacRole>(row);
        if (role.extends.includes(current.key)) throw invalid(`role '${current.key}' is extended by role '${role.key}'`, ['role']);
      }
      await repo.deleteAssignments(env.id, { role: current.key });
      await repo.deleteObject(env.id, 'role', current.key);
    });
  }

  /** Permissions must name existing resources and actions; extended roles must exist and not loop back. */
  private async roleBody(env: RbacEnvironment, repo: RbacRepository, key: string, input: RoleInput): Promise<Stored<RbacRole>> {
    const permissions = [...new Set(input.permissions ?? [])];
    for (const [i, p] of permissions.entries()) {
      const m = /^([^:]+):([^:]+)$/.exec(p);
      if (!m) throw invalid(`permission '${p}' is not resource:action`, ['permissions', i]);
      const resourceRow = await repo.object(env.id, 'resource', m[1]!);
      if (!resourceRow) throw notFound('resource', m[1]!);
      const resource = fromRow<RbacResource>(resourceRow);
      if (m[2] !== '*' && !Object.hasOwn(resource.actions, m[2]!)) throw notFound('action', p);
    }
    const extendsRoles = [...new Set(input.extends ?? [])];
    for (const parent of extendsRoles) {
      if (parent === key) throw invalid(`role '${key}' cannot extend itself`, ['extends']);
      const parentRow = await repo.object(env.id, 'role', parent);
      if (!parentRow) throw notFound('role', parent);
      // A loop would make `key` reachable from its own parent.
      const stack = [...fromRow<RbacRole>(parentRow).extends];
      const seen = new Set<string>();
      while (stack.length) {
        const next = stack.pop()!;
        if (next === key) throw invalid(`extending '${parent}' would make role '${key}' extend itself`, ['extends']);
        if (seen.has(next)) continue;
        seen.add(next);
        const row = await repo.object(env.id, 'role', next);
        if (row) stack.push(...fromRow<RbacRole>(row).extends);
      }
    }
    return { name: input.name ?? key, ...(input.description !== undefined && { description: input.description }), permissions, extends: extendsRoles };
  }

  // Tenants

  listTenants = (env: RbacEnvironment, page: Page) => this.list<RbacTenant>(env, 'tenant', page);
  getTenant = (env: RbacEnvironment, key: string) => this.find<RbacTenant>(env, 'tenant', key);

  createTenant(env: RbacEnvironment, input: TenantInput): Promise<RbacTenant> {
    return this.create<RbacTenant>(env, 'tenant', input.key, tenantBody(input));
  }

  async updateTenant(env: RbacEnvironment, key: string, input: Partial<Omit<TenantInput, 'key'>>): Promise<RbacTenant> {
    const current = await this.getTenant(env, key);
    return this.save(env, 'tenant', current, tenantBody({ ...bodyOf(current), key: current.key, ...definedOnly(input) }));
  }

  deleteTenant(env: RbacEnvironment, key: string): Promise<void> {
    return this.assignmentWrite(env, async (repo) => {
      const current = await this.find<RbacTenant>(env, 'tenant', key, repo);
      await repo.deleteAssignments(env.id, { tenant: current.key });
      await repo.deleteObject(env.id, 'tenant', current.key);
    });
  }

  // Users

  /** Users, or with `role` only those holding that role in some tenant. */
  async listUsers(env: RbacEnvironment, page: Page & { role?: string }): Promise<Paged<RbacUser>> {
    if (page.role === undefined) return this.list<RbacUser>(env, 'user', page);
    const holders = [...new Set((await this.repo.assignments(env.id, { role: page.role })).map((a) => a.user_key))];
    const slice = holders.slice((page.page - 1) * page.perPage, page.page * page.perPage);
    return { data: await Promise.all(slice.map((k) => this.getUser(env, k))), total: holders.length };
  }
  getUser = (env: RbacEnvironment, key: string) => this.find<RbacUser>(env, 'user', key);

  createUser(env: RbacEnvironment, input: UserInput): Promise<RbacUser> {
    return this.create<RbacUser>(env, 'user', input.key, userBody(input));
  }

  /** Permit's sync: creates the user or replaces its fields; says which. */
  syncUser(env: RbacEnvironment, input: UserInput): Promise<{ user: RbacUser; created: boolean }> {
    return this.repo.transaction(async (repo) => {
      const row = await repo.object(env.id, 'user', input.key);
      if (!row || row.key !== input.key) return { user: await this.create<RbacUser>(env, 'user', input.key, userBody(input), repo), created: true };
      return { user: await this.save(env, 'user', fromRow<RbacUser>(row), userBody(input), repo), created: false };
    });
  }

  async updateUser(env: RbacEnvironment, key: string, input: Partial<Omit<UserInput, 'key'>>): Promise<RbacUser> {
    const current = await this.getUser(env, key);
    return this.save(env, 'user', current, userBody({ ...bodyOf(current), key: current.key, ...definedOnly(input) }));
  }

  deleteUser(env: RbacEnvironment, key: string): Promise<void> {
    return this.assignmentWrite(env, async (repo) => {
      const current = await this.find<RbacUser>(env, 'user', key, repo);
      await repo.deleteAssignments(env.id, { user: current.key });
      await repo.deleteObject(env.id, 'user', current.key);
    });
  }

  // Role assignments

  async countAssignments(env: RbacEnvironment, filter: { user?: string; role?: string; tenant?: string }): Promise<number> {
    return (await this.repo.assignments(env.id, filter)).length;
  }

  /** The user, role and tenant objects of assignments, each read once. */
  async partiesOf(env: RbacEnvironment, list: RbacRoleAssignment[]): Promise<Array<{ user: RbacUser; role: RbacRole; tenant: RbacTenant }>> {
    const memo = new Map<string, Promise<unknown>>();
    const get = <T>(kind: RbacObjectKind, key: string) => {
      const k = `${kind}:${key}`;
      if (!memo.has(k)) memo.set(k, this.find<T>(env, kind, key));
      return memo.get(k) as Promise<T>;
    };
    return Promise.all(list.map(async (a) => ({ user: await get<RbacUser>('user', a.user), role: await get<RbacRole>('role', a.role), tenant: await get<RbacTenant>('tenant', a.tenant) })));
  }

  async listAssignments(env: RbacEnvironment, filter: { user?: string; role?: string; tenant?: string }, page: Page): Promise<RbacRoleAssignment[]> {
    const rows = await this.repo.assignments(env.id, filter, { offset: (page.page - 1) * page.perPage, limit: page.perPage });
    return rows.map((r) => ({ id: r.id, user: r.user_key, role: r.role_key, tenant: r.tenant_key, createdAt: Number(r.created_at) }));
  }

  /** Assigns a role in a tenant; all three must exist. Assigning twice is a conflict, as in Permit. */
  assign(env: RbacEnvironment, a: { user: string; role: string; tenant: string }, opts: { idempotent?: boolean } = {}): Promise<RbacRoleAssignment & { userId: string; roleId: string; tenantId: string }> {
    return this.assignmentWrite(env, async (repo) => {
      const { user, role, tenant } = await this.parties(env, repo, a);
      const now = this.clock.now();
      const id = this.newId();
      const inserted = await repo.insertAssignment({ environment_id: env.id, user_key: user.key, role_key: role.key, tenant_key: tenant.key, id, created_at: now });
      if (!inserted && !opts.idempotent) throw conflict('role assignment', `${user.key}/${role.key}/${tenant.key}`);
      const stored = inserted ? { id, createdAt: now } : (await repo.assignments(env.id, { user: user.key, role: role.key, tenant: tenant.key })).map((r) => ({ id: r.id, createdAt: Number(r.created_at) }))[0]!;
      return { ...stored, user: user.key, role: role.key, tenant: tenant.key, userId: user.id, roleId: role.id, tenantId: tenant.id };
    });
  }

  /** Removes an assignment; one that does not exist is not found. */
  unassign(env: RbacEnvironment, a: { user: string; role: string; tenant: string }, opts: { idempotent?: boolean } = {}): Promise<void> {
    return this.assignmentWrite(env, async (repo) => {
      const { user, role, tenant } = await this.parties(env, repo, a);
      const removed = await repo.deleteAssignments(env.id, { user: user.key, role: role.key, tenant: tenant.key });
      if (removed === 0 && !opts.idempotent) throw notFound('role assignment', `${user.key}/${role.key}/${tenant.key}`);
    });
  }

  private async parties(env: RbacEnvironment, repo: RbacRepository, a: { user: string; role: string; tenant: string }) {
    return {
      user: await this.find<RbacUser>(env, 'user', a.user, repo),
      role: await this.find<RbacRole>(env, 'role', a.role, repo),
      tenant: await this.find<RbacTenant>(env, 'tenant', a.tenant, repo),
    };
  }
}

function fromRow<T>(row: RbacObjectTable): T {
  return { ...(JSON.parse(row.body) as object), id: row.id, key: row.key, createdAt: Number(row.created_at), updatedAt: Number(row.updated_at) } as T;
}

function bodyOf<T extends { id: string; key: string; createdAt: number; updatedAt: number }>(o: T): Stored<T> {
  const { id: _i, key: _k, createdAt: _c, updatedAt: _u, ...body } = o;
  return body as Stored<T>;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function tenantBody(input: TenantInput): Stored<RbacTenant> {
  return { name: input.name ?? input.key, ...(input.description !== undefined && { description: input.description }), attributes: input.attributes ?? {} };
}

function userBody(input: UserInput): Stored<RbacUser> {
  return {
    ...(input.email !== undefined && { email: input.email }),
    ...(input.firstName !== undefined && { firstName: input.firstName }),
    ...(input.lastName !== undefined && { lastName: input.lastName }),
    attributes: input.attributes ?? {},
  };
}
