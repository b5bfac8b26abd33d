import { isDeepStrictEqual } from 'node:util';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { CheckResourcesRequest } from '@cerbos/core';
import { HTTP } from '@cerbos/http';
import { LoadGenerator, type LoadRun, startFloor, type WireRequest } from './load.ts';
import { type CerbosPdp, startCerbosPdp } from './cerbos-pdp.ts';
import { startTesseraCerbos, startTesseraWorkers, type TesseraCerbos, type TesseraWorkers } from './cerbos-tessera.ts';
import { settle } from './machine.ts';
import { prng } from './prng.ts';
import { table } from './report.ts';
import { round, summarize, type LatencySummary } from './stats.ts';
import { adjacentRatios, combine, perSecond } from './throughput.ts';

/** `workers`: Tessera as `tessera serve --workers 2`, N processes sharing the port. */
export type CerbosSideName = 'cerbos' | 'tessera' | 'workers' | 'floor';

export const TESSERA_WORKERS = 2;

export interface CerbosBenchOptions {
  /** Concurrent connections of autocannon, the same for every server. */
  connections: number;
  /** Length of each measured window (whole seconds: autocannon counts in seconds). */
  windowMs: number;
  /** Order of the measured windows per case, e.g. C T F F T C, so linear drift falls on every side alike. */
  pattern: CerbosSideName[];
  /** Warm-up of each server before a case's measured windows (the floor gets a third of it). */
  warmupMs: number;
  /** Resources per CheckResources request, one case each. */
  resourcesPerRequest: number[];
  /** Distinct requests per case, replayed round-robin. */
  distinctRequests: number;
}

export interface CerbosSide {
  requestsPerSecond: number;
  /** Resources checked per second (requests × resources per request). */
  checksPerSecond: number;
  /** Action effects decided per second. */
  decisionsPerSecond: number;
  latencyMs: LatencySummary;
  completed: number;
  failed: number;
  firstFailure?: string;
  /** CPU of the server per request: the Cerbos process (all threads), or the main thread Tessera and the floor run on. */
  serverCpuUsPerRequest: number;
  /** The same per resource checked. */
  serverCpuUsPerCheck: number;
  /** Cores the server kept busy on average (server CPU / window time). */
  serverCores: number;
  /** Cores the load generator (autocannon's worker, and this process' other threads) kept busy. */
  clientCores: number;
  /** Share of the machine used by processes other than this one and the Cerbos PDP. */
  otherLoadPercent: number;
  windows: Array<{ requestsPerSecond: number; p50: number; p99: number; otherLoadPercent: number }>;
}

export interface SideRatio {
  /** Throughput of Tessera / throughput of the other side (higher is better for Tessera). */
  throughput: number;
  /** Tessera latency / the other's (lower is better for Tessera). */
  p50: number;
  p99: number;
  /** Tessera server CPU per request / the other's. */
  serverCpu: number;
  /** Throughput ratio per adjacent pair of windows: their spread shows the noise. */
  perPair: number[];
}

export interface CerbosCase {
  resourcesPerRequest: number;
  distinctRequests: number;
  actionsPerResource: number;
  /** Share of the decided actions that are allowed. */
  allowShare: number;
  requestBytes: number;
  responseBytes: Partial<Record<'cerbos' | 'tessera', number>>;
  /** Requests whose whole response (but `cerbosCallId`) differs between the two servers; effects always agree (checked). */
  shapeDifferences: number;
  firstShapeDifference?: { cerbos: unknown; tessera: unknown };
  sides: Partial<Record<CerbosSideName, CerbosSide>>;
  tesseraOverCerbos?: SideRatio;
  workersOverCerbos?: SideRatio;
  tesseraOverFloor?: SideRatio;
}

export interface CerbosBenchResult {
  cerbosVersion: string;
  policy: string;
  connections: number;
  windowMs: number;
  pattern: string;
  cpus: number;
  cases: CerbosCase[];
}

// ---------------------------------------------------------------------------------------------
// The requests: seed 003's contacts app asking about its contacts. Principals as Tessera builds them
// from a Cognito-style ID token (id = sub, roles = cognito:groups, attr = claims), contacts owned by
// the principal about half the time.
// ---------------------------------------------------------------------------------------------

export const SEED_003_POLICIES = fileURLToPath(new URL('../examples/seed-003-contacts/cerbos/', import.meta.url));
const PATH = '/api/check/resources';
const ACTIONS = ['read', 'create', 'update', 'delete'] as const;
const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Leslie', 'Margaret', 'Niklaus'] as const;
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Perlman', 'Lamport', 'Hamilton', 'Wirth'] as const;
const COMPANIES = ['Acme Corp', 'Globex', 'Initech', 'Umbrella', 'Stark Industries', 'Wayne Enterprises', 'Hooli', 'Vandelay Industries'] as const;

class Contacts {
  private readonly pick: (n: number) => number;

  constructor(seed: number) {
    this.pick = prng(seed);
  }

  uuid(): string {
    const hex = Array.from({ length: 32 }, () => this.pick(16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[this.pick(4)]}${hex.slice(17, 20)}-${hex.slice(20)}`;
  }

  /** One in five principals is an admin. */
  principal(): CheckResourcesRequest['principal'] {
    const p = this.pick;
    const given = FIRST[p(FIRST.length)]!;
    const family = LAST[p(LAST.length)]!;
    const username = `${given}.${family}${p(100)}`.toLowerCase();
    const admin = p(5) === 0;
    return {
      id: this.uuid(),
      roles: [admin ? 'admin' : 'user'],
      attr: {
        email: `${username}@contacts.example`,
        email_verified: true,
        'cognito:username': username,
        given_name: given,
        family_name: family,
        token_use: 'id',
        auth_time: 1_780_000_000 + p(1_000_000),
      },
    };
  }

  /** A contact owned by the principal half the time; half the checks ask one action, the rest all four (a detail page's buttons). */
  resource(principalId: string): CheckResourcesRequest['resources'][number] {
    const p = this.pick;
    const given = FIRST[p(FIRST.length)]!;
    const family = LAST[p(LAST.length)]!;
    const actions = p(2) === 0 ? [ACTIONS[p(ACTIONS.length)]!] : [...ACTIONS];
    return {
      resource: {
        kind: 'contact',
        id: this.uuid(),
        attr: {
          owner: p(2) === 0 ? principalId : this.uuid(),
          name: `${given} ${family}`,
          email: `${given}.${family}@${COMPANIES[p(COMPANIES.length)]!.toLowerCase().replace(/\W+/g, '')}.example`.toLowerCase(),
          company: COMPANIES[p(COMPANIES.length)]!,
          marketingOptIn: p(3) === 0,
          createdAt: new Date(Date.UTC(2025, p(12), 1 + p(28), p(24), p(60))).toISOString(),
        },
      },
      actions,
    };
  }

  request(n: number, resources: number): CheckResourcesRequest {
    const principal = this.principal();
    return {
      requestId: `bench-${resources}-${n}`,
      principal,
      resources: Array.from({ length: resources }, () => this.resource(principal.id)),
    };
  }
}

class Captured extends Error {}

/**
 * The requests exactly as `@cerbos/http` puts them on the wire (its JSON, its User-Agent), taken at
 * its call to `fetch`. It hands `fetch` a string body, which `fetch` sends as text/plain;charset=UTF-8.
 */
async function wireRequests(requests: CheckResourcesRequest[]): Promise<WireRequest[]> {
  const realFetch = globalThis.fetch;
  let last: { url: string; init: RequestInit } | undefined;
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    last = { url: String(input), init: init ?? {} };
    throw new Captured('captured');
  }) as typeof fetch;
  const wire: WireRequest[] = [];
  try {
    const client = new HTTP('http://127.0.0.1:1');
    for (const request of requests) {
      last = undefined;
      await client.checkResources(request).catch(() => undefined);
      if (!last) throw new Error('@cerbos/http sent nothing to capture');
      const { url, init } = last as { url: string; init: RequestInit };
      if (init.method !== 'POST' || typeof init.body !== 'string') throw new Error(`@cerbos/http sent an unexpected request: ${init.method} ${typeof init.body}`);
      const headers: Record<string, string> = { 'content-type': 'text/plain;charset=UTF-8' };
      new Headers(init.headers).forEach((value, name) => {
        headers[name] = value;
      });
      wire.push({ path: new URL(url).pathname, headers, body: init.body });
    }
  } finally {
    globalThis.fetch = realFetch;
  }
  if (wire[0]!.path !== PATH) throw new Error(`@cerbos/http posted to ${wire[0]!.path}, not ${PATH}`);
  return wire;
}

/** The fixed request set of one case: the same `n` requests with `resources` contacts each, every run. */
export async function cerbosRequestSet(resources: number, n: number): Promise<{ requests: CheckResourcesRequest[]; wire: WireRequest[] }> {
  const contacts = new Contacts(20261125 + resources);
  const requests = Array.from({ length: n }, (_, i) => contacts.request(i, resources));
  return { requests, wire: await wireRequests(requests) };
}

interface CheckResponse {
  requestId?: string;
  results?: Array<{ resource?: { id?: string; kind?: string }; actions?: Record<string, string> }>;
  cerbosCallId?: string;
}

async function send(url: string, r: WireRequest): Promise<{ text: string; json: CheckResponse }> {
  const res = await fetch(url + r.path, { method: 'POST', headers: r.headers, body: r.body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${url}${r.path} answered ${res.status}: ${text}`);
  return { text, json: JSON.parse(text) as CheckResponse };
}

/** The effects of one response, resource by resource, for comparison. */
function effects(r: CheckResponse): Array<{ id: string | undefined; kind: string | undefined; actions: Record<string, string> }> {
  return (r.results ?? []).map((x) => ({ id: x.resource?.id, kind: x.resource?.kind, actions: x.actions ?? {} }));
}

// ---------------------------------------------------------------------------------------------

const logicalCpus = cpus().length;

function side(runs: LoadRun[], external: boolean, resources: number, actions: number): CerbosSide {
  const all = combine(runs);
  const latency = summarize(all.latencies);
  const n = Math.max(1, all.completed);
  const serverMs = (r: LoadRun & { externalCpuMs?: number }) => (external ? (r.externalCpuMs ?? Number.NaN) : r.cpu.mainThreadMs);
  const serverCpuMs = runs.reduce((a, r) => a + serverMs(r), 0);
  const clientCpuMs = all.cpu.processCpuMs - all.cpu.mainThreadMs;
  // For a Cerbos window the PDP's CPU is not "other" load: it is the server under test.
  const other = (r: LoadRun) => Math.max(0, r.cpu.otherLoadPercent - (external ? (serverMs(r) / (r.elapsedMs * logicalCpus)) * 100 : 0));
  const otherLoadPercent = runs.reduce((a, r) => a + other(r) * r.elapsedMs, 0) / all.elapsedMs;
  const firstFailure = runs.find((r) => r.firstFailure)?.firstFailure;
  return {
    requestsPerSecond: round(perSecond(all), 1),
    checksPerSecond: round(perSecond(all) * resources, 1),
    decisionsPerSecond: round(perSecond(all) * resources * actions, 1),
    latencyMs: { ...latency, p50: round(latency.p50, 3), p99: round(latency.p99, 3), mean: round(latency.mean, 3), max: round(latency.max, 3) },
    completed: all.completed,
    failed: all.failed,
    ...(firstFailure ? { firstFailure } : {}),
    serverCpuUsPerRequest: round((serverCpuMs / n) * 1000, 1),
    serverCpuUsPerCheck: round((serverCpuMs / n / resources) * 1000, 1),
    serverCores: round(serverCpuMs / all.elapsedMs, 2),
    clientCores: round(clientCpuMs / all.elapsedMs, 2),
    otherLoadPercent: round(otherLoadPercent, 1),
    windows: runs.map((r) => {
      const s = summarize(r.latencies);
      return { requestsPerSecond: round(perSecond(r), 1), p50: round(s.p50, 3), p99: round(s.p99, 3), otherLoadPercent: round(other(r), 1) };
    }),
  };
}

function ratio(t: CerbosSide, o: CerbosSide, sequence: Array<{ side: CerbosSideName; run: LoadRun }>, other: CerbosSideName, mine: CerbosSideName = 'tessera'): SideRatio {
  const perPair = adjacentRatios(sequence, mine, other);
  return {
    throughput: round(t.requestsPerSecond / o.requestsPerSecond),
    p50: round(t.latencyMs.p50 / o.latencyMs.p50),
    p99: round(t.latencyMs.p99 / o.latencyMs.p99),
    serverCpu: round(t.serverCpuUsPerRequest / o.serverCpuUsPerRequest),
    perPair,
  };
}

function logWindow(log: (line: string) => void, name: string, run: LoadRun & { externalCpuMs: number }, external: boolean, resources: number): void {
  const s = summarize(run.latencies);
  const serverMs = external ? run.externalCpuMs : run.cpu.mainThreadMs;
  const rps = perSecond(run);
  log(
    `    ${name.padEnd(22)} ${round(rps, 0)} req/s${resources > 1 ? ` (${round(rps * resources, 0)} checks/s)` : ''}  p50 ${round(s.p50, 2)} ms  p99 ${round(s.p99, 2)} ms  server ${round((serverMs / Math.max(1, run.completed)) * 1000, 0)} µs/req, ${round(serverMs / run.elapsedMs, 2)} cores` +
      `${run.failed ? `  (${run.failed} failed, first: ${run.firstFailure ?? 'connection error'})` : ''}`,
  );
}

/**
 * CheckResources over HTTP against the real Cerbos PDP (separate process, disk store), Tessera
 * (in-process on the main thread) and a bare Fastify floor answering a constant, for seed 003's
 * `contact` policy and the same requests, built by `@cerbos/http` and replayed by autocannon from a
 * worker thread, in alternating windows. Before anything is timed, both servers must give the same
 * effects for every request of the set.
 */
export async function runCerbosBench(o: CerbosBenchOptions, log: (line: string) => void): Promise<CerbosBenchResult> {
  const want = new Set(o.pattern);
  const pdp: CerbosPdp | undefined = want.has('cerbos') ? await startCerbosPdp(SEED_003_POLICIES) : undefined;
  let tessera: TesseraCerbos | undefined;
  let workers: TesseraWorkers | undefined;
  const load = new LoadGenerator();
  try {
    if (pdp) log(`  Cerbos ${pdp.version} PDP (pid ${pdp.pid}) at ${pdp.url}`);
    if (want.has('tessera')) {
      tessera = await startTesseraCerbos(SEED_003_POLICIES);
      log(`  Tessera at ${tessera.url}`);
    }
    if (want.has('workers')) {
      workers = await startTesseraWorkers(SEED_003_POLICIES, TESSERA_WORKERS);
      log(`  Tessera --workers ${TESSERA_WORKERS} (pids ${workers.pids.join(' ')}) at ${workers.url}`);
    }
    const cases: CerbosCase[] = [];
    for (const resources of o.resourcesPerRequest) {
      const { requests, wire } = await cerbosRequestSet(resources, o.distinctRequests);
      const actionsPerResource = requests.reduce((a, r) => a + r.resources.reduce((b, x) => b + x.actions.length, 0), 0) / (requests.length * resources);

      // Same effects from both servers for every request, before anything is timed.
      let allows = 0;
      let decided = 0;
      let shapeDifferences = 0;
      let firstShapeDifference: CerbosCase['firstShapeDifference'];
      const responseBytes: CerbosCase['responseBytes'] = {};
      let floorAnswer: string | undefined;
      for (const [i, r] of wire.entries()) {
        const c = pdp ? await send(pdp.url, r) : undefined;
        const t = tessera ? await send(tessera.url, r) : undefined;
        const reference = c ?? t!;
        const got = effects(reference.json);
        if (got.length !== resources) throw new Error(`${c ? 'Cerbos' : 'Tessera'} returned ${got.length} results for ${resources} resources: ${reference.text}`);
        for (const [k, x] of got.entries()) {
          const asked = requests[i]!.resources[k]!;
          if (x.id !== asked.resource.id || Object.keys(x.actions).length !== asked.actions.length) throw new Error(`result ${k} does not answer resource ${k} (${asked.resource.id}): ${reference.text}`);
          for (const effect of Object.values(x.actions)) {
            decided++;
            if (effect === 'EFFECT_ALLOW') allows++;
          }
        }
        const w = workers ? await send(workers.url, r) : undefined;
        if (w && !isDeepStrictEqual(effects(reference.json), effects(w.json))) {
          throw new Error(`Tessera --workers' effects differ for request ${i}:\nrequest ${r.body}\nreference ${reference.text}\nworkers   ${w.text}`);
        }
        if (c && t) {
          if (!isDeepStrictEqual(effects(c.json), effects(t.json))) {
            throw new Error(`Tessera's effects differ from Cerbos' for request ${i}:\nrequest ${r.body}\nCerbos  ${c.text}\nTessera ${t.text}`);
          }
          const { cerbosCallId: _c, ...cRest } = c.json;
          const { cerbosCallId: _t, ...tRest } = t.json;
          if (!isDeepStrictEqual(cRest, tRest)) {
            shapeDifferences++;
            firstShapeDifference ??= { cerbos: cRest, tessera: tRest };
          }
        }
        if (i === 0) {
          if (c) responseBytes.cerbos = Buffer.byteLength(c.text);
          if (t) responseBytes.tessera = Buffer.byteLength(t.text);
          floorAnswer = reference.text;
        }
      }
      const allowShare = round(allows / decided, 2);
      log(
        `  ${resources} resource${resources > 1 ? 's' : ''} per request, ${wire.length} requests: ${pdp && tessera ? 'Cerbos and Tessera agree on' : 'checked'} ${decided} effects (${Math.round(allowShare * 100)}% allow)` +
          `${shapeDifferences ? `; whole responses differ for ${shapeDifferences} requests, first: Cerbos ${JSON.stringify(firstShapeDifference!.cerbos)} Tessera ${JSON.stringify(firstShapeDifference!.tessera)}` : ''}`,
      );

      const floor = want.has('floor') ? await startFloor(PATH, floorAnswer!) : undefined;
      try {
        const urls: Partial<Record<CerbosSideName, string>> = { cerbos: pdp?.url, tessera: tessera?.url, workers: workers?.url, floor: floor?.url };
        const externalCpu: Partial<Record<CerbosSideName, () => number>> = { ...(pdp && { cerbos: pdp.cpuMs }), ...(workers && { workers: workers.cpuMs }) };
        const window = (s: CerbosSideName, durationMs: number) => load.run({ url: urls[s]!, connections: o.connections, durationMs, requests: wire }, externalCpu[s]);
        const order: CerbosSideName[] = (['cerbos', 'tessera', 'workers', 'floor'] as const).filter((s) => want.has(s));
        const warmup = (s: CerbosSideName) => (s === 'floor' ? Math.max(1000, Math.round(o.warmupMs / 3000) * 1000) : o.warmupMs);
        log(`  warm-up: ${order.map((s) => `${s} ${warmup(s) / 1000}s`).join(', ')}`);
        for (const s of order) {
          await window(s, warmup(s));
          await settle();
        }
        const runs: Record<CerbosSideName, LoadRun[]> = { cerbos: [], tessera: [], workers: [], floor: [] };
        const sequence: Array<{ side: CerbosSideName; run: LoadRun }> = [];
        for (const s of o.pattern) {
          const run = await window(s, o.windowMs);
          await settle();
          runs[s].push(run);
          sequence.push({ side: s, run });
          logWindow(log, `${resources}×${s}`, run, s in externalCpu, resources);
        }
        const sides: CerbosCase['sides'] = {};
        for (const s of order) sides[s] = side(runs[s], s in externalCpu, resources, actionsPerResource);
        const result: CerbosCase = {
          resourcesPerRequest: resources,
          distinctRequests: wire.length,
          actionsPerResource: round(actionsPerResource, 2),
          allowShare,
          requestBytes: Math.round(wire.reduce((a, r) => a + Buffer.byteLength(r.body), 0) / wire.length),
          responseBytes,
          shapeDifferences,
          ...(firstShapeDifference ? { firstShapeDifference } : {}),
          sides,
        };
        if (sides.tessera && sides.cerbos) result.tesseraOverCerbos = ratio(sides.tessera, sides.cerbos, sequence, 'cerbos');
        if (sides.tessera && sides.floor) result.tesseraOverFloor = ratio(sides.tessera, sides.floor, sequence, 'floor');
        if (sides.workers && sides.cerbos) result.workersOverCerbos = ratio(sides.workers, sides.cerbos, sequence, 'cerbos', 'workers');
        cases.push(result);
      } finally {
        await floor?.close();
      }
    }
    return {
      cerbosVersion: pdp?.version ?? 'not run',
      policy: 'examples/seed-003-contacts/cerbos/contact.yaml',
      connections: o.connections,
      windowMs: o.windowMs,
      pattern: o.pattern.map((s) => s[0]!.toUpperCase()).join(''),
      cpus: logicalCpus,
      cases,
    };
  } finally {
    await load.close();
    await settle();
    await tessera?.close();
    await workers?.close();
    await pdp?.close();
  }
}

// ---------------------------------------------------------------------------------------------

const fixed = (n: number | undefined, d = 1) => (n !== undefined && Number.isFinite(n) ? n.toFixed(d) : '–');
/** Above this share of the machine used by other processes, figures are flagged as noisy. */
const BUSY_PERCENT = 15;

/** The Cerbos part of the printed report. */
export function formatCerbosReport(r: CerbosBenchResult): string {
  const out: string[] = [];
  const perSide = r.pattern.length / new Set(r.pattern).size;
  out.push(
    `Cerbos CheckResources over HTTP — ${r.policy} (roles admin/user, owner condition in CEL); the real Cerbos ${r.cerbosVersion} PDP (Go, its own process, disk store, audit off) ` +
      `vs Tessera (in-process, SQLite file; and as \`tessera serve --workers ${TESSERA_WORKERS}\`, its processes sharing the port) vs a bare Fastify floor answering Cerbos' constant response. Requests built by @cerbos/http (text/plain JSON), replayed by autocannon ` +
      `from a worker thread; ${r.connections} connections, ${perSide} × ${r.windowMs / 1000}s windows per side (${r.pattern}). ` +
      `Server and load generator share this machine's ${r.cpus} cores: the figures are for this box as a whole, not for a dedicated PDP.`,
  );
  const names: Record<CerbosSideName, string> = { cerbos: `Cerbos ${r.cerbosVersion} PDP`, tessera: 'Tessera', workers: `Tessera --workers ${TESSERA_WORKERS}`, floor: 'floor: bare Fastify, constant answer' };
  for (const c of r.cases) {
    out.push('');
    out.push(
      `${c.resourcesPerRequest} resource${c.resourcesPerRequest > 1 ? 's' : ''} per request — ${c.distinctRequests} distinct requests, ${fixed(c.actionsPerResource, 2)} actions per resource, ${Math.round(c.allowShare * 100)}% allow; ` +
        `request ${c.requestBytes} B, response ${c.responseBytes.cerbos ?? '–'} B from Cerbos, ${c.responseBytes.tessera ?? '–'} B from Tessera` +
        (c.sides.cerbos && c.sides.tessera ? `; effects checked equal for every request${c.shapeDifferences ? ` (whole responses differ for ${c.shapeDifferences})` : ', whole responses equal but cerbosCallId'}` : ''),
    );
    const rows = (['cerbos', 'tessera', 'workers', 'floor'] as const).flatMap((s) => {
      const x = c.sides[s];
      if (!x) return [];
      return [
        [
          names[s],
          fixed(x.requestsPerSecond, 0),
          fixed(x.checksPerSecond, 0),
          fixed(x.latencyMs.p50, 2),
          fixed(x.latencyMs.p99, 2),
          fixed(x.serverCpuUsPerCheck, 0),
          fixed(x.serverCores, 2),
          fixed(x.clientCores, 2),
          Number.isFinite(x.otherLoadPercent) ? `${fixed(x.otherLoadPercent, 0)}%` : '–',
          x.failed,
        ],
      ];
    });
    out.push(table(['', 'requests/s', 'checks/s', 'p50 ms', 'p99 ms', 'server CPU µs/check', 'server cores', 'client cores', 'other load', 'failed'], rows));
    const line = (name: string, x: SideRatio | undefined, aim: string) =>
      x &&
      out.push(
        `${name}: throughput ×${fixed(x.throughput, 2)}, p50 ×${fixed(x.p50, 2)}, p99 ×${fixed(x.p99, 2)}${aim}, server CPU/request ×${fixed(x.serverCpu, 2)}  (throughput per adjacent window pair: ${x.perPair.map((v) => `×${fixed(v, 2)}`).join(', ')})`,
      );
    line('Tessera / Cerbos', c.tesseraOverCerbos, '  (aim: throughput ≥ ×5 at p99 < ×1)');
    line(`Tessera --workers ${TESSERA_WORKERS} / Cerbos`, c.workersOverCerbos, '  (aim: throughput ≥ ×5 at p99 < ×1)');
    line('Tessera / floor', c.tesseraOverFloor, '');
    const failed = Object.values(c.sides).reduce((a, x) => a + x.failed, 0);
    if (failed > 0) out.push(`note: ${failed} requests failed (not 200); first: ${Object.values(c.sides).find((x) => x.firstFailure)?.firstFailure ?? 'connection error or timeout'}. These figures do not measure correct answers.`);
    const busiest = Math.max(...Object.values(c.sides).map((x) => x.otherLoadPercent));
    if (busiest > BUSY_PERCENT) out.push(`note: other processes used up to ${fixed(busiest, 0)}% of the machine during these windows; throughput figures are noisy`);
    const idle = (['tessera', 'floor'] as const).filter((s) => (c.sides[s]?.serverCores ?? 1) < 0.85);
    if (idle.length) {
      out.push(
        `note: ${idle.map((s) => `${s === 'floor' ? 'the floor' : 'Tessera'} kept its thread busy only ${fixed(c.sides[s]!.serverCores * 100, 0)}% of the time`).join(', ')}: ` +
          `the load generator, the kernel's network work and any other process held the ${r.cpus} cores the rest of the time, so that throughput understates the server alone; its server CPU per check does not depend on that`,
      );
    }
  }
  out.push(`(server CPU: the Cerbos process, all its threads; Tessera --workers ${TESSERA_WORKERS}, all its processes; Tessera and the floor, the main thread they run on. client cores: autocannon\'s worker thread, for every side.)`);
  return out.join('\n');
}
