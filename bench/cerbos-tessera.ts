import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processCpuMs } from './cerbos-pdp.ts';
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

/** Tessera as `tessera serve --workers N` runs it, with the CPU of all its processes. */
export interface TesseraWorkers extends TesseraCerbos {
  pids: number[];
  cpuMs(): number;
}

const BIN = fileURLToPath(new URL('../bin/tessera.js', import.meta.url));

/**
 * `tessera serve --workers N --cerbos-policies DIR` in a child process on a throwaway SQLite file:
 * N processes sharing the port, as a deployment that wants more than one core runs Tessera.
 */
export async function startTesseraWorkers(policyDir: string, workers: number): Promise<TesseraWorkers> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-workers-'));
  const child = spawn(process.execPath, [BIN, 'serve', '--db', `sqlite:${join(dir, 'tessera.db')}`, '--port', '0', '--workers', String(workers), '--log-level', 'warn', '--cerbos-policies', policyDir], {
    env: { ...process.env, TESSERA_ACCESS_KEY_ID: 'bench', TESSERA_SECRET_ACCESS_KEY: 'bench-secret' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const started = await new Promise<{ url: string; pids: number[] }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`tessera --workers did not start:\n${out}`)), 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Tessera listening on (http:\/\/\S+) \(\d+ worker processes: ([\d ]+)\)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, pids: m[2]!.trim().split(' ').map(Number) });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`tessera --workers exited (${code}):\n${out}`)));
  }).catch(async (e: unknown) => {
    await close();
    throw e;
  });
  const pids = [child.pid!, ...started.pids];
  return { url: started.url, policies: -1, pids, cpuMs: () => pids.reduce((a, pid) => a + processCpuMs(pid), 0), close };
}
