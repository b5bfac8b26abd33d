import type { PolicyStoreRepository } from '../../store/repositories/policy-stores.ts';
import type { TokenService } from '../../tokens/token-service.ts';
import type { Clock } from '../../util/clock.ts';
import type { Random } from '../../util/random.ts';
import type { DecisionLog } from '../decisions/decision-log.ts';
import { CedarAuthorizer } from './authorizer.ts';
import { CompiledStores } from './compiled-stores.ts';
import { PolicyStoreAdmin } from './policy-store-admin.ts';

/** The Verified Permissions service: administration of policy stores, and decisions against them. */
export interface PolicyStores {
  admin: PolicyStoreAdmin;
  authorizer: CedarAuthorizer;
  compiled: CompiledStores;
}

export function createPolicyStores(d: { repo: PolicyStoreRepository; tokens: TokenService; decisions: DecisionLog; clock: Clock; random: Random; poolExists(poolId: string): Promise<boolean> }): PolicyStores {
  const compiled = new CompiledStores(d.repo);
  return {
    admin: new PolicyStoreAdmin({ repo: d.repo, compiled, clock: d.clock, random: d.random, poolExists: d.poolExists }),
    authorizer: new CedarAuthorizer(compiled, d.tokens, d.decisions),
    compiled,
  };
}
