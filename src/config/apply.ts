import type { Tessera } from '../app.ts';
import { ResourceNotFoundException } from '../errors.ts';
import { POOL_ID_PATTERN } from '../userpools/ids.ts';
import type { ClientInput, PoolInput } from '../userpools/pool-admin.ts';
import type { UserPool } from '../userpools/model.ts';
import { applyPolicyStore } from './apply-policy-stores.ts';
import { applyRbacEnvironment } from './apply-rbac.ts';
import type { ConfigFile, PoolSpec } from './schema.ts';

export interface ApplyReport {
  created: string[];
  updated: string[];
}

/**
 * Makes the database hold what the file declares, idempotently: pools, clients and groups are
 * created or brought up to date; users are created once (their passwords are not reset on every
 * run) and their attributes, groups and enabled state follow the file.
 */
export async function applyConfig(t: Tessera, config: ConfigFile): Promise<ApplyReport> {
  const report: ApplyReport = { created: [], updated: [] };
  for (const spec of config.userPools) await applyPool(t, spec, report);
  const poolIdOf = async (nameOrId: string) => {
    const pool = (POOL_ID_PATTERN.test(nameOrId) && (await findPool(t, { name: nameOrId, id: nameOrId } as PoolSpec))) || (await findPool(t, { name: nameOrId } as PoolSpec));
    if (!pool) throw new Error(`no user pool ${nameOrId}`);
    return pool.id;
  };
  for (const spec of config.policyStores) await applyPolicyStore(t, spec, poolIdOf, report);
  for (const spec of config.rbac?.environments ?? []) await applyRbacEnvironment(t, spec, poolIdOf, report);
  return report;
}

async function findPool(t: Tessera, spec: PoolSpec): Promise<UserPool | undefined> {
  const up = t.userPools;
  if (spec.id) return up.directory.pool(spec.id).catch(() => undefined);
  let token: string | undefined;
  do {
    const page = await up.pools.listPools(60, token);
    const found = page.items.find((p) => p.name === spec.name);
    if (found) return found;
    token = page.next;
  } while (token);
  return undefined;
}

async function applyPool(t: Tessera, spec: PoolSpec, report: ApplyReport): Promise<void> {
  const up = t.userPools;
  const { name, id: _id, resourceServers, clients, groups, users, ...settings } = spec;
  let pool = await findPool(t, spec);
  if (!pool) {
    pool = await up.pools.createPool({ ...(settings as PoolInput), PoolName: name }, spec.id);
    report.created.push(`pool ${pool.id} (${name})`);
  } else {
    const { Schema: _schema, UsernameAttributes: _u, AliasAttributes: _a, UsernameConfiguration: _c, ...mutable } = settings as PoolInput;
    await up.pools.updatePool(pool.id, mutable);
    report.updated.push(`pool ${pool.id} (${name})`);
  }

  // Before clients, so that clients may allow the custom scopes these define.
  for (const r of resourceServers) {
    const input = { Identifier: r.identifier, Name: r.name, Scopes: r.scopes.map((s) => ({ ScopeName: s.name, ScopeDescription: s.description })) };
    const exists = await up.resourceServers.describe(pool.id, r.identifier).then(
      () => true,
      (e: unknown) => {
        if (e instanceof ResourceNotFoundException) return false;
        throw e;
      },
    );
    if (exists) {
      await up.resourceServers.update(pool.id, input);
      report.updated.push(`resource server ${r.identifier}`);
    } else {
      await up.resourceServers.create(pool.id, input);
      report.created.push(`resource server ${r.identifier}`);
    }
  }

  const existingClients = (await up.pools.listClients(pool.id, 60)).items;
  for (const c of clients) {
    const { name: clientName, id, secret, generateSecret, ...clientSettings } = c;
    const existing = existingClients.find((x) => (id ? x.clientId === id : x.name === clientName));
    if (existing) {
      await up.pools.updateClient(pool.id, existing.clientId, { ...(clientSettings as ClientInput), ClientName: clientName });
      report.updated.push(`client ${existing.clientId} (${clientName})`);
    } else {
      const created = await up.pools.createClient(pool.id, { ...(clientSettings as ClientInput), ClientName: clientName, GenerateSecret: generateSecret ?? false }, {
        ...(id && { clientId: id }),
        ...(secret && { secret }),
      });
      report.created.push(`client ${created.clientId} (${clientName})`);
    }
  }

  for (const g of groups) {
    const input = { GroupName: g.name, Description: g.description, Precedence: g.precedence, RoleArn: g.roleArn };
    const exists = await up.users.getGroup(pool.id, g.name).then(
      () => true,
      () => false,
    );
    if (exists) await up.users.updateGroup(pool.id, input);
    else {
      await up.users.createGroup(pool.id, input);
      report.created.push(`group ${g.name}`);
    }
  }

  for (const u of users) {
    let user = await up.directory.findBySignInName(pool, u.username);
    const attributes = Object.entries(u.attributes).map(([Name, Value]) => ({ Name, Value }));
    if (!user) {
      user = await up.users.createUser(pool.id, { Username: u.username, UserAttributes: attributes, MessageAction: 'SUPPRESS', ...(u.password && !u.permanent && { TemporaryPassword: u.password }) });
      if (u.password && u.permanent) await up.users.setPassword(pool.id, user.username, u.password, true);
      report.created.push(`user ${u.username}`);
    } else if (attributes.length > 0) {
      await up.users.updateAttributes(pool.id, user.username, attributes);
    }
    const current = new Set((await up.users.listGroupsForUser(pool.id, user.username, 60)).items.map((g) => g.name));
    for (const g of u.groups) if (!current.has(g)) await up.users.addUserToGroup(pool.id, user.username, g);
    for (const g of current) if (!u.groups.includes(g)) await up.users.removeUserFromGroup(pool.id, user.username, g);
    await up.users.setEnabled(pool.id, user.username, u.enabled);
  }
}
