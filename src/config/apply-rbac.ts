import type { Tessera } from '../app.ts';
import { RbacError } from '../authz/rbac/errors.ts';
import type { RbacEnvironment } from '../authz/rbac/model.ts';
import type { ApplyReport } from './apply.ts';
import type { RbacEnvironmentSpec } from './schema.ts';

const exists = (e: unknown) => {
  if (e instanceof RbacError && e.kind === 'not_found') return false;
  throw e;
};

/**
 * Makes an RBAC environment hold what the file declares: resources, roles, tenants and users are
 * created or brought up to date, and each listed user's assignments are added (never removed, so
 * assignments made through the API or by pool sync survive a re-apply).
 */
export async function applyRbacEnvironment(t: Tessera, spec: RbacEnvironmentSpec, poolIdOf: (nameOrId: string) => Promise<string>, report: ApplyReport): Promise<RbacEnvironment> {
  const rbac = t.rbac;
  const admin = rbac.admin;
  const env = await rbac.ensureEnvironment(spec.project, spec.key);
  const label = `${spec.project}/${spec.key}`;
  if (spec.apiKey) await rbac.addApiKey(env, spec.apiKey, 'config');

  for (const r of spec.resources) {
    const input = { ...(r.name && { name: r.name }), ...(r.description && { description: r.description }), actions: Object.fromEntries(r.actions.map((a) => [a, {}])), ...(r.attributes && { attributes: attributeTypes(r.attributes) }) };
    const found = await admin.getResource(env, r.key).then(() => true, exists);
    if (found) await admin.updateResource(env, r.key, input, true);
    else await admin.createResource(env, { key: r.key, ...input });
    report[found ? 'updated' : 'created'].push(`RBAC resource ${label}/${r.key}`);
  }
  // Roles first without `extends`, so that roles may extend roles declared after them.
  for (const r of spec.roles) {
    const input = { ...(r.name && { name: r.name }), ...(r.description && { description: r.description }), permissions: r.permissions };
    const found = await admin.getRole(env, r.key).then(() => true, exists);
    if (found) await admin.updateRole(env, r.key, input);
    else await admin.createRole(env, { key: r.key, ...input });
    report[found ? 'updated' : 'created'].push(`RBAC role ${label}/${r.key}`);
  }
  for (const r of spec.roles) await admin.updateRole(env, r.key, { extends: r.extends });
  for (const tenant of spec.tenants) {
    const input = { ...(tenant.name && { name: tenant.name }), ...(tenant.description && { description: tenant.description }), ...(tenant.attributes && { attributes: tenant.attributes }) };
    const found = await admin.getTenant(env, tenant.key).then(() => true, exists);
    if (found) await admin.updateTenant(env, tenant.key, input);
    else await admin.createTenant(env, { key: tenant.key, ...input });
    if (!found) report.created.push(`RBAC tenant ${label}/${tenant.key}`);
  }
  for (const u of spec.users) {
    const { created } = await admin.syncUser(env, { key: u.key, ...(u.email && { email: u.email }), ...(u.firstName && { firstName: u.firstName }), ...(u.lastName && { lastName: u.lastName }), ...(u.attributes && { attributes: u.attributes }) });
    for (const a of u.roles) await admin.assign(env, { user: u.key, role: a.role, tenant: a.tenant }, { idempotent: true });
    report[created ? 'created' : 'updated'].push(`RBAC user ${label}/${u.key}`);
  }

  const sync = spec.userPoolSync;
  if (sync) {
    const groupRoles = Object.fromEntries(Object.entries(sync.groupRoles).map(([g, roles]) => [g, typeof roles === 'string' ? [roles] : roles]));
    // A mapping to a role or tenant that does not exist would fail every sign-in's sync; refuse it now.
    for (const role of new Set(Object.values(groupRoles).flat())) await admin.getRole(env, role);
    await admin.getTenant(env, sync.tenant);
    await t.poolUserSync.link(env, { userPoolId: await poolIdOf(sync.userPool), tenant: sync.tenant, groupRoles });
  } else {
    await t.poolUserSync.link(env, undefined);
  }
  return env;
}

/** A resource's attribute schema from the file: an attribute is named with its type (`string`, `number`…). */
function attributeTypes(attributes: Record<string, unknown>): Record<string, { type: string }> {
  return Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { type: typeof v === 'string' ? v : 'json' }]));
}
