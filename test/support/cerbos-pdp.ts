/**
 * Runs the real Cerbos PDP (the `@cerbos/cerbos-linux-x64` dev dependency) over a policy directory,
 * on loopback ports of its own, for the differential tests and the bench. Disk store without watching, audit off,
 * telemetry off (config and CERBOS_NO_TELEMETRY). The process is killed on close() and, failing
 * that, when the test process exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { freePort } from './process.ts';

export interface CerbosPdp {
  /** Base URL of the HTTP API, without a trailing slash. */
  url: string;
  /** The PDP's process id (the bench reads its CPU time). */
  pid: number;
  /** Everything the PDP printed so far (for failure messages). */
  output(): string;
  close(): Promise<void>;
}

/** The PDP binary shipped in the platform package. */
export function cerbosBinary(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@cerbos/cerbos-linux-x64/package.json');
  return join(dirname(pkg), 'cerbos-linux-x64');
}


const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      killAll();
      // Let the signal do what it would have done without this listener (unless someone else handles it).
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.once(signal, onSignal);
  }
}

export async function startCerbosPdp(opts: { policiesDir: string; timeoutMs?: number }): Promise<CerbosPdp> {
  const policiesDir = resolve(opts.policiesDir);
  const work = mkdtempSync(join(tmpdir(), 'tessera-cerbos-pdp-'));
  const httpPort = await freePort();
  let grpcPort = await freePort();
  while (grpcPort === httpPort) grpcPort = await freePort();
  const configPath = join(work, 'config.yaml');
  // JSON is valid YAML, and quotes the directory whatever it contains.
  writeFileSync(
    configPath,
    JSON.stringify(
      {
        server: { httpListenAddr: `127.0.0.1:${httpPort}`, grpcListenAddr: `127.0.0.1:${grpcPort}` },
        storage: { driver: 'disk', disk: { directory: policiesDir, watchForChanges: false } },
        audit: { enabled: false },
        telemetry: { disabled: true },
      },
      null,
      2,
    ),
  );

  installExitHook();
  const child = spawn(cerbosBinary(), ['server', `--config=${configPath}`, '--log-level=error'], {
    cwd: work,
    env: { ...process.env, CERBOS_NO_TELEMETRY: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<void>((resolveExit) => {
    child.once('exit', () => {
      live.delete(child);
      resolveExit();
    });
  });

  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(work, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await close();
      throw new Error(`cerbos exited before it was healthy (${child.exitCode ?? child.signalCode}):\n${out}`);
    }
    try {
      const res = await fetch(`${url}/_cerbos/health`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await close();
      throw new Error(`cerbos did not become healthy:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, pid: child.pid!, output: () => out, close };
}
