import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess } from '../test/support/process.ts';
import { processCpuMs } from './cerbos-pdp.ts';
import { sqliteDatabase, startServer } from './server.ts';

/** Tessera serving Cerbos policies, and how to stop it. */
export interface TesseraCerbos {
  url: string;
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
    await server.tessera.cerbos.loadDirectory(policyDir);
    return { url: server.url, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Tessera as `tessera serve --workers N` runs it, with the CPU of all its processes. */
export interface TesseraWorkers extends TesseraCerbos {
  pids: number[];
  cpuMs(): number;
}

/**
 * `tessera serve --workers N --cerbos-policies DIR` in a child process on a throwaway SQLite file:
 * N processes sharing the port, as a deployment that wants more than one core runs Tessera.
 */
export async function startTesseraWorkers(policyDir: string, workers: number): Promise<TesseraWorkers> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-workers-'));
  const server = await startServerProcess(['--db', `sqlite:${join(dir, 'tessera.db')}`, '--workers', String(workers), '--cerbos-policies', policyDir], {
    TESSERA_ACCESS_KEY_ID: 'bench',
    TESSERA_SECRET_ACCESS_KEY: 'bench-secret',
  }).catch((e: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });
  const close = async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const listed = /\(\d+ worker processes: ([\d ]+)\)/.exec(server.output());
  if (!listed) {
    await close();
    throw new Error(`tessera --workers did not list its workers:\n${server.output()}`);
  }
  const pids = [server.child.pid!, ...listed[1]!.trim().split(' ').map(Number)];
  return { url: server.url, pids, cpuMs: () => pids.reduce((a, pid) => a + processCpuMs(pid), 0), close };
}
