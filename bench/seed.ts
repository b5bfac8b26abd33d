import { randomUUID } from 'node:crypto';
import type { Tessera } from '../src/app.ts';
import { UserRepository } from '../src/store/repositories/users.ts';
import type { User, UserPool, UserPoolClient } from '../src/userpools/model.ts';

export const PASSWORD = 'Bench-Passw0rd!';

/** `user000042`: fixed width, so username order is index order and prefixes select exact ranges. */
export function username(i: number): string {
  return `user${String(i).padStart(6, '0')}`;
}

export function email(i: number): string {
  return `${username(i)}@bench.example`;
}

/** A pool with default settings and an app client that allows USER_PASSWORD_AUTH. */
export async function createBenchPool(t: Tessera, name: string): Promise<{ pool: UserPool; client: UserPoolClient }> {
  const pool = await t.userPools.pools.createPool({ PoolName: name });
  const client = await t.userPools.pools.createClient(pool.id, {
    ClientName: `${name}-client`,
    ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  });
  return { pool, client };
}

/**
 * Inserts users `from`..`to - 1` straight through UserRepository, in one transaction per batch,
 * with password hashes computed beforehand (argon2 would otherwise dominate seeding). PostgreSQL
 * gets a few batches in flight at once; SQLite has one connection, so one is enough.
 */
export async function seedUsers(
  t: Tessera,
  pool: UserPool,
  range: { from: number; to: number },
  hashOf: (i: number) => string,
  opts: { batchSize?: number; parallel?: number } = {},
): Promise<void> {
  const repo = new UserRepository(t.store.db);
  const batchSize = opts.batchSize ?? 2_000;
  const parallel = opts.parallel ?? (t.store.dialect === 'postgres' ? 4 : 1);
  const now = t.clock.now();
  const batches: Array<{ from: number; to: number }> = [];
  for (let from = range.from; from < range.to; from += batchSize) batches.push({ from, to: Math.min(range.to, from + batchSize) });

  const insertBatch = async ({ from, to }: { from: number; to: number }) => {
    await t.store.db.transaction().execute(async (trx) => {
      for (let i = from; i < to; i++) {
        const id = randomUUID();
        const user: User = {
          id,
          poolId: pool.id,
          username: username(i),
          status: 'CONFIRMED',
          enabled: true,
          passwordHash: hashOf(i),
          srp: null,
          passwordUpdatedAt: now,
          attributes: { sub: id, email: email(i), email_verified: 'true', name: `Bench User ${i}` },
          createdAt: now,
          updatedAt: now,
        };
        await repo.insert(user, t.userPools.directory.usernameKey(pool, user.username), trx);
      }
    });
  };

  let next = 0;
  const lanes = Array.from({ length: Math.min(parallel, batches.length) }, async () => {
    while (next < batches.length) {
      await insertBatch(batches[next++]!);
      // SQLite queries resolve as microtasks only; yield so timers and signals (Ctrl-C) get a turn.
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
  await Promise.all(lanes);
}
