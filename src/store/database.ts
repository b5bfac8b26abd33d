import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** The SQLite database file, when there is one (not in memory, not PostgreSQL). */
  file?: string;
  close(): Promise<void>;
}

// PostgreSQL returns BIGINT as strings to protect precision; our BIGINTs are epoch milliseconds and
// counters, far below 2^53, so numbers are exact and what the domain expects.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

/**
 * Opens the database named by a URL: `sqlite:PATH` (or `sqlite::memory:`), a bare file path, or
 * `postgres://…`.
 */
export function openStore(url: string): Store {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    // An idle connection that the server ends (a restart, an administrator) is dropped by the pool
    // and replaced on the next query; unhandled, its error would end the process.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  // Several processes (tessera apply while serving) may share the file.
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { db, dialect: 'sqlite', ...(path !== ':memory:' && { file: path }), close: () => db.destroy() };
}

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs about as much as running a
 * point lookup. Queries repeat (same SQL, new parameters), so prepared statements are kept by SQL
 * text, a bounded number of them, oldest dropped first. One connection runs one query at a time,
 * so a statement is never in use twice at once.
 */
function withStatementCache(sqlite: SQLite.Database, max = 500): { prepare(sql: string): SQLite.Statement; close(): void } {
  const statements = new Map<string, SQLite.Statement>();
  return {
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        if (statements.size >= max) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
    close: () => {
      statements.clear();
      sqlite.close();
    },
  };
}
