/**
 * Where Tessera spends its CheckResources time: the seed 003 requests of the Cerbos bench, replayed by
 * autocannon (worker thread) against an in-process Tessera while the inspector samples the main
 * thread. Prints the time by area (decision log, policy evaluation, wire, HTTP…) per request, the top
 * functions by self time with their TypeScript file:line, and self time per file; writes the
 * .cpuprofile (for Chrome DevTools or speedscope) next to the bench results.
 *
 *   node --harmony-json-parse-with-source --enable-source-maps --import tsx bench/cerbos-profile.ts [resources per request, default 1] [seconds, default 8] [tessera|floor]
 *
 * `floor` profiles the bench's bare Fastify floor instead (Cerbos' answer to the first request, constant), to tell HTTP's share from Tessera's.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { findSourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { LoadGenerator, startFloor, type WireRequest } from './load.ts';
import { startTesseraCerbos } from './cerbos-tessera.ts';
import { cerbosRequestSet, SEED_003_POLICIES } from './cerbos.ts';
import { settle } from './machine.ts';
import { perSecond } from './throughput.ts';
import { summarize } from './stats.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** file:line of a call frame, through the module's source map when it has one (tsx's, for .ts files). */
function where(frame: ProfileNode['callFrame']): string {
  const { url, lineNumber, columnNumber } = frame;
  if (!url) return '(native)';
  let file = url;
  let line = lineNumber + 1;
  try {
    const map = url.startsWith('file:') ? findSourceMap(url) ?? findSourceMap(fileURLToPath(url)) : undefined;
    const entry = map?.findEntry(lineNumber, columnNumber) as { originalSource?: string; originalLine?: number } | undefined;
    if (entry?.originalSource) {
      file = entry.originalSource;
      line = (entry.originalLine ?? 0) + 1;
    }
  } catch {
    // no source map: generated positions
  }
  if (file.startsWith('file:')) file = fileURLToPath(file);
  if (file.startsWith(ROOT)) file = relative(ROOT, file);
  return `${file}:${line}`;
}

/**
 * Where a sample's time goes, by the first area (in this order) any frame of its stack belongs to.
 * Async work (the decision log's batched insert) runs from the microtask queue, so it is found by
 * its own frames, not by the request that caused it.
 */
const AREAS: Array<[string, (f: ProfileNode['callFrame']) => boolean]> = [
  ['Cerbos call id (crypto random per response)', (f) => f.functionName === 'callId'],
  ['decision log (kysely + SQLite insert)', (f) => /kysely|better-sqlite3|decision-log/.test(f.url)],
  ['policy evaluation (src/authz/cerbos, CEL)', (f) => /src\/authz\/cerbos|@bufbuild\/cel/.test(f.url) && f.functionName !== 'checkResources'],
  ['CerbosPdp.checkResources itself', (f) => /src\/authz\/cerbos\/pdp/.test(f.url)],
  ['request JSON.parse + Cerbos wire read/write', (f) => f.functionName === 'parseBody' || /check-wire/.test(f.url)],
  ['response JSON.stringify (Fastify serialize)', (f) => f.functionName === 'serialize' && /fastify/.test(f.url)],
  ['socket writes (writev)', (f) => f.functionName === 'writev' || f.functionName === 'writevGeneric'],
];

function summarise(p: Profile, top: number, requests: number): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = new Map<number, string>();
  const name = (n: ProfileNode): string => {
    let l = label.get(n.id);
    if (l === undefined) {
      const f = n.callFrame;
      // A native function (no url) is named with the JavaScript that called it.
      const caller = f.url ? undefined : byId.get(parent.get(n.id) ?? -1);
      l = f.url || !caller?.callFrame.url ? `${f.functionName || '(anonymous)'}  ${where(f)}` : `${f.functionName} (native) from ${caller.callFrame.functionName || '(anonymous)'}  ${where(caller.callFrame)}`;
      label.set(n.id, l);
    }
    return l;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const perFile = new Map<string, number>();
  const areas = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, dt: number) => m.set(k, (m.get(k) ?? 0) + dt);
  let all = 0;
  let idle = 0;
  p.samples.forEach((id, i) => {
    const dt = (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(id)!;
    all += dt;
    if (node.callFrame.functionName === '(idle)') {
      idle += dt;
      return;
    }
    add(self, name(node), dt);
    add(perFile, node.callFrame.url ? where(node.callFrame).replace(/:\d+$/, '') : node.callFrame.functionName, dt);
    const stack: ProfileNode[] = [];
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at)!;
      stack.push(n);
      const k = name(n);
      if (seen.has(k)) continue;
      seen.add(k);
      add(total, k, dt);
    }
    const leaf = node.callFrame.functionName;
    const area = leaf === '(garbage collector)' || leaf === '(program)' ? leaf : (AREAS.find(([, test]) => stack.some((n) => test(n.callFrame)))?.[0] ?? 'the rest: Fastify and node:http');
    add(areas, area, dt);
  });
  const busy = all - idle;
  const pct = (ms: number) => `${((ms / busy) * 100).toFixed(1).padStart(5)}%`;
  const perRequest = (ms: number) => (requests > 0 ? `  ${((ms * 1000) / requests).toFixed(1).padStart(7)} µs/req` : '');
  const list = (m: Map<string, number>, n: number, per = false) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, ms]) => `  ${pct(ms)}  ${ms.toFixed(0).padStart(6)} ms${per ? perRequest(ms) : ''}  ${k}`)
      .join('\n');
  const tessera = new Map([...total.entries()].filter(([k]) => k.includes(' src/')));
  return [
    `main thread: ${all.toFixed(0)} ms sampled, ${busy.toFixed(0)} ms not idle (${((busy / all) * 100).toFixed(0)}%), ${requests} requests; shares below are of the time not idle`,
    '(samples are wall-clock: time the thread waited for a core, or in a blocking syscall such as an fsync, counts where it happened)',
    '',
    'by area:',
    list(areas, 20, true),
    '',
    `top ${top} by self time:`,
    list(self, top),
    '',
    'self time per file:',
    list(perFile, 20),
    '',
    `top ${top} Tessera (src/) functions by total time (self + callees; async continuations not included):`,
    list(tessera, top),
  ].join('\n');
}

/** The floor, answering with Tessera's response to the first request (the same as Cerbos', which the bench checks). */
async function floorServer(first: WireRequest): Promise<{ url: string; policies: number; close(): Promise<void> }> {
  const t = await startTesseraCerbos(SEED_003_POLICIES);
  let answer: string;
  try {
    answer = await (await fetch(t.url + first.path, { method: 'POST', headers: first.headers, body: first.body })).text();
  } finally {
    await t.close();
  }
  return { ...(await startFloor(first.path, answer)), policies: 0 };
}

async function main(): Promise<void> {
  const resources = Number(process.argv[2] ?? 1);
  const seconds = Number(process.argv[3] ?? 8);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const target = process.argv[4] ?? 'tessera';
  if (target !== 'tessera' && target !== 'floor') throw new Error(`profile tessera or floor, not ${target}`);
  const { wire } = await cerbosRequestSet(resources, 500);
  const tessera = target === 'tessera' ? await startTesseraCerbos(SEED_003_POLICIES) : await floorServer(wire[0]!);
  const load = new LoadGenerator();
  const session = new Session();
  try {
    session.connect();
    log(`${target} at ${tessera.url}; warm-up 3s…`);
    await load.run({ url: tessera.url, connections: 50, durationMs: 3_000, requests: wire });
    await settle();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    const run = await load.run({ url: tessera.url, connections: 50, durationMs: seconds * 1000, requests: wire });
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
    const s = summarize(run.latencies);
    log(`profiled ${seconds}s, ${resources} resource(s) per request: ${perSecond(run).toFixed(0)} req/s, p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, ${run.failed} failed (profiler on)`);
    const dir = fileURLToPath(new URL('./results/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    const out = `${dir}cerbos-${target}-${resources}.cpuprofile`;
    writeFileSync(out, JSON.stringify(profile));
    process.stdout.write(`${summarise(profile, 30, run.completed)}\n\nprofile: ${out}\n`);
  } finally {
    session.disconnect();
    await load.close();
    await settle();
    await tessera.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`profile failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
