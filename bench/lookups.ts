import { AdminGetUserCommand, type CognitoIdentityProviderClient, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { sql } from 'kysely';
import { hashPassword } from '../src/crypto/passwords.ts';
import type { UserPool } from '../src/userpools/model.ts';
// Page tokens are opaque to clients; the bench mints one for the middle of the list rather than
// paging through 50,000 users to reach it.
import { encodePageToken } from '../src/userpools/pagination.ts';
import { startCpuWindow } from './machine.ts';
import { createBenchPool, email, PASSWORD, seedUsers, username } from './seed.ts';
import { type BenchDatabase, type BenchServer, startServer } from './server.ts';
import { round, summarize, type LatencySummary } from './stats.ts';
import { prng } from './prng.ts';

export interface LookupBenchOptions {
  small: number;
  large: number;
  requests: number;
  warmup: number;
}

export interface LookupCase {
  name: string;
  description: string;
  bySize: Record<string, LatencySummary & { cpuUsMedian: number }>;
  /** large / small, for p50 and p99 wall-clock latency and for median CPU per request (aim: ≈ 1.0). */
  ratio: { p50: number; p99: number; cpu: number };
}

export interface LookupBenchResult {
  backend: string;
  sizes: number[];
  requests: number;
  seedSeconds: Record<string, number>;
  /** Share of the machine other processes used while measuring. */
  otherLoadPercent: number;
  cases: LookupCase[];
}

/** A request the bench times: one SDK call, checked for the answer it must give. */
interface CaseDef {
  name: string;
  description: string;
  call: (admin: CognitoIdentityProviderClient, poolId: string, size: number, k: number) => Promise<void>;
}


function expect(condition: boolean, what: string): void {
  if (!condition) throw new Error(`lookup sanity check failed: ${what}`);
}

function cases(): CaseDef[] {
  const pick = prng(42);
  return [
    {
      name: 'AdminGetUser',
      description: 'random user of the pool',
      call: async (admin, poolId, size) => {
        const i = pick(size);
        const r = await admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: username(i) }));
        expect(r.Username === username(i), `AdminGetUser returned ${r.Username}`);
      },
    },
    {
      name: 'ListUsers',
      description: 'first page of 60, no filter',
      call: async (admin, poolId) => {
        const r = await admin.send(new ListUsersCommand({ UserPoolId: poolId, Limit: 60 }));
        expect(r.Users?.length === 60 && !!r.PaginationToken && r.Users[0]?.Username === username(0), 'ListUsers first page');
      },
    },
    {
      name: 'ListUsers email =',
      description: 'email = "<one user>", random user',
      call: async (admin, poolId, size) => {
        const i = pick(size);
        const r = await admin.send(new ListUsersCommand({ UserPoolId: poolId, Limit: 60, Filter: `email = "${email(i)}"` }));
        expect(r.Users?.length === 1 && r.Users[0]?.Username === username(i), `email = filter for ${email(i)} returned ${r.Users?.length}`);
      },
    },
    {
      name: 'ListUsers email ^=',
      description: 'email ^= "<prefix of 10 users>"',
      call: async (admin, poolId) => {
        // user00ddd matches user00ddd0..user00ddd9: the same 10 users at every size ≥ 1,000.
        const prefix = username(pick(100) * 10).slice(0, -1);
        const r = await admin.send(new ListUsersCommand({ UserPoolId: poolId, Limit: 60, Filter: `email ^= "${prefix}"` }));
        expect(r.Users?.length === 10, `email ^= "${prefix}" returned ${r.Users?.length}`);
      },
    },
    {
      name: 'ListUsers mid-list',
      description: 'page of 60 after a PaginationToken in the middle',
      call: async (admin, poolId, size) => {
        const at = Math.floor(size / 2) + pick(Math.floor(size / 10)) - Math.floor(size / 20);
        const r = await admin.send(new ListUsersCommand({ UserPoolId: poolId, Limit: 60, PaginationToken: encodePageToken(username(at)) }));
        expect(r.Users?.length === 60 && r.Users[0]?.Username === username(at + 1), `mid-list page after ${username(at)}`);
      },
    },
  ];
}

/**
 * AdminGetUser and ListUsers through the real SDK client (SigV4), one request at a time, on one pool
 * at `small` users and the same pool grown to `large`. The grown pool lives in a copy of the
 * database, served by a second server, so both sizes are measured side by side, request by request:
 * the machine's load, whatever it does meanwhile, falls on both alike and the ratio stays meaningful.
 */
export async function runLookupBench(small: BenchDatabase, o: LookupBenchOptions, log: (line: string) => void): Promise<LookupBenchResult> {
  const databases = [small];
  const servers: BenchServer[] = [];
  const serve = async (db: BenchDatabase) => {
    const server = await startServer(db);
    servers.push(server);
    return server;
  };
  try {
    const seedSeconds: Record<string, number> = {};
    const seed = async (server: BenchServer, pool: UserPool, from: number, to: number) => {
      const t0 = performance.now();
      await seedUsers(server.tessera, pool, { from, to }, () => hash);
      const t = server.tessera;
      // PostgreSQL's autovacuum would have analysed a table of this size long ago; do it now.
      if (t.store.dialect === 'postgres') await sql`ANALYZE`.execute(t.store.db);
      seedSeconds[String(to)] = round((performance.now() - t0) / 1000, 1);
      log(`  ${small.backend}: seeded ${to - from} users (pool now ${to}) in ${seedSeconds[String(to)]}s`);
    };
    // One precomputed hash for everyone: seeding measures inserts, not argon2.
    const hash = await hashPassword(PASSWORD);

    const first = await serve(small);
    const { pool } = await createBenchPool(first.tessera, `lookups-${small.backend}`);
    await seed(first, pool, 0, o.small);
    await first.close();
    const large = await small.clone();
    databases.push(large);
    const atSmall = await serve(small);
    const atLarge = await serve(large);
    await seed(atLarge, pool, o.small, o.large);

    const targets = [
      { size: o.small, server: atSmall },
      { size: o.large, server: atLarge },
    ];
    const defs = cases();
    for (let k = 0; k < o.warmup; k++) for (const def of defs) for (const t of targets) await def.call(t.server.admin, pool.id, t.size, k);
    const key = (def: CaseDef, size: number) => `${def.name}@${size}`;
    const wall = new Map(defs.flatMap((def) => targets.map((t) => [key(def, t.size), [] as number[]] as const)));
    const cpu = new Map(defs.flatMap((def) => targets.map((t) => [key(def, t.size), [] as number[]] as const)));
    const stopCpu = startCpuWindow();
    // Cases and sizes take turns request by request (sizes in alternating order).
    for (let k = 0; k < o.requests; k++) {
      for (const def of defs) {
        for (const t of k % 2 === 0 ? targets : [...targets].reverse()) {
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          await def.call(t.server.admin, pool.id, t.size, k);
          const elapsed = performance.now() - t0;
          const used = process.cpuUsage(c0);
          wall.get(key(def, t.size))!.push(elapsed);
          cpu.get(key(def, t.size))!.push(used.user + used.system);
        }
      }
    }
    const otherLoadPercent = round(stopCpu().otherLoadPercent, 1);

    const result: LookupCase[] = defs.map((def) => {
      const bySize: LookupCase['bySize'] = {};
      for (const { size } of targets) {
        const s = summarize(wall.get(key(def, size))!);
        bySize[String(size)] = { ...s, p50: round(s.p50), p99: round(s.p99), mean: round(s.mean), max: round(s.max), cpuUsMedian: round(summarize(cpu.get(key(def, size))!).p50, 0) };
      }
      const a = bySize[String(o.small)]!;
      const b = bySize[String(o.large)]!;
      log(`    ${def.name.padEnd(20)} p50 ${a.p50} → ${b.p50} ms  p99 ${a.p99} → ${b.p99} ms  CPU ${a.cpuUsMedian} → ${b.cpuUsMedian} µs`);
      return { name: def.name, description: def.description, bySize, ratio: { p50: round(b.p50 / a.p50), p99: round(b.p99 / a.p99), cpu: round(b.cpuUsMedian / a.cpuUsMedian) } };
    });
    if (Number.isFinite(otherLoadPercent)) log(`    (other processes used ${otherLoadPercent}% of the machine meanwhile)`);
    return { backend: small.backend, sizes: [o.small, o.large], requests: o.requests, seedSeconds, otherLoadPercent, cases: result };
  } finally {
    for (const server of servers) await server.close();
    for (const db of databases) await db.drop();
  }
}
