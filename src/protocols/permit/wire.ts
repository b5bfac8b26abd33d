import { z } from 'zod';
import { RBAC_KEY_PATTERN, type RbacEnvironment, type RbacResource, type RbacRole, type RbacRoleAssignment, type RbacTenant, type RbacUser } from '../../authz/rbac/model.ts';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../../util/json-depth.ts';

/** Permit's shapes on the wire: snake_case, ISO times, and the environment's ids on every object. */

export const Key = z.string().min(1).max(255).regex(RBAC_KEY_PATTERN, 'keys may hold letters, digits and _ - . @ + |');
const Attributes = z.record(z.string(), z.unknown()).refine((v) => !nestedDeeperThan(v, MAX_JSON_DEPTH), `attributes nest deeper than ${MAX_JSON_DEPTH} levels`);

export const UserBody = z.object({
  key: Key.optional(),
  email: z.string().max(320).nullish(),
  first_name: z.string().max(255).nullish(),
  last_name: z.string().max(255).nullish(),
  attributes: Attributes.nullish(),
  role_assignments: z.array(z.object({ role: Key, tenant: Key.optional() })).max(100).nullish(),
});
export const UserCreate = UserBody.extend({ key: Key });
export const UserPatch = UserBody.omit({ key: true, role_assignments: true });

export const TenantCreate = z.object({ key: Key, name: z.string().min(1).max(255), description: z.string().max(2048).nullish(), attributes: Attributes.nullish() });
export const TenantUpdate = TenantCreate.omit({ key: true }).partial();

const ActionBlock = z.object({ name: z.string().max(255).nullish(), description: z.string().max(2048).nullish() }).loose();
export const ResourceCreate = z.object({
  key: Key,
  name: z.string().min(1).max(255),
  description: z.string().max(2048).nullish(),
  urn: z.string().nullish(),
  actions: z.record(z.string(), ActionBlock),
  attributes: z.record(z.string(), z.object({ type: z.string(), description: z.string().nullish() }).loose()).nullish(),
});
export const ResourceUpdate = ResourceCreate.omit({ key: true }).partial();
export const ResourceReplace = ResourceCreate.omit({ key: true }).extend({ key: Key.optional() });

const Permission = z.string().regex(/^[^:]+:[^:]+$/, 'a permission is resource:action');
export const RoleCreate = z.object({
  key: Key,
  name: z.string().min(1).max(255),
  description: z.string().max(2048).nullish(),
  permissions: z.array(Permission).max(1000).nullish(),
  extends: z.array(Key).max(100).nullish(),
  attributes: z.record(z.string(), z.unknown()).nullish(),
});
export const RoleUpdate = RoleCreate.omit({ key: true }).partial();
export const Permissions = z.object({ permissions: z.array(Permission).max(1000) });

export const Assignment = z.object({ user: Key, role: Key, tenant: Key.optional() });
export const Assignments = Assignment.array().max(1000);
export const UserRole = z.object({ role: Key, tenant: Key.optional() });

/** A check as the SDK sends it: the user as a key or an object, the resource always an object. */
// Any string is a user key to the PDP: a key nobody synced is denied, not refused.
const CheckKey = z.string().min(1);
const CheckUser = z.union([CheckKey.transform((key): { key: string; attributes?: Record<string, unknown> | null } => ({ key })), z.object({ key: CheckKey, attributes: Attributes.nullish() }).loose()]);
export const CheckQuery = z.object({
  user: CheckUser,
  action: z.string().min(1).max(255),
  resource: z.object({ type: z.string().min(1).max(255), key: z.string().max(255).nullish(), tenant: z.string().max(255).nullish(), attributes: Attributes.nullish(), context: Attributes.nullish() }).loose(),
  context: Attributes.nullish(),
  sdk: z.string().nullish(),
});
export type CheckQuery = z.infer<typeof CheckQuery>;
export const BulkQuery = z.array(CheckQuery).max(1000);
export const UserPermissionsQuery = z.object({
  user: CheckUser,
  tenants: z.array(Key).max(1000).nullish(),
  resources: z.array(z.string()).max(1000).nullish(),
  resource_types: z.array(z.string()).max(1000).nullish(),
});

export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  per_page: z.coerce.number().int().min(1).max(100).default(30),
  search: z.string().max(255).optional(),
});
export const UserListQuery = PageQuery.extend({ role: z.string().optional() });
const Flag = z.enum(['true', 'false']).default('false').transform((v) => v === 'true');
export const AssignmentQuery = PageQuery.extend({ user: z.string().optional(), role: z.string().optional(), tenant: z.string().optional(), detailed: Flag, include_total_count: Flag });

const iso = (ms: number) => new Date(ms).toISOString();

function scoped(env: RbacEnvironment) {
  return { organization_id: env.organizationId, project_id: env.projectId, environment_id: env.id };
}

export function writeUser(env: RbacEnvironment, u: RbacUser, assignments: RbacRoleAssignment[]) {
  const tenants = new Map<string, string[]>();
  for (const a of assignments) tenants.set(a.tenant, [...(tenants.get(a.tenant) ?? []), a.role]);
  return {
    key: u.key,
    id: u.id,
    ...scoped(env),
    ...(u.email !== undefined && { email: u.email }),
    ...(u.firstName !== undefined && { first_name: u.firstName }),
    ...(u.lastName !== undefined && { last_name: u.lastName }),
    attributes: u.attributes,
    roles: assignments.map((a) => ({ role: a.role, tenant: a.tenant })),
    associated_tenants: [...tenants].map(([tenant, roles]) => ({ tenant, roles, status: 'active' })),
    created_at: iso(u.createdAt),
    updated_at: iso(u.updatedAt),
  };
}

export function writeTenant(env: RbacEnvironment, t: RbacTenant) {
  return { key: t.key, id: t.id, ...scoped(env), name: t.name, ...(t.description !== undefined && { description: t.description }), attributes: t.attributes, created_at: iso(t.createdAt), updated_at: iso(t.updatedAt), last_action_at: iso(t.updatedAt) };
}

export function writeResource(env: RbacEnvironment, r: RbacResource) {
  return {
    key: r.key,
    id: r.id,
    ...scoped(env),
    name: r.name,
    ...(r.description !== undefined && { description: r.description }),
    actions: Object.fromEntries(Object.entries(r.actions).map(([key, a]) => [key, { id: a.id, key, name: a.name, ...(a.description !== undefined && { description: a.description }) }])),
    attributes: r.attributes,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}

export function writeRole(env: RbacEnvironment, r: RbacRole) {
  return { key: r.key, id: r.id, ...scoped(env), name: r.name, ...(r.description !== undefined && { description: r.description }), permissions: r.permissions, extends: r.extends, created_at: iso(r.createdAt), updated_at: iso(r.updatedAt) };
}

export function writeAssignment(env: RbacEnvironment, a: RbacRoleAssignment & { userId: string; roleId: string; tenantId: string }) {
  return { id: a.id, user: a.user, role: a.role, tenant: a.tenant, user_id: a.userId, role_id: a.roleId, tenant_id: a.tenantId, ...scoped(env), created_at: iso(a.createdAt) };
}

/** `detailed=true`: the user, role and tenant as objects (Permit's RoleAssignmentDetailedRead). */
export function writeDetailedAssignment(env: RbacEnvironment, a: RbacRoleAssignment, p: { user: RbacUser; role: RbacRole; tenant: RbacTenant }) {
  return {
    id: a.id,
    user: { id: p.user.id, key: p.user.key, ...(p.user.email !== undefined && { email: p.user.email }), ...(p.user.firstName !== undefined && { first_name: p.user.firstName }), ...(p.user.lastName !== undefined && { last_name: p.user.lastName }), attributes: p.user.attributes },
    role: { id: p.role.id, key: p.role.key, name: p.role.name, ...(p.role.description !== undefined && { description: p.role.description }), permissions: p.role.permissions },
    tenant: { id: p.tenant.id, key: p.tenant.key, name: p.tenant.name, attributes: p.tenant.attributes },
    ...scoped(env),
    created_at: iso(a.createdAt),
  };
}

export const BulkUsers = z.object({ operations: z.array(UserCreate).max(1000) });
export type ResourceWrite = z.infer<typeof ResourceCreate>;
export type RoleWrite = z.infer<typeof RoleCreate>;
