import type { Tessera } from '../app.ts';
import { ResourceNotFoundException } from '../errors.ts';
import { POOL_ID_PATTERN } from '../userpools/ids.ts';

/**
 * Resolves a route's `userPool` (an id, or the name of a pool) once, at start, so a typo stops the
 * gateway instead of refusing every request. A name two pools share is refused rather than guessed.
 */
export async function resolvePoolId(t: Tessera, ref: string): Promise<string> {
  if (POOL_ID_PATTERN.test(ref)) {
    const pool = await t.userPools.directory.findPool(ref);
    if (pool) return pool.id;
  }
  const named: string[] = [];
  let next: string | undefined;
  do {
    const page = await t.userPools.pools.listPools(60, next);
    named.push(...page.items.filter((p) => p.name === ref).map((p) => p.id));
    next = page.next;
  } while (next);
  if (named.length > 1) throw new Error(`user pools ${named.join(', ')} are all named ${ref}; name the pool by its id`);
  const [id] = named;
  if (id === undefined) throw new Error(`there is no user pool ${ref}`);
  return id;
}

/** Every listed client must be a client of the pool; an empty list would refuse every token, so it is refused instead. */
export async function assertClientsOf(t: Tessera, poolId: string, clientIds: string[] | undefined): Promise<void> {
  if (clientIds === undefined) return;
  if (clientIds.length === 0) throw new Error('clientIds is empty; leave it out to accept tokens of any client of the pool');
  for (const clientId of clientIds) {
    const found = await t.userPools.directory.client(clientId).catch((e: unknown) => {
      if (e instanceof ResourceNotFoundException) return undefined;
      throw e;
    });
    if (found?.pool.id !== poolId) throw new Error(`${clientId} is not a client of user pool ${poolId}`);
  }
}
