import { Authentication } from './authentication.ts';
import { BruteForceGuard } from './brute-force.ts';
import { CodeService } from './codes.ts';
import { Mfa } from './mfa.ts';
import type { UserPoolDeps } from './context.ts';
import { PoolAdmin } from './pool-admin.ts';
import { ResourceServerAdmin } from './resource-servers.ts';
import { SelfService } from './self-service.ts';
import { SessionIssuer } from './session-issuer.ts';
import { UserAdmin } from './user-admin.ts';
import { UserDirectory } from './user-directory.ts';
import { UserWriter } from './user-writer.ts';

/** The user pool services, wired once. */
export interface UserPools {
  directory: UserDirectory;
  pools: PoolAdmin;
  users: UserAdmin;
  resourceServers: ResourceServerAdmin;
  auth: Authentication;
  self: SelfService;
  sessions: SessionIssuer;
  mfa: Mfa;
}

export function createUserPools(d: UserPoolDeps): UserPools {
  const directory = new UserDirectory(d);
  const writer = new UserWriter(d, directory);
  const codes = new CodeService(d);
  const guard = new BruteForceGuard(d.authFailures, d.clock);
  const sessions = new SessionIssuer(d, directory);
  const mfa = new Mfa(d, guard, directory);
  return {
    directory,
    pools: new PoolAdmin(d, directory),
    users: new UserAdmin(d, directory, writer, codes),
    resourceServers: new ResourceServerAdmin(d, directory),
    auth: new Authentication(d, directory, sessions, codes, guard, writer, mfa),
    self: new SelfService(d, directory, writer, codes, guard),
    sessions,
    mfa,
  };
}

export type { UserPoolDeps } from './context.ts';
