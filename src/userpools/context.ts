import type { Kysely } from 'kysely';
import type { KeyRing } from '../crypto/signing-keys.ts';
import type { AuthFailureRepository } from '../store/repositories/auth-failures.ts';
import type { ChallengeRepository } from '../store/repositories/challenges.ts';
import type { CodeRepository } from '../store/repositories/codes.ts';
import type { GroupRepository } from '../store/repositories/groups.ts';
import type { PoolRepository } from '../store/repositories/pools.ts';
import type { ResourceServerRepository } from '../store/repositories/resource-servers.ts';
import type { SessionRepository } from '../store/repositories/sessions.ts';
import type { UserRepository } from '../store/repositories/users.ts';
import type { Database } from '../store/schema.ts';
import type { TokenService } from '../tokens/token-service.ts';
import type { Clock } from '../util/clock.ts';
import type { Random } from '../util/random.ts';
import type { MessageSender } from './messages/message-sender.ts';
import type { User } from './model.ts';
import type { UserPoolTriggers } from './triggers/user-pool-triggers.ts';

/**
 * What other parts of Tessera hear about users, after the fact (e.g. RBAC user sync). A listener's
 * failure is its own to report: it must not fail the sign-up or sign-in that caused it.
 */
export interface UserPoolEvents {
  userCreated(poolId: string, user: User): Promise<void>;
  signedIn(poolId: string, user: User, groups: string[]): Promise<void>;
}

/** What the user pool services share: repositories, the token service and the seams. */
export interface UserPoolDeps {
  db: Kysely<Database>;
  pools: PoolRepository;
  users: UserRepository;
  groups: GroupRepository;
  resourceServers: ResourceServerRepository;
  sessions: SessionRepository;
  codes: CodeRepository;
  challenges: ChallengeRepository;
  authFailures: AuthFailureRepository;
  keys: KeyRing;
  tokens: TokenService;
  sender: MessageSender;
  clock: Clock;
  random: Random;
  region: string;
  events?: UserPoolEvents;
  /** The pools' Lambda-style triggers (LambdaConfig); absent in code paths that never run them. */
  triggers?: UserPoolTriggers;
}
