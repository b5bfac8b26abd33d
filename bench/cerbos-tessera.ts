import { sqliteDatabase, startServer } from './server.ts';

/** Tessera serving Cerbos policies, and how to stop it. */
export interface TesseraCerbos {
  url: string;
  policies: number;
  close(): Promise<void>;
}

/**
 * A real Tessera as the other benches start it (in-process on the main thread, HTTP on 127.0.0.1,
 * random port, a throwaway SQLite file), with the Cerbos policies of `policyDir` loaded as
 * `tessera serve --cerbos-policies DIR` loads them (without watching the directory).
 */
export async function startTesseraCerbos(policyDir: string): Promise<TesseraCerbos> {
  const db = sqliteDatabase();
  const server = await startServer(db).catch(async (e: unknown) => {
    await db.drop();
    throw e;
  });
  const close = async () => {
    await server.close();
    await db.drop();
  };
  try {
    const policies = await server.tessera.cerbos.loadDirectory(policyDir);
    return { url: server.url, policies, close };
  } catch (e) {
    await close();
    throw e;
  }
}
