import { createDiffieHellman, createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { type CpuWindow, settle, startCpuWindow } from './machine.ts';
import { table } from './report.ts';
import type { BenchServer } from './server.ts';
import { round, summarize, type LatencySummary } from './stats.ts';
import { adjacentRatios, combine, perSecond, type ThroughputRun } from './throughput.ts';
import { SRP_N_HEX } from '../src/crypto/srp.ts';

/**
 * USER_SRP_AUTH (InitiateAuth with SRP_A, then RespondToAuthChallenge with the PASSWORD_VERIFIER
 * claim) against USER_PASSWORD_AUTH (one InitiateAuth), side by side on one in-process Tessera (as
 * bench/login.ts runs it), same users, same connections, same HTTP client, in interleaved windows.
 *
 * The clients run in worker threads, so this process' main thread is Tessera's alone and the client's
 * CPU is measured apart from the server's: server CPU = this process (all threads) − the client threads.
 * The client does Cognito's SRP math for every sign-in, with modular exponentiation through
 * node:crypto's Diffie-Hellman on the 3072-bit group (amazon-cognito-identity-js's pure-JavaScript
 * AuthenticationHelper spends some 150 ms per sign-in, and would measure itself rather than the
 * server; it is run on a few sign-ins before timing, to show both clients get tokens and what it costs).
 *
 * This module is also the client threads' entry point (see the end of the file).
 */

export type SrpSideName = 'password' | 'srp';

export interface SrpBenchOptions {
  /** Concurrent sign-ins, the same for both sides. */
  connections: number;
  users: number;
  /** Length of each measured window. */
  windowMs: number;
  /** Order of the measured windows, e.g. P S S P, so drift falls on both sides alike. */
  pattern: SrpSideName[];
  /** Warm-up of each side before the measured windows. */
  warmupMs: number;
  /** Worker threads the connections are spread over (default: one per core but one, at least one). */
  clientThreads?: number;
  /** Sign-ins with amazon-cognito-identity-js's own AuthenticationHelper before timing (checked, and its client cost measured). */
  librarySignIns?: number;
}

export interface SrpSide {
  signInsPerSecond: number;
  /** Whole sign-in as the client sees it: both round trips and, for SRP, the client's math. */
  latencyMs: LatencySummary;
  /** The same without this sign-in's own client math (HTTP, server, and waiting in the client). */
  latencyWithoutClientMathMs: LatencySummary;
  completed: number;
  failed: number;
  firstFailure?: string;
  /** This process (all threads: Tessera's main thread, argon2's threadpool, GC) minus the client threads, per sign-in. */
  serverCpuMsPerSignIn: number;
  /** Tessera's JavaScript thread (this process' main thread) per sign-in; SRP's modular exponentiation runs there. */
  mainThreadMsPerSignIn: number;
  /** The client threads (HTTP client, JSON, response checks, SRP math) per sign-in. */
  clientCpuMsPerSignIn: number;
  /** The client's SRP math per sign-in (A, u, x, S, HKDF, signature), timed around it. */
  clientMathMsPerSignIn: number;
  /** Mean client math / mean sign-in latency. */
  clientMathShareOfLatency: number;
  /** Cores Tessera kept busy on average (server CPU / window time). */
  serverCores: number;
  /** Share of one core Tessera's main thread was busy. */
  mainThreadCores: number;
  /** Cores the client threads kept busy. */
  clientCores: number;
  /** Share of the machine used by other processes. */
  otherLoadPercent: number;
  windows: Array<{ signInsPerSecond: number; p50: number; p99: number; otherLoadPercent: number }>;
}

export interface SrpBenchResult {
  connections: number;
  users: number;
  windowMs: number;
  warmupMs: number;
  pattern: string;
  cpus: number;
  clientThreads: number;
  /** Size of the client's secret a (the server's work does not depend on it). */
  clientSecretBits: number;
  password: SrpSide;
  srp: SrpSide;
  srpOverPassword: {
    /** SRP sign-ins/s / password sign-ins/s. */
    throughput: number;
    p50: number;
    p99: number;
    /** SRP server CPU per sign-in / password's. */
    serverCpu: number;
    /** The same as throughput, per SRP window against the nearest password window. */
    perPair: number[];
  };
  /** What the checks before timing did. */
  checked: { passwordSignIns: number; srpSignIns: number; librarySignIns: number; wrongPasswordsRefused: number };
  /** amazon-cognito-identity-js's AuthenticationHelper, per sign-in (median): getLargeAValue and getPasswordAuthenticationKey. */
  libraryClientMs?: { largeA: number; passwordAuthenticationKey: number; total: number };
}

// ---------------------------------------------------------------------------------------------
// The client: Cognito's SRP-6a as amazon-cognito-identity-js computes it, written independently of
// Tessera's server code (the server's acceptance is the check), with node:crypto for modpow.
// ---------------------------------------------------------------------------------------------

// The group is a published constant (RFC 5054), shared; the client's arithmetic below is its own.
const N_HEX = SRP_N_HEX;
const N = BigInt(`0x${N_HEX}`);
const N_BYTES = Buffer.from(N_HEX, 'hex');
/**
 * The client's secret a: 256 bits, RFC 5054's minimum and the size of Tessera's b.
 * amazon-cognito-identity-js draws 1024 bits, which makes A and S about 1.6 × as costly to the
 * client and changes nothing for the server, which never sees a.
 */
const CLIENT_SECRET_BYTES = 32;

/** Java's BigInteger.toByteArray as hex, as Cognito's clients hash numbers: even length, 00 before a set top bit. */
function padHex(n: bigint): string {
  let hex = n.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return /^[89a-f]/.test(hex) ? `00${hex}` : hex;
}
const numberBytes = (n: bigint) => Buffer.from(padHex(n), 'hex');
const bigOf = (b: Buffer) => (b.length === 0 ? 0n : BigInt(`0x${b.toString('hex')}`));
const sha256 = (...parts: Buffer[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const K = bigOf(sha256(numberBytes(N), numberBytes(2n)));

/** base^exponent mod N, natively: a Diffie-Hellman object on N with `exponent` as its private key. */
function modPow(base: bigint, exponent: bigint): bigint {
  const dh = createDiffieHellman(N_BYTES, Buffer.from([2]));
  dh.setPrivateKey(numberBytes(exponent));
  return bigOf(base === 2n ? dh.generateKeys() : dh.computeSecret(numberBytes(base)));
}

/** TIMESTAMP as Cognito's clients write it: `Tue Feb 6 09:05:03 UTC 2024`. */
function cognitoTimestamp(at: number): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  return `${day} ${month} ${d.getUTCDate()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/** The client's half of the exchange: a fresh secret a and A = g^a. */
function clientEphemeral(): { a: bigint; A: bigint } {
  for (;;) {
    const a = bigOf(randomBytes(CLIENT_SECRET_BYTES));
    if (a === 0n) continue;
    const A = modPow(2n, a);
    if (A % N !== 0n) return { a, A };
  }
}

/**
 * The PASSWORD_VERIFIER answer: u = H(A | B), x = H(salt | H(pool | user ":" password)),
 * S = (B − k·g^x)^(a + u·x), key = HKDF(S, u), signature = HMAC(key, pool | user | secret block | timestamp).
 */
function passwordClaim(c: { poolName: string; userIdForSrp: string; password: string; a: bigint; A: bigint; B: bigint; saltHex: string; secretBlock: string; timestamp: string }): string {
  const u = bigOf(sha256(numberBytes(c.A), numberBytes(c.B)));
  if (u === 0n) throw new Error('SRP: u is 0');
  const inner = sha256(Buffer.from(`${c.poolName}${c.userIdForSrp}:${c.password}`, 'utf8'));
  const x = bigOf(sha256(numberBytes(BigInt(`0x${c.saltHex}`)), inner));
  const base = (((c.B - K * modPow(2n, x)) % N) + N) % N;
  const S = modPow(base, c.a + u * x);
  const prk = createHmac('sha256', numberBytes(u)).update(numberBytes(S)).digest();
  const key = createHmac('sha256', prk).update(Buffer.concat([Buffer.from('Caldera Derived Key', 'utf8'), Buffer.from([1])])).digest().subarray(0, 16);
  return createHmac('sha256', key)
    .update(Buffer.concat([Buffer.from(c.poolName, 'utf8'), Buffer.from(c.userIdForSrp, 'utf8'), Buffer.from(c.secretBlock, 'base64'), Buffer.from(c.timestamp, 'utf8')]))
    .digest('base64');
}

// ---------------------------------------------------------------------------------------------
// Sign-ins over HTTP, the same client for both flows: node:http with keep-alive, one socket per loop.
// ---------------------------------------------------------------------------------------------

const TARGET = 'AWSCognitoIdentityProviderService.';

interface AuthResult {
  AccessToken?: string;
  IdToken?: string;
  RefreshToken?: string;
}
interface CognitoAnswer {
  AuthenticationResult?: AuthResult;
  ChallengeName?: string;
  ChallengeParameters?: Record<string, string>;
  __type?: string;
  message?: string;
}

interface SignInClient {
  url: URL;
  agent: Agent;
  clientId: string;
  poolName: string;
  password: string;
}

function call(c: SignInClient, operation: 'InitiateAuth' | 'RespondToAuthChallenge', payload: object): Promise<CognitoAnswer> {
  const body = JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: c.url.hostname,
        port: c.url.port,
        path: '/',
        method: 'POST',
        agent: c.agent,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${TARGET}${operation}`, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          let answer: CognitoAnswer;
          try {
            answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as CognitoAnswer;
          } catch {
            return reject(new Error(`${operation}: HTTP ${res.statusCode}, not JSON`));
          }
          if (res.statusCode !== 200) return reject(new Error(`${operation}: HTTP ${res.statusCode} ${answer.__type ?? ''} ${answer.message ?? ''}`.trim()));
          resolve(answer);
        });
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`${operation}: timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The tokens of a sign-in, or an error: every answer is checked, in the windows too. */
function tokensOf(answer: CognitoAnswer, what: string): Required<AuthResult> {
  const r = answer.AuthenticationResult;
  if (!r?.AccessToken || !r.IdToken || !r.RefreshToken) throw new Error(`${what}: no tokens (${answer.ChallengeName ?? answer.__type ?? 'empty answer'})`);
  return { AccessToken: r.AccessToken, IdToken: r.IdToken, RefreshToken: r.RefreshToken };
}

async function passwordSignIn(c: SignInClient, username: string, password = c.password): Promise<Required<AuthResult>> {
  const answer = await call(c, 'InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: c.clientId, AuthParameters: { USERNAME: username, PASSWORD: password } });
  return tokensOf(answer, 'USER_PASSWORD_AUTH');
}

/** Where an SRP sign-in's client math comes from: this bench's node:crypto client, or amazon-cognito-identity-js's helper. */
interface SrpMath {
  start(poolName: string): Promise<{ srpA: string; finish(challenge: Record<string, string>, password: string, timestamp: string): Promise<string> }>;
}

const nativeMath: SrpMath = {
  async start(poolName) {
    const { a, A } = clientEphemeral();
    return {
      srpA: A.toString(16),
      finish: async (p, password, timestamp) =>
        passwordClaim({ poolName, userIdForSrp: p.USER_ID_FOR_SRP!, password, a, A, B: BigInt(`0x${p.SRP_B}`), saltHex: p.SALT!, secretBlock: p.SECRET_BLOCK!, timestamp }),
    };
  },
};

/**
 * One USER_SRP_AUTH sign-in; `clock.ms` accumulates the time spent in the client's math (synchronous
 * for the native client, so its wall time is its CPU time when the thread has a core).
 */
async function srpSignIn(c: SignInClient, username: string, clock: { ms: number }, o: { math?: SrpMath; password?: string } = {}): Promise<Required<AuthResult>> {
  const math = o.math ?? nativeMath;
  let t = performance.now();
  const started = await math.start(c.poolName);
  clock.ms += performance.now() - t;
  const challenge = await call(c, 'InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', ClientId: c.clientId, AuthParameters: { USERNAME: username, SRP_A: started.srpA } });
  const p = challenge.ChallengeParameters;
  if (challenge.ChallengeName !== 'PASSWORD_VERIFIER' || !p?.SRP_B || !p.SALT || !p.SECRET_BLOCK || !p.USER_ID_FOR_SRP) throw new Error(`USER_SRP_AUTH: no PASSWORD_VERIFIER challenge (${challenge.ChallengeName ?? challenge.__type ?? 'empty answer'})`);
  t = performance.now();
  const timestamp = cognitoTimestamp(Date.now());
  const signature = await started.finish(p, o.password ?? c.password, timestamp);
  clock.ms += performance.now() - t;
  const answer = await call(c, 'RespondToAuthChallenge', {
    ChallengeName: 'PASSWORD_VERIFIER',
    ClientId: c.clientId,
    ChallengeResponses: { USERNAME: p.USER_ID_FOR_SRP, PASSWORD_CLAIM_SECRET_BLOCK: p.SECRET_BLOCK, PASSWORD_CLAIM_SIGNATURE: signature, TIMESTAMP: timestamp },
  });
  return tokensOf(answer, 'USER_SRP_AUTH');
}

// ---------------------------------------------------------------------------------------------
// The client threads.
// ---------------------------------------------------------------------------------------------

const CLIENT_ROLE = 'tessera-bench-srp-client';

interface ClientSetup {
  role: typeof CLIENT_ROLE;
  url: string;
  clientId: string;
  poolName: string;
  password: string;
  usernames: string[];
  /** Concurrent sign-in loops in this thread. */
  connections: number;
  /** Where in `usernames` this thread starts, so threads do not move in step. */
  offset: number;
}

interface WindowJob {
  side: SrpSideName;
  durationMs: number;
}

interface WindowAnswer {
  latencies: Float64Array;
  /** Per completed sign-in: latency minus its own client math. */
  withoutMath: Float64Array;
  /** Client math of the completed sign-ins, summed. */
  mathMs: number;
  failed: number;
  firstFailure?: string;
  /** CPU time of this thread over the window (NaN where /proc is unreadable). */
  threadCpuMs: number;
  error?: string;
}

/** CPU time of the calling thread in ms (Linux), from /proc/thread-self. */
function threadCpuMs(): number {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, the 14th and 15th fields, in 10 ms ticks.
    return (Number(rest[11]) + Number(rest[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

function clientThread(setup: ClientSetup): void {
  const port = parentPort!;
  const c: SignInClient = { url: new URL(setup.url), agent: new Agent({ keepAlive: true, maxSockets: setup.connections }), clientId: setup.clientId, poolName: setup.poolName, password: setup.password };
  let next = setup.offset;
  port.on('message', (job: WindowJob) => {
    void (async (): Promise<WindowAnswer> => {
      const latencies: number[] = [];
      const withoutMath: number[] = [];
      let mathMs = 0;
      let failed = 0;
      let firstFailure: string | undefined;
      const cpu0 = threadCpuMs();
      const start = performance.now();
      const end = start + job.durationMs;
      const cpu = new Promise<number>((resolve) => setTimeout(() => resolve(threadCpuMs() - cpu0), job.durationMs));
      const loop = async () => {
        while (performance.now() < end) {
          const username = setup.usernames[next++ % setup.usernames.length]!;
          const clock = { ms: 0 };
          const t0 = performance.now();
          try {
            if (job.side === 'srp') await srpSignIn(c, username, clock);
            else await passwordSignIn(c, username);
          } catch (e) {
            failed++;
            firstFailure ??= e instanceof Error ? e.message : String(e);
            continue;
          }
          const t1 = performance.now();
          if (t1 <= end) {
            latencies.push(t1 - t0);
            withoutMath.push(t1 - t0 - clock.ms);
            mathMs += clock.ms;
          }
        }
      };
      await Promise.all(Array.from({ length: setup.connections }, loop));
      const answer: WindowAnswer = { latencies: Float64Array.from(latencies), withoutMath: Float64Array.from(withoutMath), mathMs, failed, threadCpuMs: await cpu };
      if (firstFailure !== undefined) answer.firstFailure = firstFailure;
      return answer;
    })()
      .catch((e: unknown): WindowAnswer => ({ latencies: new Float64Array(), withoutMath: new Float64Array(), mathMs: 0, failed: 0, threadCpuMs: Number.NaN, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }))
      .then((answer) => port.postMessage(answer));
  });
}

/** A client thread running this very module under tsx (a worker does not inherit the main thread's loader). */
class ClientThread {
  private readonly worker: Worker;
  readonly ready: Promise<void>;

  constructor(setup: ClientSetup) {
    const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    this.worker = new Worker(boot, { eval: true, workerData: setup });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('online', () => resolve());
      this.worker.once('error', reject);
    });
  }

  run(job: WindowJob): Promise<WindowAnswer> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.worker.once('error', onError);
      this.worker.once('message', (answer: WindowAnswer) => {
        this.worker.off('error', onError);
        if (answer.error) reject(new Error(`SRP bench client: ${answer.error}`));
        else resolve(answer);
      });
      this.worker.postMessage(job);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

// ---------------------------------------------------------------------------------------------
// The bench.
// ---------------------------------------------------------------------------------------------

/** One window of one side, all client threads at once. */
type SrpRun = ThroughputRun & { withoutMath: number[]; mathMs: number; clientCpuMs: number; firstFailure?: string };

async function runWindow(threads: ClientThread[], side: SrpSideName, durationMs: number): Promise<SrpRun> {
  const stopCpu = startCpuWindow();
  const cpu = new Promise<CpuWindow>((resolve) => setTimeout(() => resolve(stopCpu()), durationMs));
  const answers = await Promise.all(threads.map((t) => t.run({ side, durationMs })));
  const latencies = answers.flatMap((a) => Array.from(a.latencies));
  const firstFailure = answers.find((a) => a.firstFailure !== undefined)?.firstFailure;
  return {
    completed: latencies.length,
    failed: answers.reduce((n, a) => n + a.failed, 0),
    elapsedMs: durationMs,
    latencies,
    cpu: await cpu,
    withoutMath: answers.flatMap((a) => Array.from(a.withoutMath)),
    mathMs: answers.reduce((n, a) => n + a.mathMs, 0),
    clientCpuMs: answers.reduce((n, a) => n + a.threadCpuMs, 0),
    ...(firstFailure !== undefined ? { firstFailure } : {}),
  };
}

const serverMs = (r: SrpRun) => r.cpu.processCpuMs - r.clientCpuMs;

/**
 * USER_SRP_AUTH and USER_PASSWORD_AUTH over HTTP against one Tessera on a SQLite file, in the same
 * run: users with both an argon2id hash and an SRP verifier, every flow checked (tokens verified
 * against the pool's JWKS, wrong passwords refused) before timing, then warm-up and the windows.
 */
export async function runSrpBench(o: SrpBenchOptions, log: (line: string) => void): Promise<SrpBenchResult> {
  // Loaded here, not at the top: the client threads load this module and need none of the server.
  const { withSqliteServer } = await import('./server.ts');
  return withSqliteServer(async (server) => {
    const env = await prepare(server, o);
    const { client, usernames } = env;
    const checked = await checkSignIns(server, env, o.librarySignIns ?? 3, log);

    const threadCount = Math.max(1, Math.min(o.connections, o.clientThreads ?? Math.max(1, cpus().length - 1)));
    const threads = Array.from({ length: threadCount }, (_, i) => {
      const connections = Math.floor(o.connections / threadCount) + (i < o.connections % threadCount ? 1 : 0);
      return new ClientThread({
        role: CLIENT_ROLE,
        url: server.url,
        clientId: client.clientId,
        poolName: env.poolName,
        password: env.password,
        usernames,
        connections,
        offset: Math.floor((i * usernames.length) / threadCount),
      });
    });
    try {
      await Promise.all(threads.map((t) => t.ready));
      log(`  warm-up: ${o.warmupMs / 1000}s per side, ${threadCount} client thread${threadCount > 1 ? 's' : ''}`);
      for (const side of ['password', 'srp'] as const) {
        const run = await runWindow(threads, side, o.warmupMs);
        if (run.completed === 0) throw new Error(`${side} warm-up completed no sign-in (${run.failed} failed, first: ${run.firstFailure ?? '–'})`);
        await settle();
      }

      const runs: Record<SrpSideName, SrpRun[]> = { password: [], srp: [] };
      const sequence: Array<{ side: SrpSideName; run: SrpRun }> = [];
      for (const side of o.pattern) {
        const run = await runWindow(threads, side, o.windowMs);
        await settle();
        runs[side].push(run);
        sequence.push({ side, run });
        const s = summarize(run.latencies);
        const n = Math.max(1, run.completed);
        const other = Number.isFinite(run.cpu.otherLoadPercent) ? `  other load ${round(run.cpu.otherLoadPercent, 0)}%` : '';
        log(
          `  ${side.padEnd(8)} ${round(perSecond(run), 1)} sign-ins/s  p50 ${round(s.p50, 1)} ms  p99 ${round(s.p99, 1)} ms  server ${round(serverMs(run) / n, 2)} ms/sign-in (main thread ${round(run.cpu.mainThreadMs / n, 2)})` +
            `  client ${round(run.clientCpuMs / n, 2)} ms/sign-in (math ${round(run.mathMs / n, 2)})${other}${run.failed ? `  (${run.failed} failed, first: ${run.firstFailure ?? '–'})` : ''}`,
        );
      }
      const password = sideOf(runs.password);
      const srp = sideOf(runs.srp);
      return {
        connections: o.connections,
        users: o.users,
        windowMs: o.windowMs,
        warmupMs: o.warmupMs,
        pattern: o.pattern.map((s) => (s === 'password' ? 'P' : 'S')).join(''),
        cpus: cpus().length,
        clientThreads: threadCount,
        clientSecretBits: CLIENT_SECRET_BYTES * 8,
        password,
        srp,
        srpOverPassword: {
          throughput: round(perSecond(combine(runs.srp)) / perSecond(combine(runs.password))),
          p50: round(srp.latencyMs.p50 / password.latencyMs.p50),
          p99: round(srp.latencyMs.p99 / password.latencyMs.p99),
          serverCpu: round(srp.serverCpuMsPerSignIn / password.serverCpuMsPerSignIn),
          perPair: adjacentRatios(sequence, 'srp', 'password'),
        },
        checked: checked.counts,
        ...(checked.library ? { libraryClientMs: checked.library } : {}),
      };
    } finally {
      await Promise.all(threads.map((t) => t.close()));
    }
  });
}

interface BenchEnv {
  client: { clientId: string };
  poolId: string;
  poolName: string;
  password: string;
  usernames: string[];
  signIn: SignInClient;
}

/** A pool whose app client allows both flows, and `users` users with an argon2id hash and an SRP verifier for one password. */
async function prepare(server: BenchServer, o: SrpBenchOptions): Promise<BenchEnv> {
  const [{ PASSWORD, seedUsers, username }, { passwordCredentials, srpPoolName }, { UserRepository }] = await Promise.all([
    import('./seed.ts'),
    import('../src/userpools/password-credentials.ts'),
    import('../src/store/repositories/users.ts'),
  ]);
  const t = server.tessera;
  const pool = await t.userPools.pools.createPool({ PoolName: 'srp-bench' });
  const client = await t.userPools.pools.createClient(pool.id, {
    ClientName: 'srp-bench-client',
    ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  });
  // What setting the password stores, computed as Tessera computes it: distinct salts, for hash and verifier alike.
  const credentials = await Promise.all(Array.from({ length: o.users }, (_, i) => passwordCredentials(pool.id, username(i), PASSWORD, t.random)));
  await seedUsers(t, pool, { from: 0, to: o.users }, (i) => credentials[i]!.passwordHash);
  const repo = new UserRepository(t.store.db);
  for (let i = 0; i < o.users; i++) {
    const user = await t.userPools.directory.findBySignInName(pool, username(i));
    if (!user) throw new Error(`seeded user ${username(i)} is missing`);
    await repo.update(user.id, { srp: credentials[i]!.srp, updatedAt: t.clock.now() });
  }
  const usernames = Array.from({ length: o.users }, (_, i) => username(i));
  const poolName = srpPoolName(pool.id);
  return {
    client,
    poolId: pool.id,
    poolName,
    password: PASSWORD,
    usernames,
    signIn: { url: new URL(server.url), agent: new Agent({ keepAlive: true, maxSockets: 4 }), clientId: client.clientId, poolName, password: PASSWORD },
  };
}

/**
 * Before timing: a wrong password is refused by both flows; every user signs in by both flows with
 * this bench's client, and a few by SRP with amazon-cognito-identity-js's own helper; every token is
 * verified against the pool's JWKS and names the user and the client.
 */
async function checkSignIns(server: BenchServer, env: BenchEnv, librarySignIns: number, log: (line: string) => void) {
  const c = env.signIn;
  const jwks = createLocalJWKSet((await (await fetch(`${server.url}/${env.poolId}/.well-known/jwks.json`)).json()) as JSONWebKeySet);
  const issuer = server.tessera.tokens.issuer(env.poolId);
  const verify = async (tokens: Required<AuthResult>, username: string, what: string) => {
    const access = (await jwtVerify(tokens.AccessToken, jwks, { issuer })).payload;
    const id = (await jwtVerify(tokens.IdToken, jwks, { issuer, audience: c.clientId })).payload;
    if (access.token_use !== 'access' || access.username !== username || access.client_id !== c.clientId || id.token_use !== 'id' || id['cognito:username'] !== username || id.sub !== access.sub) {
      throw new Error(`${what} for ${username}: tokens do not name the user and the client`);
    }
  };

  let wrongPasswordsRefused = 0;
  const refused = async (attempt: Promise<unknown>, what: string) => {
    const outcome = await attempt.then(
      () => 'signed in',
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    if (!outcome.includes('NotAuthorizedException')) throw new Error(`${what} with a wrong password: expected NotAuthorizedException, got ${outcome}`);
    wrongPasswordsRefused++;
  };
  const victim = env.usernames[0]!;
  await refused(passwordSignIn(c, victim, 'Wrong-Passw0rd!'), 'USER_PASSWORD_AUTH');
  await refused(srpSignIn(c, victim, { ms: 0 }, { password: 'Wrong-Passw0rd!' }), 'USER_SRP_AUTH');

  for (const username of env.usernames) {
    await verify(await passwordSignIn(c, username), username, 'USER_PASSWORD_AUTH');
    await verify(await srpSignIn(c, username, { ms: 0 }), username, 'USER_SRP_AUTH');
  }

  // amazon-cognito-identity-js's helper, as test/e2e/cognito-srp.test.ts drives it.
  let library: SrpBenchResult['libraryClientMs'];
  if (librarySignIns > 0) {
    const [helperModule, bigModule] = await Promise.all([import('amazon-cognito-identity-js/lib/AuthenticationHelper.js'), import('amazon-cognito-identity-js/lib/BigInteger.js')]);
    const unwrap = (m: { default?: unknown }) => {
      const d = m.default as { default?: unknown } | undefined;
      return (d?.default ?? d) as unknown;
    };
    type Helper = {
      getLargeAValue(cb: (err: unknown, A: { toString(radix: number): string }) => void): void;
      getPasswordAuthenticationKey(user: string, password: string, B: unknown, salt: unknown, cb: (err: unknown, hkdf: Buffer) => void): void;
    };
    const Helper = unwrap(helperModule as { default?: unknown }) as new (poolName: string) => Helper;
    const Big = unwrap(bigModule as { default?: unknown }) as new (hex: string, radix: number) => unknown;
    const split = { largeA: [] as number[], key: [] as number[] };
    const libraryMath: SrpMath = {
      async start(poolName) {
        const t0 = performance.now();
        const helper = new Helper(poolName);
        const A = await new Promise<string>((resolve, reject) => helper.getLargeAValue((e, a) => (e ? reject(e) : resolve(a.toString(16)))));
        split.largeA.push(performance.now() - t0);
        return {
          srpA: A,
          finish: async (p, password, timestamp) => {
            const t1 = performance.now();
            const hkdf = await new Promise<Buffer>((resolve, reject) =>
              helper.getPasswordAuthenticationKey(p.USER_ID_FOR_SRP!, password, new Big(p.SRP_B!, 16), new Big(p.SALT!, 16), (e, k) => (e ? reject(e) : resolve(k))),
            );
            split.key.push(performance.now() - t1);
            return createHmac('sha256', hkdf)
              .update(Buffer.concat([Buffer.from(env.poolName), Buffer.from(p.USER_ID_FOR_SRP!), Buffer.from(p.SECRET_BLOCK!, 'base64'), Buffer.from(timestamp)]))
              .digest('base64');
          },
        };
      },
    };
    for (let i = 0; i < librarySignIns; i++) {
      const username = env.usernames[i % env.usernames.length]!;
      await verify(await srpSignIn(c, username, { ms: 0 }, { math: libraryMath }), username, 'USER_SRP_AUTH (amazon-cognito-identity-js)');
    }
    const median = (xs: number[]) => round(summarize(xs).p50, 1);
    const totals = split.largeA.map((a, i) => a + (split.key[i] ?? 0));
    library = { largeA: median(split.largeA), passwordAuthenticationKey: median(split.key), total: median(totals) };
  }
  c.agent.destroy();
  const counts = { passwordSignIns: env.usernames.length, srpSignIns: env.usernames.length, librarySignIns, wrongPasswordsRefused };
  log(
    `  checked: ${counts.passwordSignIns} USER_PASSWORD_AUTH and ${counts.srpSignIns} USER_SRP_AUTH sign-ins (tokens verified), ${librarySignIns} with amazon-cognito-identity-js's helper` +
      `${library ? ` (${library.total} ms of client math each)` : ''}, ${wrongPasswordsRefused} wrong passwords refused`,
  );
  return { counts, library };
}

function sideOf(runs: SrpRun[]): SrpSide {
  const all = combine(runs);
  const n = Math.max(1, all.completed);
  const latency = summarize(all.latencies);
  const withoutMath = summarize(runs.flatMap((r) => r.withoutMath));
  const mathMs = runs.reduce((a, r) => a + r.mathMs, 0);
  const clientCpuMs = runs.reduce((a, r) => a + r.clientCpuMs, 0);
  const serverCpuMs = runs.reduce((a, r) => a + serverMs(r), 0);
  const rounded = (s: LatencySummary, d = 2) => ({ ...s, p50: round(s.p50, d), p99: round(s.p99, d), mean: round(s.mean, d), max: round(s.max, d) });
  const firstFailure = runs.find((r) => r.firstFailure !== undefined)?.firstFailure;
  return {
    signInsPerSecond: round(perSecond(all), 1),
    latencyMs: rounded(latency),
    latencyWithoutClientMathMs: rounded(withoutMath),
    completed: all.completed,
    failed: all.failed,
    ...(firstFailure !== undefined ? { firstFailure } : {}),
    serverCpuMsPerSignIn: round(serverCpuMs / n, 3),
    mainThreadMsPerSignIn: round(all.cpu.mainThreadMs / n, 3),
    clientCpuMsPerSignIn: round(clientCpuMs / n, 3),
    clientMathMsPerSignIn: round(mathMs / n, 3),
    clientMathShareOfLatency: round(mathMs / n / latency.mean, 3),
    serverCores: round(serverCpuMs / all.elapsedMs, 2),
    mainThreadCores: round(all.cpu.mainThreadMs / all.elapsedMs, 2),
    clientCores: round(clientCpuMs / all.elapsedMs, 2),
    otherLoadPercent: round(all.cpu.otherLoadPercent, 1),
    windows: runs.map((r) => {
      const s = summarize(r.latencies);
      return { signInsPerSecond: round(perSecond(r), 1), p50: round(s.p50, 2), p99: round(s.p99, 2), otherLoadPercent: round(r.cpu.otherLoadPercent, 1) };
    }),
  };
}

const fixed = (n: number | undefined, d = 1) => (n !== undefined && Number.isFinite(n) ? n.toFixed(d) : '–');
/** Above this share of the machine used by other processes, figures are flagged as noisy. */
const BUSY_PERCENT = 15;

/** The SRP part of the printed report. */
export function formatSrpReport(r: SrpBenchResult): string {
  const out: string[] = [];
  const perSide = r.pattern.length / 2;
  out.push(
    `USER_SRP_AUTH (InitiateAuth + RespondToAuthChallenge) vs USER_PASSWORD_AUTH (InitiateAuth) — one in-process Tessera on a SQLite file, ${r.users} users (argon2id hash and SRP verifier each), ` +
      `${r.connections} connections from ${r.clientThreads} client thread${r.clientThreads > 1 ? 's' : ''} (node:http, keep-alive), ${perSide} × ${r.windowMs / 1000}s windows per side (${r.pattern}) after ${r.warmupMs / 1000}s warm-up each; ` +
      `${r.cpus} cores shared by server and client. SRP client math per sign-in with node:crypto modpow, a of ${r.clientSecretBits} bits. Every answer's tokens checked.`,
  );
  const row = (name: string, x: SrpSide) => [
    name,
    fixed(x.signInsPerSecond),
    fixed(x.latencyMs.p50, 1),
    fixed(x.latencyMs.p99, 1),
    `${fixed(x.latencyWithoutClientMathMs.p50, 1)} / ${fixed(x.latencyWithoutClientMathMs.p99, 1)}`,
    fixed(x.serverCpuMsPerSignIn, 2),
    fixed(x.mainThreadMsPerSignIn, 2),
    fixed(x.clientCpuMsPerSignIn, 2),
    fixed(x.clientMathMsPerSignIn, 2),
    `${fixed(x.clientMathShareOfLatency * 100, 0)}%`,
    fixed(x.serverCores, 2),
    fixed(x.clientCores, 2),
    Number.isFinite(x.otherLoadPercent) ? `${fixed(x.otherLoadPercent, 0)}%` : '–',
    x.failed,
  ];
  out.push(
    table(
      ['', 'sign-ins/s', 'p50 ms', 'p99 ms', 'p50/p99 w/o client math', 'server CPU ms/sign-in', 'main thread ms', 'client CPU ms', 'client math ms', 'math / latency', 'server cores', 'client cores', 'other load', 'failed'],
      [row('USER_PASSWORD_AUTH (argon2id)', r.password), row('USER_SRP_AUTH (2 calls)', r.srp)],
    ),
  );
  const x = r.srpOverPassword;
  out.push(
    `SRP / password: throughput ×${fixed(x.throughput, 2)}, p50 ×${fixed(x.p50, 2)}, p99 ×${fixed(x.p99, 2)}, server CPU/sign-in ×${fixed(x.serverCpu, 2)}  (throughput per SRP window against the nearest password window: ${x.perPair.map((v) => `×${fixed(v, 2)}`).join(', ')})`,
  );
  const s = r.srp;
  out.push(
    `client's share: an SRP sign-in's own client math is ${fixed(s.clientMathMsPerSignIn, 2)} ms of its ${fixed(s.latencyMs.mean, 1)} ms mean (${fixed(s.clientMathShareOfLatency * 100, 0)}%); ` +
      `the client threads spend ${fixed(s.clientCpuMsPerSignIn, 2)} ms CPU per SRP sign-in against the server's ${fixed(s.serverCpuMsPerSignIn, 2)} ms (password: ${fixed(r.password.clientCpuMsPerSignIn, 2)} against ${fixed(r.password.serverCpuMsPerSignIn, 2)}).`,
  );
  if (r.libraryClientMs) {
    out.push(
      `amazon-cognito-identity-js's AuthenticationHelper (checked on ${r.checked.librarySignIns} sign-ins before timing) spends ${fixed(r.libraryClientMs.total, 1)} ms of client math per sign-in ` +
        `(getLargeAValue ${fixed(r.libraryClientMs.largeA, 1)}, getPasswordAuthenticationKey ${fixed(r.libraryClientMs.passwordAuthenticationKey, 1)}; a of 1024 bits), ×${fixed(r.libraryClientMs.total / s.clientMathMsPerSignIn, 0)} this bench's client.`,
    );
  }
  const failed = r.password.failed + r.srp.failed;
  if (failed > 0) out.push(`note: ${failed} sign-ins failed; first: ${r.srp.firstFailure ?? r.password.firstFailure ?? '–'}. These figures do not measure correct sign-ins.`);
  const windows = [...r.password.windows, ...r.srp.windows].map((w) => w.otherLoadPercent).filter(Number.isFinite);
  const busiest = windows.length ? Math.max(...windows) : Number.NaN;
  if (busiest > BUSY_PERCENT) {
    out.push(`note: other processes used up to ${fixed(busiest, 0)}% of the machine in a window (on average ${fixed(r.password.otherLoadPercent, 0)}% in the password windows, ${fixed(r.srp.otherLoadPercent, 0)}% in the SRP ones); throughput figures are noisy, the per-pair ratios show which windows`);
  }
  out.push(`what bounds throughput: USER_PASSWORD_AUTH ${boundBy(r.password, r)}; USER_SRP_AUTH ${boundBy(r.srp, r)}`);
  out.push(
    "(server CPU: this process, all threads — Tessera's main thread, argon2's threadpool, GC — minus the client threads' own CPU time. Latency: the whole sign-in as the client sees it; " +
      "'w/o client math' takes out each sign-in's own math but not its wait behind other sign-ins' math in the same client thread.)",
  );
  return out.join('\n');
}

/** Which resource ran out in a side's windows, from the cores each part kept busy. */
function boundBy(x: SrpSide, r: SrpBenchResult): string {
  const other = Number.isFinite(x.otherLoadPercent) ? (x.otherLoadPercent / 100) * r.cpus : 0;
  const parts = `server ${fixed(x.serverCores, 2)} cores, of which Tessera's main thread ${fixed(x.mainThreadCores, 2)}; client ${fixed(x.clientCores, 2)}; other processes ${fixed(other, 2)}`;
  if (x.mainThreadCores > 0.85) return `— Tessera's main thread, ${fixed(x.mainThreadCores * 100, 0)}% busy (${parts})`;
  if (x.clientCores / r.clientThreads > 0.85) return `— the client threads, ${fixed((x.clientCores / r.clientThreads) * 100, 0)}% busy: throughput understates the server (${parts})`;
  if (x.serverCores + x.clientCores + other > r.cpus * 0.9) return `— the machine's ${r.cpus} cores (${parts})`;
  return `— no core full: latency at ${r.connections} connections (${parts})`;
}

// A client thread: this module loaded by ClientThread's worker.
if (!isMainThread && (workerData as { role?: unknown } | null)?.role === CLIENT_ROLE) clientThread(workerData as ClientSetup);
