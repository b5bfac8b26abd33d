import type { RbacRepository } from '../../store/repositories/rbac.ts';
import { RbacError } from './errors.ts';
import type { RbacEnvironment } from './model.ts';
import type { RbacService } from './rbac-service.ts';

/** How an environment follows a user pool: users by `sub`, and roles in one tenant from Cognito groups. */
export interface UserPoolSync {
  userPoolId: string;
  tenant: string;
  /** Cognito group → the roles it grants. */
  groupRoles: Record<string, string[]>;
}

/** A user pool user as the sync sees it. */
export interface PoolUser {
  sub: string;
  username: string;
  attributes: Record<string, string>;
  /** Cognito groups; absent when unknown (at sign-up, before any group). */
  groups?: string[];
}

/**
 * Keeps RBAC users in step with user pools, with no app code: what Permit's demo does by calling
 * `syncUser` and `assignRole` after each login. Only roles named in `groupRoles` are managed, so
 * roles assigned through the API stay.
 */
export class PoolUserSync {
  constructor(
    private readonly rbac: RbacService,
    private readonly repo: RbacRepository,
  ) {}

  async link(env: RbacEnvironment, sync: UserPoolSync | undefined): Promise<void> {
    await this.repo.setUserPoolSync(env.id, sync ? JSON.stringify(sync) : null);
  }

  /** Syncs a user into every environment linked to the pool. */
  async userSeen(poolId: string, user: PoolUser): Promise<void> {
    for (const row of await this.repo.environments()) {
      if (!row.user_pool_sync) continue;
      const sync = JSON.parse(row.user_pool_sync) as UserPoolSync;
      if (sync.userPoolId !== poolId) continue;
      await this.syncInto(await this.rbac.environment(row.id), sync, user);
    }
  }

  private async syncInto(env: RbacEnvironment, sync: UserPoolSync, user: PoolUser): Promise<void> {
    const admin = this.rbac.admin;
    const a = user.attributes;
    const fields = { ...(a.email && { email: a.email }), ...(a.given_name && { firstName: a.given_name }), ...(a.family_name && { lastName: a.family_name }) };
    const existing = await admin.getUser(env, user.sub).catch((e: unknown) => {
      if (e instanceof RbacError && e.kind === 'not_found') return undefined;
      throw e;
    });
    if (existing) await admin.updateUser(env, user.sub, fields);
    else await admin.createUser(env, { key: user.sub, ...fields, attributes: { 'cognito:username': user.username } });
    if (!user.groups) return;
    const wanted = new Set(user.groups.flatMap((g) => (Object.hasOwn(sync.groupRoles, g) ? sync.groupRoles[g]! : [])));
    const managed = new Set(Object.values(sync.groupRoles).flat());
    for (const role of managed) {
      const a = { user: user.sub, role, tenant: sync.tenant };
      if (wanted.has(role)) await admin.assign(env, a, { idempotent: true });
      else await admin.unassign(env, a, { idempotent: true });
    }
  }
}
