import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { createTessera, type Tessera } from '../src/app.ts';
import { buildServer } from '../src/server.ts';
import { settle } from './machine.ts';
import { onInterrupt } from './cleanup.ts';

export const REGION = 'us-east-1';
// Bench-only admin keys, valid for the in-process server this module starts and nothing else.
const ADMIN = { accessKeyId: 'AKIDTESSERABENCH', secretAccessKey: 'tessera-bench-secret-key' };

export type Backend = 'sqlite' | 'postgres';

export interface BenchDatabase {
  backend: Backend;
  url: string;
  /** A copy under a new name (same pools, users, keys); only while no server has it open. */
  clone(): Promise<BenchDatabase>;
  /** Removes the database (temp dir or PostgreSQL database) once the server is closed. */
  drop(): Promise<void>;
}

/** Registers `remove` for Ctrl-C, and returns it as `drop`, which also unregisters it. */
function droppable(remove: () => Promise<void>): () => Promise<void> {
  const forget = onInterrupt(remove);
  return async () => {
    forget();
    await remove();
  };
}

/** A SQLite file in a fresh temp dir (a copy of `from`, if given); dropping deletes the dir (db, -wal, -shm). */
export function sqliteDatabase(from?: string): BenchDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  const path = join(dir, 'tessera.db');
  const drop = droppable(async () => rmSync(dir, { recursive: true, force: true }));
  // Closing the last connection checkpoints the WAL into the main file, so the file alone is the database.
  if (from) copyFileSync(from, path);
  return { backend: 'sqlite', url: `sqlite:${path}`, clone: async () => sqliteDatabase(path), drop };
}

/** A fresh database (or a copy of `template`) on the PostgreSQL server `adminUrl` names; dropping drops it. */
export async function postgresDatabase(adminUrl: string, template?: string): Promise<BenchDatabase> {
  const name = `tessera_bench_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const run = async (sql: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
  const drop = droppable(() => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { backend: 'postgres', url: url.toString(), clone: () => postgresDatabase(adminUrl, name), drop };
}

export interface BenchServer {
  url: string;
  tessera: Tessera;
  app: FastifyInstance;
  /** SDK client signed with the admin credentials (SigV4). */
  admin: CognitoIdentityProviderClient;
  close(): Promise<void>;
}

/** A real Tessera (HTTP on 127.0.0.1, random port) on the given database, composed as `tessera serve` does. */
export async function startServer(db: BenchDatabase): Promise<BenchServer> {
  const tessera = await createTessera({ db: db.url, region: REGION, publicUrl: 'http://127.0.0.1', issuerStyle: 'tessera' });
  let app: FastifyInstance;
  try {
    app = await buildServer(tessera, { credentials: [ADMIN], logLevel: 'error' });
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (e) {
    await tessera.close();
    throw e;
  }
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const admin = new CognitoIdentityProviderClient({ endpoint: url, region: REGION, credentials: ADMIN, maxAttempts: 1 });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    forget();
    admin.destroy();
    await app.close();
    await tessera.close();
  };
  const forget = onInterrupt(close);
  return { url, tessera, app, admin, close };
}

/**
 * Runs `body` against a fresh Tessera on a throwaway SQLite file; the server is closed (after the
 * machine settles) and the file removed whatever happens.
 */
export async function withSqliteServer<T>(body: (server: BenchServer) => Promise<T>): Promise<T> {
  const db = sqliteDatabase();
  const server = await startServer(db).catch(async (e: unknown) => {
    await db.drop();
    throw e;
  });
  try {
    return await body(server);
  } finally {
    await settle();
    await server.close();
    await db.drop();
  }
}
