import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { onInterrupt } from './cleanup.ts';

/** The Cerbos PDP binary the `@cerbos/cerbos-linux-x64` devDependency ships. */
function cerbosBinary(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@cerbos/cerbos-linux-x64/package.json')), 'cerbos-linux-x64');
  } catch {
    throw new Error('the Cerbos PDP binary is missing (@cerbos/cerbos-linux-x64); install the devDependencies (Linux x64 only)');
  }
}

export interface CerbosPdp {
  url: string;
  pid: number;
  version: string;
  /** CPU time (user + system, all threads) the PDP process has used so far, in ms; NaN where /proc is unreadable. */
  cpuMs(): number;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** utime + stime of a process from /proc, in ms (USER_HZ is 100). */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/**
 * The real Cerbos PDP on loopback, serving the policies in `policyDir` from a disk store: HTTP and
 * gRPC on free ports, audit off, telemetry off, log level warn. Resolves once its health check
 * answers SERVING; the temp dir with its config goes when it is closed.
 */
export async function startCerbosPdp(policyDir: string): Promise<CerbosPdp> {
  const binary = cerbosBinary();
  if (!existsSync(binary)) throw new Error(`the Cerbos PDP binary is missing (${binary}); install the devDependencies`);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-cerbos-'));
  const httpPort = await freePort();
  let grpcPort = await freePort();
  while (grpcPort === httpPort) grpcPort = await freePort();
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      'server:',
      `  httpListenAddr: "127.0.0.1:${httpPort}"`,
      `  grpcListenAddr: "127.0.0.1:${grpcPort}"`,
      'storage:',
      '  driver: disk',
      '  disk:',
      `    directory: ${JSON.stringify(policyDir)}`,
      '    watchForChanges: false',
      'audit:',
      '  enabled: false',
      'telemetry:',
      '  disabled: true',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(binary, ['server', `--config=${config}`, '--log-level=warn'], {
    env: { ...process.env, CERBOS_NO_TELEMETRY: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = `exited with ${code ?? signal}`;
      resolve();
    }),
  );
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    forget();
    if (exited === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const forget = onInterrupt(close);
  const url = `http://127.0.0.1:${httpPort}`;
  try {
    const until = performance.now() + 20_000;
    for (;;) {
      if (exited !== undefined) throw new Error(`the Cerbos PDP ${exited}: ${output}`);
      try {
        const res = await fetch(`${url}/_cerbos/health`);
        const text = await res.text();
        if (res.ok && text.includes('SERVING')) break;
      } catch {
        // not listening yet
      }
      if (performance.now() > until) throw new Error(`the Cerbos PDP did not become healthy in 20s: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const info = (await (await fetch(`${url}/api/server_info`)).json()) as { version?: string };
    return { url, pid: child.pid!, version: info.version ?? 'unknown', cpuMs: () => processCpuMs(child.pid!), close };
  } catch (e) {
    await close();
    throw e;
  }
}
