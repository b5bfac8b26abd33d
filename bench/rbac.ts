import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Permit } from 'permitio';
import { stringify } from 'yaml';
import { startServerProcess } from '../test/support/process.ts';
import type { ConfigFileInput } from '../test/support/server.ts';
import { processCpuMs } from './cerbos-pdp.ts';
import { onInterrupt } from './cleanup.ts';
import { LoadGenerator, type LoadRun, startFloor, type WireRequest } from './load.ts';
import { settle } from './machine.ts';
import { prng } from './prng.ts';
import { table } from './report.ts';
import { round, sleep, summarize, type LatencySummary } from './stats.ts';
import { adjacentRatios, combine, perSecond } from './throughput.ts';

// ---------------------------------------------------------------------------------------------
// Shared with bench/gateway.ts: a real `tessera serve` process on a config file, and the
// interleaved-window measurement of several sides with one load generator.
// ---------------------------------------------------------------------------------------------

/** `tessera serve --config FILE` in its own process on a throwaway SQLite file, with its CPU time. */
export interface TesseraProcess {
  url: string;
  pid: number;
  /** CPU time (user + system, all threads) the process has used so far, in ms; NaN where /proc is unreadable. */
  cpuMs(): number;
  output(): string;
  close(): Promise<void>;
}

const BENCH_ADMIN = { TESSERA_ACCESS_KEY_ID: 'AKIDTESSERABENCH', TESSERA_SECRET_ACCESS_KEY: 'tessera-bench-secret-key' };

/** Writes `config` as YAML next to a fresh SQLite file and starts `tessera serve --config` on them, as a user would. */
export async function startTesseraProcess(config: ConfigFileInput, args: string[] = []): Promise<TesseraProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  const file = join(dir, 'tessera.yaml');
  writeFileSync(file, stringify(config));
  const server = await startServerProcess(['--db', `sqlite:${join(dir, 'tessera.db')}`, '--config', file, ...args], BENCH_ADMIN).catch((e: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });
  let forget = () => {};
  const close = async () => {
    forget();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  forget = onInterrupt(close);
  const pid = server.child.pid!;
  return { url: server.url, pid, cpuMs: () => processCpuMs(pid), output: server.output, close };
}

/** One server under load: where to send, what to send, and whose CPU is the server's. */
export interface SideTarget {
  url: string;
  requests: WireRequest[];
  /** CPU of server processes other than this one (ms so far), e.g. a Tessera process. */
  externalCpuMs?: () => number;
  /** Whether this process' main thread serves this side (an in-process floor or upstream). */
  mainThread: boolean;
}

/** `tailCpuMs`: CPU the side's server processes used after the window, finishing its work (see measureSides). */
export type MeasuredRun = LoadRun & { externalCpuMs: number; tailCpuMs: number };

export interface SideSummary {
  callsPerSecond: number;
  /** Checks (or upstream requests) per second: calls × work per call. */
  unitsPerSecond: number;
  latencyMs: LatencySummary;
  completed: number;
  failed: number;
  firstFailure?: string;
  /** Server CPU per call: the external process(es) (with what they finished after each window) and/or this process' main thread, as the side says. */
  serverCpuUsPerCall: number;
  /** Cores the servers of this side kept busy on average during the windows. */
  serverCores: number;
  /** Cores the load generator (autocannon's worker thread, and this process' other threads) kept busy. */
  clientCores: number;
  /** Share of the machine used by processes other than this one and the side's external servers. */
  otherLoadPercent: number;
  windows: Array<{ callsPerSecond: number; p50: number; p99: number; otherLoadPercent: number }>;
}

export interface SideRatio {
  /** Throughput of the first side / the second's. */
  throughput: number;
  /** Latency of the first side / the second's. */
  p50: number;
  p99: number;
  /** Server CPU per call of the first side / the second's. */
  serverCpu: number;
  /** Throughput ratio of each window of the first side against the nearest window of the second: their spread shows the noise. */
  perPair: number[];
}

const logicalCpus = cpus().length;

/** Server CPU inside the window; `serverMsOf` adds what the side's processes finished after it. */
const windowServerMs = (t: SideTarget, r: MeasuredRun) => (t.mainThread ? r.cpu.mainThreadMs : 0) + (t.externalCpuMs ? r.externalCpuMs : 0);
const serverMsOf = (t: SideTarget, r: MeasuredRun) => windowServerMs(t, r) + (t.externalCpuMs ? r.tailCpuMs : 0);

/** Waits until a server process is nearly idle (or `maxMs` passed) and returns the CPU it used meanwhile, in ms. */
export async function settleExternal(cpuMs: (() => number) | undefined, maxMs = 5_000): Promise<number> {
  if (!cpuMs) return 0;
  const start = cpuMs();
  const until = performance.now() + maxMs;
  while (performance.now() < until) {
    const before = cpuMs();
    await sleep(200);
    // /proc counts in 10 ms ticks: under 10% of one core is idle enough.
    if (!(cpuMs() - before >= 20)) break;
  }
  return cpuMs() - start;
}

/**
 * Warm-up of every side (in `order`), then the measured windows in `pattern`, every side with the
 * same load generator, connections and window length; a pause for the process to go idle after
 * each window.
 */
export async function measureSides<S extends string>(
  load: LoadGenerator,
  targets: Record<S, SideTarget>,
  o: { connections: number; windowMs: number; pattern: S[]; warmupMs: (side: S) => number; label: string; unitsPerCall: number },
  log: (line: string) => void,
): Promise<{ runs: Record<S, MeasuredRun[]>; sequence: Array<{ side: S; run: MeasuredRun }> }> {
  const sides = Object.keys(targets) as S[];
  const window = (s: S, durationMs: number) => load.run({ url: targets[s].url, connections: o.connections, durationMs, requests: targets[s].requests }, targets[s].externalCpuMs);
  log(`  ${o.label} warm-up: ${sides.map((s) => `${s} ${o.warmupMs(s) / 1000}s`).join(', ')}`);
  for (const s of sides) {
    await window(s, o.warmupMs(s));
    await settle();
    await settleExternal(targets[s].externalCpuMs);
  }
  const runs = Object.fromEntries(sides.map((s) => [s, [] as MeasuredRun[]])) as Record<S, MeasuredRun[]>;
  const sequence: Array<{ side: S; run: MeasuredRun }> = [];
  for (const s of o.pattern) {
    const measured = await window(s, o.windowMs);
    await settle();
    // Work a server process finishes after the window (Tessera's decision log is written by a worker
    // thread, behind the answers) is that window's cost, and must not run into the next side's window.
    const run: MeasuredRun = { ...measured, tailCpuMs: await settleExternal(targets[s].externalCpuMs) };
    runs[s].push(run);
    sequence.push({ side: s, run });
    const l = summarize(run.latencies);
    const serverMs = serverMsOf(targets[s], run);
    const rps = perSecond(run);
    log(
      `    ${`${o.label} ${s}`.padEnd(24)} ${round(rps, 0)} calls/s${o.unitsPerCall > 1 ? ` (${round(rps * o.unitsPerCall, 0)} checks/s)` : ''}  p50 ${round(l.p50, 2)} ms  p99 ${round(l.p99, 2)} ms  server ${round((serverMs / Math.max(1, run.completed)) * 1000, 0)} µs/call, ${round(windowServerMs(targets[s], run) / run.elapsedMs, 2)} cores` +
        `${run.failed ? `  (${run.failed} failed, first: ${run.firstFailure ?? 'connection error'})` : ''}`,
    );
  }
  return { runs, sequence };
}

export function summarizeSide(target: SideTarget, runs: MeasuredRun[], unitsPerCall: number): SideSummary {
  const all = combine(runs);
  const latency = summarize(all.latencies);
  const n = Math.max(1, all.completed);
  const serverCpuMs = runs.reduce((a, r) => a + serverMsOf(target, r), 0);
  const clientCpuMs = all.cpu.processCpuMs - all.cpu.mainThreadMs;
  // The external servers' CPU is the side under test, not "other" load.
  const other = (r: MeasuredRun) => Math.max(0, r.cpu.otherLoadPercent - (target.externalCpuMs ? (r.externalCpuMs / (r.elapsedMs * logicalCpus)) * 100 : 0));
  const firstFailure = runs.find((r) => r.firstFailure)?.firstFailure;
  return {
    callsPerSecond: round(perSecond(all), 1),
    unitsPerSecond: round(perSecond(all) * unitsPerCall, 1),
    latencyMs: { ...latency, p50: round(latency.p50, 3), p99: round(latency.p99, 3), mean: round(latency.mean, 3), max: round(latency.max, 3) },
    completed: all.completed,
    failed: all.failed,
    ...(firstFailure ? { firstFailure } : {}),
    serverCpuUsPerCall: round((serverCpuMs / n) * 1000, 1),
    serverCores: round(runs.reduce((a, r) => a + windowServerMs(target, r), 0) / all.elapsedMs, 2),
    clientCores: round(clientCpuMs / all.elapsedMs, 2),
    otherLoadPercent: round(runs.reduce((a, r) => a + other(r) * r.elapsedMs, 0) / all.elapsedMs, 1),
    windows: runs.map((r) => {
      const s = summarize(r.latencies);
      return { callsPerSecond: round(perSecond(r), 1), p50: round(s.p50, 3), p99: round(s.p99, 3), otherLoadPercent: round(other(r), 1) };
    }),
  };
}

/** `mine` against `other`; per window, against the nearest window of `other`, so linear drift cancels pairwise. */
export function sideRatio<S extends string>(a: SideSummary, b: SideSummary, sequence: Array<{ side: S; run: MeasuredRun }>, mine: S, other: S): SideRatio {
  const perPair = adjacentRatios(sequence, mine, other);
  return {
    throughput: round(a.callsPerSecond / b.callsPerSecond),
    p50: round(a.latencyMs.p50 / b.latencyMs.p50),
    p99: round(a.latencyMs.p99 / b.latencyMs.p99),
    serverCpu: round(a.serverCpuUsPerCall / b.serverCpuUsPerCall),
    perPair,
  };
}

export const fixed = (n: number | undefined, d = 1) => (n !== undefined && Number.isFinite(n) ? n.toFixed(d) : '–');
/** Above this share of the machine used by other processes, figures are flagged as noisy. */
export const BUSY_PERCENT = 15;

export const ratioText = (x: SideRatio) =>
  `throughput ×${fixed(x.throughput, 2)}, p50 ×${fixed(x.p50, 2)}, p99 ×${fixed(x.p99, 2)}, server CPU/call ×${fixed(x.serverCpu, 2)}  (throughput per adjacent window pair: ${x.perPair.map((v) => `×${fixed(v, 2)}`).join(', ')})`;

/** The notes every side-by-side table needs: failures, a busy machine, servers the load generator starved. */
export function sideNotes(sides: Array<[string, SideSummary]>, cores: number): string[] {
  const out: string[] = [];
  const failed = sides.reduce((a, [, x]) => a + x.failed, 0);
  if (failed > 0) out.push(`note: ${failed} calls failed (not 200); first: ${sides.find(([, x]) => x.firstFailure)?.[1].firstFailure ?? 'connection error or timeout'}. These figures do not measure correct answers.`);
  const busiest = Math.max(...sides.map(([, x]) => x.otherLoadPercent));
  if (busiest > BUSY_PERCENT) out.push(`note: other processes used up to ${fixed(busiest, 0)}% of the machine during these windows; throughput figures are noisy`);
  const client = Math.max(...sides.map(([, x]) => x.clientCores));
  const idle = sides.filter(([, x]) => x.serverCores < 0.85);
  if (idle.length)
    out.push(
      `note: ${idle.map(([name, x]) => `${name} kept ${fixed(x.serverCores, 2)} cores busy`).join(', ')}, while the load generator used up to ${fixed(client, 2)}: ` +
        `the load generator, the kernel's network work and the other servers share the ${cores} cores, so that throughput understates the server alone; server CPU per call does not depend on that`,
    );
  return out;
}

// ---------------------------------------------------------------------------------------------
// The RBAC environment: a document and billing app, Permit-style, with 1,000 users in 4 tenants.
// ---------------------------------------------------------------------------------------------

const API_KEY = 'permit_key_tessera_bench_rbac_0123456789abcdef';
const RESOURCES = [
  { key: 'document', actions: ['read', 'create', 'update', 'delete', 'share'] },
  { key: 'folder', actions: ['read', 'create', 'delete'] },
  { key: 'invoice', actions: ['read', 'create', 'approve', 'pay'] },
  { key: 'hello', actions: ['say', 'wave'] },
] as const;
const ROLES = [
  { key: 'viewer', permissions: ['document:read', 'folder:read', 'hello:wave'], extends: [] },
  { key: 'editor', permissions: ['document:create', 'document:update', 'folder:create', 'hello:say'], extends: ['viewer'] },
  { key: 'admin', permissions: ['document:*', 'folder:*'], extends: ['editor'] },
  { key: 'billing', permissions: ['invoice:read', 'invoice:create', 'invoice:pay'], extends: [] },
  { key: 'approver', permissions: ['invoice:approve'], extends: ['billing'] },
  { key: 'auditor', permissions: ['document:read', 'invoice:read'], extends: [] },
];
const TENANTS = ['default', 'acme', 'globex', 'initech'] as const;

interface World {
  config: ConfigFileInput;
  /** user → tenant → roles. */
  assignments: Map<string, Map<string, string[]>>;
  assignmentCount: number;
}

function world(users: number): World {
  const pick = prng(20260513);
  const assignments = new Map<string, Map<string, string[]>>();
  let assignmentCount = 0;
  const userSpecs = Array.from({ length: users }, (_, i) => {
    const key = `u${i + 1}`;
    const byTenant = new Map<string, string[]>();
    // One user in ten has no role at all; the rest one to three assignments, mostly in one home tenant.
    const n = pick(10) === 0 ? 0 : 1 + (pick(4) === 0 ? 1 + pick(2) : 0);
    const home = TENANTS[pick(TENANTS.length)]!;
    for (let k = 0; k < n; k++) {
      const tenant = k === 0 || pick(2) === 0 ? home : TENANTS[pick(TENANTS.length)]!;
      const role = ROLES[pick(ROLES.length)]!.key;
      const list = byTenant.get(tenant) ?? [];
      if (list.includes(role)) continue;
      list.push(role);
      byTenant.set(tenant, list);
      assignmentCount++;
    }
    assignments.set(key, byTenant);
    return { key, email: `${key}@bench.example`, roles: [...byTenant].flatMap(([tenant, roles]) => roles.map((role) => ({ role, tenant }))) };
  });
  return {
    config: {
      rbac: {
        environments: [
          {
            key: 'default',
            apiKey: API_KEY,
            resources: RESOURCES.map((r) => ({ key: r.key, actions: [...r.actions] })),
            roles: ROLES.map((r) => ({ key: r.key, permissions: r.permissions, extends: r.extends })),
            tenants: TENANTS.map((key) => ({ key })),
            users: userSpecs,
          },
        ],
      },
    },
    assignments,
    assignmentCount,
  };
}

/** The `resource:action`s a role grants, `extends` and `resource:*` expanded here from the environment as declared, not by Tessera's code. */
function grantsOf(role: string, seen = new Set<string>()): string[] {
  if (seen.has(role)) return [];
  seen.add(role);
  const r = ROLES.find((x) => x.key === role)!;
  const own = r.permissions.flatMap((p) => {
    const [res, act] = p.split(':') as [string, string];
    return act === '*' ? RESOURCES.find((x) => x.key === res)!.actions.map((a) => `${res}:${a}`) : [p];
  });
  return [...new Set([...own, ...r.extends.flatMap((e) => grantsOf(e, seen))])];
}

/** What Permit answers for the environment as declared. */
function expected(w: World, q: Question): boolean {
  const roles = w.assignments.get(q.user)?.get(q.tenant) ?? [];
  return roles.some((r) => grantsOf(r).includes(`${q.resource}:${q.action}`));
}

interface Question {
  user: string;
  action: string;
  resource: string;
  tenant: string;
}

/** Questions an app asks: mostly about a user's home tenant, some about another tenant, a few about users Permit does not know. */
function questions(w: World, n: number, seed: number, users: number): Question[] {
  const pick = prng(seed);
  return Array.from({ length: n }, () => {
    const known = pick(50) !== 0;
    const user = known ? `u${1 + pick(users)}` : `unknown-${pick(1000)}`;
    const tenants = [...(w.assignments.get(user)?.keys() ?? [])];
    const tenant = tenants.length > 0 && pick(4) !== 0 ? tenants[pick(tenants.length)]! : TENANTS[pick(TENANTS.length)]!;
    // A third of the time, something one of the user's roles there grants (a button the UI shows); otherwise anything.
    const roles = w.assignments.get(user)?.get(tenant) ?? [];
    if (roles.length > 0 && pick(3) === 0) {
      const granted = grantsOf(roles[pick(roles.length)]!);
      const [resource, action] = granted[pick(granted.length)]!.split(':') as [string, string];
      return { user, action, resource, tenant };
    }
    const resource = RESOURCES[pick(RESOURCES.length)]!;
    return { user, action: resource.actions[pick(resource.actions.length)]!, resource: resource.key, tenant };
  });
}

/**
 * The requests exactly as the `permitio` SDK puts them on the wire (its JSON, its headers), taken
 * by a loopback server that answers as a PDP would; `Host`, `Content-Length` and `Connection` are
 * left to autocannon.
 */
async function sdkWire(single: Question[], bulk: Question[][]): Promise<{ single: WireRequest[]; bulk: WireRequest[] }> {
  const seen: WireRequest[] = [];
  const capture = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string' && !['host', 'content-length', 'connection'].includes(name)) headers[name] = value;
      seen.push({ path: req.url ?? '/', headers, body });
      const n = req.url === '/allowed/bulk' ? (JSON.parse(body) as unknown[]).length : 0;
      res.setHeader('content-type', 'application/json');
      res.end(req.url === '/allowed/bulk' ? JSON.stringify({ allow: Array.from({ length: n }, () => ({ allow: false })) }) : '{"allow":false}');
    });
  });
  await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
  const address = capture.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  try {
    const permit = new Permit({ token: API_KEY, pdp: url, apiUrl: url, log: { level: 'silent' }, throwOnError: true });
    for (const q of single) await permit.check(q.user, q.action, { type: q.resource, tenant: q.tenant });
    const singles = seen.splice(0);
    for (const b of bulk) await permit.bulkCheck(b.map((q) => ({ user: q.user, action: q.action, resource: { type: q.resource, tenant: q.tenant } })));
    const bulks = seen.splice(0);
    if (singles.length !== single.length || singles.some((r) => r.path !== '/allowed')) throw new Error(`permitio did not post each check to /allowed once: ${singles.map((r) => r.path).join(' ')}`);
    if (bulks.length !== bulk.length || bulks.some((r) => r.path !== '/allowed/bulk')) throw new Error('permitio did not post each bulk check to /allowed/bulk once');
    return { single: singles, bulk: bulks };
  } finally {
    await new Promise<void>((resolve) => capture.close(() => resolve()));
  }
}

async function post(url: string, r: WireRequest): Promise<{ text: string; json: unknown }> {
  const res = await fetch(url + r.path, { method: 'POST', headers: r.headers, body: r.body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${url}${r.path} answered ${res.status}: ${text}`);
  return { text, json: JSON.parse(text) as unknown };
}

// ---------------------------------------------------------------------------------------------

export interface RbacBenchOptions {
  /** Concurrent connections of autocannon, Tessera and floor alike. */
  connections: number;
  /** Length of each measured window (whole seconds: autocannon counts in seconds). */
  windowMs: number;
  /** Order of the measured windows per case, e.g. floor, tessera, tessera, floor (ABBA). */
  pattern: Array<'floor' | 'tessera'>;
  /** Warm-up of Tessera before each case (the floor gets a third of it, at least 1s). */
  warmupMs: number;
  /** Users in the environment. */
  users: number;
  /** Distinct requests per case, replayed round-robin. */
  distinctRequests: number;
  /** Checks per `/allowed/bulk` call. */
  bulkSize: number;
}

export interface RbacCase {
  name: string;
  path: string;
  checksPerCall: number;
  distinctRequests: number;
  /** Share of the checks that are allowed (every answer checked against the environment first). */
  allowShare: number;
  requestBytes: number;
  /** Tessera's answers (mean) and the floor's constant one: a Tessera answer of about the mean size. */
  responseBytes: { tessera: number; floor: number };
  sides: { floor: SideSummary; tessera: SideSummary };
  tesseraOverFloor: SideRatio;
}

export interface RbacBenchResult {
  peer: string;
  environment: { users: number; roles: number; resources: number; tenants: number; assignments: number };
  connections: number;
  windowMs: number;
  pattern: string;
  cpus: number;
  cases: RbacCase[];
}

/** No Permit PDP runs offline: the only Permit code available here is the `permitio` SDK, the client. */
const PEER = 'no Permit PDP: Permit ships its PDP as a container image, and only the permitio npm SDK (the client) is available offline, so the peer is a floor, not Permit';

/**
 * Permit's decision point (`POST /allowed`, `/allowed/bulk`) on a real `tessera serve` process with
 * a config-declared environment, against a bare Fastify floor answering a constant of the same
 * size, with the same requests (built by the `permitio` SDK), in alternating windows. Before
 * anything is timed, every answer is checked against the environment.
 */
export async function runRbacBench(o: RbacBenchOptions, log: (line: string) => void): Promise<RbacBenchResult> {
  const w = world(o.users);
  log(`  ${PEER}`);
  const single = questions(w, o.distinctRequests, 7001, o.users);
  const bulk = Array.from({ length: o.distinctRequests }, (_, i) => questions(w, o.bulkSize, 9001 + i, o.users));
  const wire = await sdkWire(single, bulk);
  const started = performance.now();
  const tessera = await startTesseraProcess(w.config);
  const load = new LoadGenerator();
  try {
    log(`  Tessera (pid ${tessera.pid}) at ${tessera.url}, ${o.users} users and ${w.assignmentCount} role assignments applied from its config in ${round((performance.now() - started) / 1000, 1)}s`);
    const cases: RbacCase[] = [];
    const defs = [
      { name: 'check', path: '/allowed', checksPerCall: 1, requests: wire.single, asked: single.map((q) => [q]) },
      { name: `bulk ${o.bulkSize}`, path: '/allowed/bulk', checksPerCall: o.bulkSize, requests: wire.bulk, asked: bulk },
    ];
    for (const d of defs) {
      // Every answer is Permit's for the environment as declared, before anything is timed.
      let allows = 0;
      const texts: string[] = [];
      for (const [i, r] of d.requests.entries()) {
        const { text, json } = await post(tessera.url, r);
        texts.push(text);
        const got = d.checksPerCall === 1 ? [(json as { allow?: unknown }).allow] : ((json as { allow?: Array<{ allow?: unknown }> }).allow ?? []).map((x) => x.allow);
        const want = d.asked[i]!.map((q) => expected(w, q));
        if (got.length !== want.length || got.some((g, k) => g !== want[k])) throw new Error(`Tessera's ${d.path} answers differ from the environment's for request ${i}:\nrequest ${r.body}\nexpected ${JSON.stringify(want)}\nTessera ${text}`);
        allows += want.filter(Boolean).length;
      }
      const sizes = texts.map((t) => Buffer.byteLength(t));
      const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
      const floorAnswer = texts[sizes.reduce((best, s, i) => (Math.abs(s - mean) < Math.abs(sizes[best]! - mean) ? i : best), 0)]!;
      const allowShare = round(allows / (d.requests.length * d.checksPerCall), 2);
      log(`  ${d.name}: ${d.requests.length} distinct requests, ${d.requests.length * d.checksPerCall} answers checked against the environment (${Math.round(allowShare * 100)}% allow)`);
      const floor = await startFloor(d.path, floorAnswer);
      try {
        const targets: Record<'floor' | 'tessera', SideTarget> = {
          floor: { url: floor.url, requests: d.requests, mainThread: true },
          tessera: { url: tessera.url, requests: d.requests, externalCpuMs: tessera.cpuMs, mainThread: false },
        };
        const { runs, sequence } = await measureSides(
          load,
          targets,
          { connections: o.connections, windowMs: o.windowMs, pattern: o.pattern, warmupMs: (s) => (s === 'floor' ? Math.max(1000, Math.round(o.warmupMs / 3000) * 1000) : o.warmupMs), label: d.name, unitsPerCall: d.checksPerCall },
          log,
        );
        const sides = { floor: summarizeSide(targets.floor, runs.floor, d.checksPerCall), tessera: summarizeSide(targets.tessera, runs.tessera, d.checksPerCall) };
        cases.push({
          name: d.name,
          path: d.path,
          checksPerCall: d.checksPerCall,
          distinctRequests: d.requests.length,
          allowShare,
          requestBytes: Math.round(d.requests.reduce((a, r) => a + Buffer.byteLength(r.body), 0) / d.requests.length),
          responseBytes: { tessera: Math.round(mean), floor: Buffer.byteLength(floorAnswer) },
          sides,
          tesseraOverFloor: sideRatio(sides.tessera, sides.floor, sequence, 'tessera', 'floor'),
        });
      } finally {
        await floor.close();
      }
    }
    return {
      peer: PEER,
      environment: { users: o.users, roles: ROLES.length, resources: RESOURCES.length, tenants: TENANTS.length, assignments: w.assignmentCount },
      connections: o.connections,
      windowMs: o.windowMs,
      pattern: o.pattern.map((s) => (s === 'floor' ? 'F' : 'T')).join(''),
      cpus: logicalCpus,
      cases,
    };
  } finally {
    await load.close();
    await settle();
    await tessera.close();
  }
}

/** The RBAC part of the printed report. */
export function formatRbacReport(r: RbacBenchResult): string {
  const out: string[] = [];
  const e = r.environment;
  const perSide = r.pattern.length / new Set(r.pattern).size;
  out.push(
    `Permit-style RBAC checks over HTTP (POST /allowed and /allowed/bulk) — PEER: ${r.peer}. ` +
      `Tessera as its own \`tessera serve --config\` process (SQLite file): ${e.users} users, ${e.assignments} role assignments in ${e.tenants} tenants, ${e.roles} roles (with extends and resource:*), ${e.resources} resources; ` +
      `vs a bare Fastify floor in the bench process answering a constant Tessera answer of about the mean size. Requests built by the permitio SDK (Bearer API key, JSON), replayed by autocannon from a worker thread; ` +
      `${r.connections} connections, ${perSide} × ${r.windowMs / 1000}s windows per side (${r.pattern}). Servers and load generator share this machine's ${r.cpus} cores.`,
  );
  for (const c of r.cases) {
    out.push('');
    out.push(`${c.path}, ${c.checksPerCall} check${c.checksPerCall > 1 ? 's' : ''} per call — ${c.distinctRequests} distinct requests, ${Math.round(c.allowShare * 100)}% allow (all checked); request ${c.requestBytes} B, response ${c.responseBytes.tessera} B (floor ${c.responseBytes.floor} B)`);
    const row = (name: string, x: SideSummary) => [
      name,
      fixed(x.callsPerSecond, 0),
      fixed(x.unitsPerSecond, 0),
      fixed(x.latencyMs.p50, 2),
      fixed(x.latencyMs.p99, 2),
      fixed(x.serverCpuUsPerCall / c.checksPerCall, 0),
      fixed(x.serverCores, 2),
      fixed(x.clientCores, 2),
      Number.isFinite(x.otherLoadPercent) ? `${fixed(x.otherLoadPercent, 0)}%` : '–',
      x.failed,
    ];
    out.push(
      table(
        ['', 'calls/s', 'checks/s', 'p50 ms', 'p99 ms', 'server CPU µs/check', 'server cores', 'client cores', 'other load', 'failed'],
        [row('floor: bare Fastify, constant answer', c.sides.floor), row('Tessera (tessera serve)', c.sides.tessera)],
      ),
    );
    out.push(`Tessera / floor: ${ratioText(c.tesseraOverFloor)}`);
    out.push(...sideNotes([['the floor', c.sides.floor], ['Tessera', c.sides.tessera]], r.cpus));
  }
  out.push(
    "(server CPU: the Tessera process, all its threads, with what it finished after each window (decision-log writes); the floor, the bench process' main thread it runs on. client cores: autocannon's worker thread, for every side.)",
  );
  return out.join('\n');
}
