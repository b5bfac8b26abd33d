import { createHash } from 'node:crypto';
import type { RbacRepository } from '../../store/repositories/rbac.ts';
import type { RbacEnvironmentTable } from '../../store/schema.ts';
import type { Clock } from '../../util/clock.ts';
import type { Random } from '../../util/random.ts';
import type { DecisionLog } from '../decisions/decision-log.ts';
import { RbacError, notFound } from './errors.ts';
import type { RbacCheckInput, RbacDecision, RbacEnvironment, RbacResource, RbacRole } from './model.ts';
import { PermissionIndex } from './permission-index.ts';
import { RbacAdmin } from './rbac-admin.ts';

/** How long a permission index or an API key lookup serves before the database is asked again. */
const RECHECK_MS = 1_000;
const API_KEY_PREFIX = 'permit_key_';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Users whose roles an instance keeps per environment before it starts over. */
const MAX_CACHED_HOLDERS = 100_000;

/** What an instance keeps of one environment, valid while the environment's version stays. */
interface EnvironmentState {
  version: number;
  checkedAt: number;
  index: PermissionIndex;
  /** `user \0 tenant` → the roles the user holds there. */
  roles: Map<string, string[]>;
}

/**
 * Permit-style RBAC: environments reached by API key, their management (`admin`) and checks.
 * A check answers from memory: what roles grant (a permission index) and who holds which role are
 * kept per environment and dropped when its version moves. Writes through this instance apply at
 * once; writes through another are seen within a second, as the Cerbos policies are.
 */
export class RbacService {
  readonly admin: RbacAdmin;
  private readonly states = new Map<string, EnvironmentState>();
  private readonly keyCache = new Map<string, { env: RbacEnvironment | undefined; at: number }>();
  private envCache: { list: RbacEnvironmentTable[]; at: number } | undefined;

  constructor(
    private readonly repo: RbacRepository,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly decisions: DecisionLog,
  ) {
    this.admin = new RbacAdmin(repo, clock, random, (id) => this.states.delete(id));
  }

  /** The environment `projectKey`/`key`, created (with Permit-style ids) if it does not exist. */
  async ensureEnvironment(projectKey: string, key: string): Promise<RbacEnvironment> {
    const found = await this.repo.findEnvironment(projectKey, key);
    if (found) return toEnvironment(found);
    const all = await this.repo.environments();
    const sibling = all.find((e) => e.project_key === projectKey);
    await this.repo.insertEnvironment({
      id: this.newId(),
      key,
      project_key: projectKey,
      project_id: sibling?.project_id ?? this.newId(),
      organization_id: all[0]?.organization_id ?? this.newId(),
      version: 0,
      user_pool_sync: null,
      created_at: this.clock.now(),
    });
    this.envCache = undefined;
    return toEnvironment((await this.repo.findEnvironment(projectKey, key))!);
  }

  /** Environments change rarely (config, CLI); a check by name reads them at most once a second. */
  private async environmentRows(): Promise<RbacEnvironmentTable[]> {
    const now = this.clock.now();
    if (this.envCache && now - this.envCache.at < RECHECK_MS) return this.envCache.list;
    const list = await this.repo.environments();
    this.envCache = { list, at: now };
    return list;
  }

  async environments(): Promise<RbacEnvironment[]> {
    return (await this.repo.environments()).map(toEnvironment);
  }

  /** An environment by id or key; without one, the only environment there is (or `default`). */
  async environment(idOrKey?: string): Promise<RbacEnvironment> {
    const all = await this.environmentRows();
    if (idOrKey === undefined) {
      const only = all.length === 1 ? all[0] : all.find((e) => e.key === 'default');
      if (!only) throw new RbacError('not_found', all.length === 0 ? 'no RBAC environment is configured' : 'several RBAC environments exist; name one');
      return toEnvironment(only);
    }
    const find = (rows: RbacEnvironmentTable[]) => rows.find((e) => e.id === idOrKey) ?? rows.find((e) => e.key === idOrKey);
    // One made by another instance within the last second is not in the cache yet.
    const found = find(all) ?? find((this.envCache = { list: await this.repo.environments(), at: this.clock.now() }).list);
    if (!found) throw notFound('environment', idOrKey);
    return toEnvironment(found);
  }

  /** Issues a new API key for an environment; only its hash is kept, so this is the one time it is seen. */
  async issueApiKey(env: RbacEnvironment, name: string): Promise<string> {
    const key = API_KEY_PREFIX + this.random.bytes(32).toString('base64url');
    await this.repo.insertApiKey(hashApiKey(key), env.id, name, this.clock.now());
    return key;
  }

  /** Accepts a key chosen elsewhere (config, TESSERA_PERMIT_API_KEY) for an environment. */
  async addApiKey(env: RbacEnvironment, key: string, name: string): Promise<void> {
    const owner = await this.repo.environmentOfKey(hashApiKey(key));
    if (owner && owner.id !== env.id) throw new RbacError('conflict', `that API key already belongs to environment ${owner.project_key}/${owner.key}`);
    await this.repo.insertApiKey(hashApiKey(key), env.id, name, this.clock.now());
    this.keyCache.clear();
  }

  /** The environment an API key opens, or undefined. Lookups are by hash, so timing says nothing about keys. */
  async environmentOfApiKey(key: string): Promise<RbacEnvironment | undefined> {
    const hash = hashApiKey(key);
    const now = this.clock.now();
    const cached = this.keyCache.get(hash);
    if (cached && now - cached.at < RECHECK_MS) return cached.env;
    const row = await this.repo.environmentOfKey(hash);
    const env = row && toEnvironment(row);
    if (this.keyCache.size > 10_000) this.keyCache.clear();
    this.keyCache.set(hash, { env, at: now });
    return env;
  }

  async check(input: RbacCheckInput): Promise<RbacDecision> {
    return this.checkIn(await this.environment(input.environment), input);
  }

  /** A check in a known environment: allowed when a role of the user in the resource's tenant grants `resource:action`. */
  async checkIn(env: RbacEnvironment, input: RbacCheckInput): Promise<RbacDecision> {
    const started = performance.now();
    const state = await this.state(env.id);
    const index = state.index;
    const tenant = input.resource.tenant ?? 'default';
    const { type, key } = input.resource;
    let decision: RbacDecision;
    if (!index.hasResource(type)) decision = { allow: false, reason: `resource type '${type}' is not defined`, grantingRoles: [] };
    else if (!index.hasAction(type, input.action)) decision = { allow: false, reason: `resource type '${type}' has no action '${input.action}'`, grantingRoles: [] };
    else {
      const roles = await this.rolesOf(state, env.id, input.user.key, tenant);
      const granting = roles.filter((r) => index.roleGrants(r, type, input.action));
      decision =
        granting.length > 0
          ? { allow: true, reason: `user '${input.user.key}' has role ${granting.map((r) => `'${r}'`).join(', ')} in tenant '${tenant}', which grants ${type}:${input.action}`, grantingRoles: granting }
          : {
              allow: false,
              reason: roles.length === 0 ? `user '${input.user.key}' has no role in tenant '${tenant}'` : `no role of user '${input.user.key}' in tenant '${tenant}' grants ${type}:${input.action}`,
              grantingRoles: [],
            };
    }
    this.decisions.record({
      engine: 'rbac',
      scope: `${env.key}/${tenant}`,
      principal: input.user.key,
      action: input.action,
      resource: key === undefined ? type : `${type}:${key}`,
      decision: decision.allow ? 'ALLOW' : 'DENY',
      determiningPolicies: decision.grantingRoles.map((r) => `role:${r}`),
      errors: [],
      latencyMicros: Math.round((performance.now() - started) * 1000),
    });
    return decision;
  }

  /** Every `resource:action` a user holds in a tenant, through the roles they have there. */
  async permissionsOf(env: RbacEnvironment, user: string, tenant: string): Promise<{ roles: string[]; permissions: string[] }> {
    const state = await this.state(env.id);
    const roles = await this.rolesOf(state, env.id, user, tenant);
    return { roles, permissions: [...new Set(roles.flatMap((r) => state.index.permissionsOf(r)))].sort() };
  }

  private async rolesOf(state: EnvironmentState, environmentId: string, user: string, tenant: string): Promise<string[]> {
    const key = `${user}\u0000${tenant}`;
    let roles = state.roles.get(key);
    if (!roles) {
      roles = await this.repo.rolesOf(environmentId, user, tenant);
      if (state.roles.size >= MAX_CACHED_HOLDERS) state.roles.clear();
      state.roles.set(key, roles);
    }
    return roles;
  }

  private async state(environmentId: string): Promise<EnvironmentState> {
    const now = this.clock.now();
    const cached = this.states.get(environmentId);
    if (cached && now - cached.checkedAt < RECHECK_MS) return cached;
    const version = await this.repo.version(environmentId);
    if (cached && cached.version === version) {
      cached.checkedAt = now;
      return cached;
    }
    const { resources, roles } = await this.repo.transaction(async (repo) => ({
      resources: await repo.objects(environmentId, 'resource'),
      roles: await repo.objects(environmentId, 'role'),
    }));
    const parse = <T>(rows: typeof resources) => rows.map((r) => ({ ...(JSON.parse(r.body) as object), key: r.key }) as T);
    const state: EnvironmentState = { version, checkedAt: now, index: new PermissionIndex(parse<RbacResource>(resources), parse<RbacRole>(roles)), roles: new Map() };
    this.states.set(environmentId, state);
    return state;
  }

  private newId(): string {
    return this.random.uuid().replace(/-/g, '');
  }
}

function toEnvironment(row: RbacEnvironmentTable): RbacEnvironment {
  return { id: row.id, key: row.key, projectId: row.project_id, projectKey: row.project_key, organizationId: row.organization_id, createdAt: Number(row.created_at) };
}
