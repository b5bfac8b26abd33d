import autocannon from 'autocannon';
import { hashPassword } from '../src/crypto/passwords.ts';
import { type CpuWindow, settle, startCpuWindow } from './machine.ts';
import { floorKeys, runFloor, type FloorUser } from './floor.ts';
import { createBenchPool, PASSWORD, seedUsers, username } from './seed.ts';
import { withSqliteServer } from './server.ts';
import { round, summarize, type LatencySummary } from './stats.ts';
import { combine, perSecond, type ThroughputRun } from './throughput.ts';

export interface LoginBenchOptions {
  connections: number;
  users: number;
  /** Length of each measured window. */
  windowMs: number;
  /** Order of the measured windows, e.g. floor, tessera, tessera, floor (ABBA) so drift falls on both sides. */
  pattern: Array<'floor' | 'tessera'>;
  warmupMs: number;
}

export interface LoginSide {
  loginsPerSecond: number;
  latencyMs: LatencySummary;
  completed: number;
  failed: number;
  /** Process CPU (all threads) per completed login. */
  cpuMsPerLogin: number;
  /** CPU time of the main (JavaScript) thread per completed login. */
  mainThreadMsPerLogin: number;
  /** Average share of the machine other processes used during the windows. */
  otherLoadPercent: number;
  windows: Array<{ loginsPerSecond: number; p50: number; p99: number; otherLoadPercent: number }>;
}

export interface LoginBenchResult {
  connections: number;
  users: number;
  windowMs: number;
  pattern: string;
  floor: LoginSide;
  tessera: LoginSide;
  /** floor throughput / tessera throughput − 1, in percent, over all windows. */
  overheadPercent: number;
  /** The same per adjacent floor/Tessera pair of windows. */
  pairOverheadPercent: number[];
  /** Tessera p50 / floor p50 and p99 / p99. */
  latencyRatio: { p50: number; p99: number };
}

const TARGET = 'AWSCognitoIdentityProviderService.InitiateAuth';

/**
 * InitiateAuth (USER_PASSWORD_AUTH) over HTTP with autocannon against a Tessera on a SQLite file,
 * measured against the in-process floor at the same concurrency, in alternating windows (ABBA) so
 * drift in the machine's speed falls on both sides alike.
 */
export async function runLoginBench(o: LoginBenchOptions, log: (line: string) => void): Promise<LoginBenchResult> {
  return withSqliteServer(async (server) => {
    const t = server.tessera;
    const { pool, client } = await createBenchPool(t, 'login-bench');
    // Distinct users with their own salts: the brute-force table and any caches see a realistic mix.
    const hashes = await Promise.all(Array.from({ length: o.users }, () => hashPassword(PASSWORD)));
    await seedUsers(t, pool, { from: 0, to: o.users }, (i) => hashes[i]!);
    const bodies = Array.from({ length: o.users }, (_, i) =>
      JSON.stringify({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: client.clientId, AuthParameters: { USERNAME: username(i), PASSWORD } }),
    );
    await assertSignsIn(server.url, bodies[0]!);

    const floorUsers: FloorUser[] = [];
    for (let i = 0; i < o.users; i++) {
      const user = await t.userPools.directory.findBySignInName(pool, username(i));
      if (!user?.passwordHash) throw new Error(`seeded user ${username(i)} is missing`);
      floorUsers.push({ username: user.username, passwordHash: user.passwordHash, attributes: user.attributes });
    }
    const keys = await floorKeys();
    let nextBody = 0;
    const tesseraWindow = (durationMs: number) => cannon({ url: server.url, connections: o.connections, durationMs, body: () => bodies[nextBody++ % bodies.length]! });
    const floorWindow = (durationMs: number) => runFloor({ connections: o.connections, durationMs, users: floorUsers, password: PASSWORD, keys });

    log(`  warm-up: ${o.warmupMs / 1000}s HTTP, ${o.warmupMs / 2000}s floor`);
    await tesseraWindow(o.warmupMs);
    await settle();
    await floorWindow(o.warmupMs / 2);
    await settle();

    const floorRuns: ThroughputRun[] = [];
    const tesseraRuns: ThroughputRun[] = [];
    const sequence: Array<{ side: 'floor' | 'tessera'; run: ThroughputRun }> = [];
    for (const side of o.pattern) {
      const run = side === 'floor' ? await floorWindow(o.windowMs) : await tesseraWindow(o.windowMs);
      await settle();
      (side === 'floor' ? floorRuns : tesseraRuns).push(run);
      sequence.push({ side, run });
      const s = summarize(run.latencies);
      const other = Number.isFinite(run.cpu.otherLoadPercent) ? `  other load ${round(run.cpu.otherLoadPercent, 0)}%` : '';
      log(`  ${side.padEnd(7)} ${round(perSecond(run), 1)} logins/s  p50 ${round(s.p50, 1)} ms  p99 ${round(s.p99, 1)} ms  main thread ${round(run.cpu.mainThreadMs / Math.max(1, run.completed), 2)} ms/login${other}${run.failed ? `  (${run.failed} failed)` : ''}`);
    }
    const floor = side(floorRuns);
    const tessera = side(tesseraRuns);
    // Each adjacent floor/Tessera pair of windows is an estimate of its own; their spread shows the noise.
    const pairOverheadPercent: number[] = [];
    for (let i = 0; i + 1 < sequence.length; i += 2) {
      const [a, b] = [sequence[i]!, sequence[i + 1]!];
      if (a.side === b.side) continue;
      const [f, t] = a.side === 'floor' ? [a.run, b.run] : [b.run, a.run];
      pairOverheadPercent.push(round((perSecond(f) / perSecond(t) - 1) * 100, 1));
    }
    return {
      connections: o.connections,
      users: o.users,
      windowMs: o.windowMs,
      pattern: o.pattern.map((p) => (p === 'floor' ? 'F' : 'T')).join(''),
      floor,
      tessera,
      overheadPercent: round((perSecond(combine(floorRuns)) / perSecond(combine(tesseraRuns)) - 1) * 100, 1),
      pairOverheadPercent,
      latencyRatio: { p50: round(tessera.latencyMs.p50 / floor.latencyMs.p50), p99: round(tessera.latencyMs.p99 / floor.latencyMs.p99) },
    };
  });
}

function side(runs: ThroughputRun[]): LoginSide {
  const all = combine(runs);
  const latency = summarize(all.latencies);
  return {
    loginsPerSecond: round(perSecond(all), 1),
    latencyMs: { ...latency, p50: round(latency.p50), p99: round(latency.p99), mean: round(latency.mean), max: round(latency.max) },
    completed: all.completed,
    failed: all.failed,
    cpuMsPerLogin: round(all.cpu.processCpuMs / Math.max(1, all.completed)),
    mainThreadMsPerLogin: round(all.cpu.mainThreadMs / Math.max(1, all.completed), 3),
    otherLoadPercent: round(all.cpu.otherLoadPercent, 1),
    windows: runs.map((r) => {
      const s = summarize(r.latencies);
      return { loginsPerSecond: round(perSecond(r), 1), p50: round(s.p50), p99: round(s.p99), otherLoadPercent: round(r.cpu.otherLoadPercent, 1) };
    }),
  };
}

async function assertSignsIn(url: string, body: string): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': TARGET }, body });
  const json = (await res.json()) as { AuthenticationResult?: { IdToken?: string; AccessToken?: string; RefreshToken?: string } };
  const r = json.AuthenticationResult;
  if (res.status !== 200 || !r?.IdToken || !r.AccessToken || !r.RefreshToken) throw new Error(`InitiateAuth sanity check failed: ${res.status} ${JSON.stringify(json)}`);
}

/** One autocannon window; latencies come from its per-response timings, counted inside the window only. */
function cannon(o: { url: string; connections: number; durationMs: number; body: () => string }): Promise<ThroughputRun> {
  const latencies: number[] = [];
  let failed = 0;
  const stopCpu = startCpuWindow();
  const start = performance.now();
  const end = start + o.durationMs;
  const cpu = new Promise<CpuWindow>((resolve) => setTimeout(() => resolve(stopCpu()), o.durationMs));
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': TARGET };
    const instance = autocannon(
      {
        url: o.url,
        connections: o.connections,
        pipelining: 1,
        duration: Math.max(1, Math.round(o.durationMs / 1000)),
        timeout: 30,
        requests: [{ method: 'POST', path: '/', headers, setupRequest: (req) => ({ ...req, body: o.body() }) }],
      },
      (err, result) => {
        if (err) return reject(err);
        void cpu.then((window) => resolve({
          completed: latencies.length,
          failed: failed + result.errors + result.timeouts,
          elapsedMs: Math.min(o.durationMs, performance.now() - start),
          latencies,
          cpu: window,
        }));
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (performance.now() > end) return;
      if (statusCode === 200) latencies.push(responseTime);
      else failed++;
    });
  });
}
