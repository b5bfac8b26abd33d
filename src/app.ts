import type { FastifyBaseLogger } from 'fastify';
import { createPolicyStores, type PolicyStores } from './authz/cedar/index.ts';
import { type CerbosOptions, CerbosPdp } from './authz/cerbos/pdp.ts';
import { DecisionLog } from './authz/decisions/decision-log.ts';
import { PoolUserSync } from './authz/rbac/pool-sync.ts';
import { RbacService } from './authz/rbac/rbac-service.ts';
import { RbacRepository } from './store/repositories/rbac.ts';
import { KeyRing } from './crypto/signing-keys.ts';
import { openStore, type Store } from './store/database.ts';
import { migrateToLatest } from './store/migrator.ts';
import { pruneExpired } from './store/pruning.ts';
import { CerbosPolicyRepository } from './store/repositories/cerbos-policies.ts';
import { AuthFailureRepository } from './store/repositories/auth-failures.ts';
import { ChallengeRepository } from './store/repositories/challenges.ts';
import { ClientTokenRepository } from './store/repositories/client-tokens.ts';
import { CodeRepository } from './store/repositories/codes.ts';
import { DecisionLogRepository } from './store/repositories/decision-log.ts';
import { GroupRepository } from './store/repositories/groups.ts';
import { OutboxRepository } from './store/repositories/outbox.ts';
import { PolicyStoreRepository } from './store/repositories/policy-stores.ts';
import { PoolRepository } from './store/repositories/pools.ts';
import { ResourceServerRepository } from './store/repositories/resource-servers.ts';
import { SessionRepository } from './store/repositories/sessions.ts';
import { SigningKeyRepository } from './store/repositories/signing-keys.ts';
import { UserRepository } from './store/repositories/users.ts';
import { TokenService } from './tokens/token-service.ts';
import { createUserPools, type UserPools } from './userpools/index.ts';
import { UserPoolTriggers } from './userpools/triggers/user-pool-triggers.ts';
import type { MessageSender } from './userpools/messages/message-sender.ts';
import type { User } from './userpools/model.ts';
import { OutboxSender } from './userpools/messages/outbox-sender.ts';
import { SmtpSender, type SmtpOptions } from './userpools/messages/smtp-sender.ts';
import { systemClock, type Clock } from './util/clock.ts';
import { cryptoRandom, type Random } from './util/random.ts';

export interface TesseraOptions {
  /** `sqlite:PATH`, `sqlite::memory:` or `postgres://…`. */
  db: string;
  region: string;
  publicUrl: string;
  issuerStyle: 'tessera' | 'aws';
  smtp?: SmtpOptions;
  clock?: Clock;
  random?: Random;
  log?: Pick<FastifyBaseLogger, 'info' | 'error'>;
  cerbos?: CerbosOptions;
  /** Directories local module triggers (LambdaConfig module paths) may be loaded from; none by default. */
  triggerModules?: string[];
}

/** The running system without its HTTP face: store, crypto, token service and domain services. */
export interface Tessera {
  store: Store;
  clock: Clock;
  random: Random;
  region: string;
  tokens: TokenService;
  keys: KeyRing;
  userPools: UserPools;
  policyStores: PolicyStores;
  /** The Cerbos-compatible decision point. */
  cerbos: CerbosPdp;
  decisions: DecisionLog;
  /** Permit-style RBAC environments and their checks. */
  rbac: RbacService;
  /** Keeps RBAC users in step with the user pools linked to their environments. */
  poolUserSync: PoolUserSync;
  /** AWS client tokens of idempotent create operations. */
  clientTokens: ClientTokenRepository;
  outbox: OutboxRepository;
  /** Removes expired sessions, codes, challenges and keys; any instance may run it at any time. */
  prune(): Promise<void>;
  close(): Promise<void>;
}

/** The composition root: opens and migrates the database, then wires every service once. */
export async function createTessera(o: TesseraOptions): Promise<Tessera> {
  const store = openStore(o.db);
  await migrateToLatest(store.db);
  const clock = o.clock ?? systemClock;
  const random = o.random ?? cryptoRandom;
  const db = store.db;
  const keys = new KeyRing(new SigningKeyRepository(db), clock);
  const tokens = new TokenService(keys, db, clock, random, { publicUrl: o.publicUrl, style: o.issuerStyle }, o.region);
  const outbox = new OutboxRepository(db);
  const decisions = new DecisionLog(new DecisionLogRepository(db, store.file), clock, (err) => o.log?.error({ err }, 'could not write the decision log'));
  const rbacRepo = new RbacRepository(db);
  const rbac = new RbacService(rbacRepo, clock, random, decisions);
  const poolUserSync = new PoolUserSync(rbac, rbacRepo);
  // A sync that fails is logged and retried at the user's next sign-in; it never blocks the sign-in.
  const syncing = (what: string) => (e: unknown) => o.log?.error({ err: e }, `RBAC user sync after ${what} failed`);
  const events = {
    userCreated: (poolId: string, user: User) => poolUserSync.userSeen(poolId, { sub: user.id, username: user.username, attributes: user.attributes }).catch(syncing('sign-up')),
    signedIn: (poolId: string, user: User, groups: string[]) => poolUserSync.userSeen(poolId, { sub: user.id, username: user.username, attributes: user.attributes, groups }).catch(syncing('sign-in')),
  };
  const sender: MessageSender = o.smtp ? new SmtpSender(o.smtp) : new OutboxSender(outbox, clock, random, o.log);
  const userPools = createUserPools({
    db,
    pools: new PoolRepository(db),
    users: new UserRepository(db),
    groups: new GroupRepository(db),
    resourceServers: new ResourceServerRepository(db),
    sessions: new SessionRepository(db),
    codes: new CodeRepository(db),
    challenges: new ChallengeRepository(db),
    authFailures: new AuthFailureRepository(db),
    keys,
    tokens,
    sender,
    clock,
    random,
    region: o.region,
    events,
    triggers: new UserPoolTriggers({ region: o.region, moduleDirs: o.triggerModules ?? [], ...(o.triggerModules?.[0] && { baseDir: o.triggerModules[0] }) }),
  });
  const pools = new PoolRepository(db);
  const policyStores = createPolicyStores({ repo: new PolicyStoreRepository(db), tokens, decisions, clock, random, poolExists: async (id) => (await pools.find(id)) !== undefined });
  const cerbos = new CerbosPdp(new CerbosPolicyRepository(db), clock, decisions, tokens, o.cerbos);
  return {
    store,
    clock,
    random,
    region: o.region,
    tokens,
    keys,
    userPools,
    policyStores,
    cerbos,
    decisions,
    rbac,
    poolUserSync,
    clientTokens: new ClientTokenRepository(db),
    outbox,
    prune: () => pruneExpired(db, clock.now()),
    close: async () => {
      await decisions.close();
      await store.close();
    },
  };
}
