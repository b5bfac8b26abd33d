import { LimitExceededException } from '../errors.ts';

/** Cognito's default resource quotas, enforced so that apps meet the same limits here as there. */
export const QUOTAS = {
  userPools: 1_000,
  clientsPerPool: 1_000,
  groupsPerPool: 10_000,
  groupsPerUser: 100,
  resourceServersPerPool: 25,
} as const;

export function assertBelow(current: number, quota: number, what: string): void {
  if (current >= quota) throw new LimitExceededException(`The limit of ${quota} ${what} has been reached.`);
}
