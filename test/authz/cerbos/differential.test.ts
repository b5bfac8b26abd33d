/**
 * Differential test: Tessera's Cerbos-compatible API against the real Cerbos PDP (the pinned
 * `@cerbos/cerbos-linux-x64` binary, started by ../../support/cerbos-pdp.ts).
 *
 * Two policy directories, each served by both a Cerbos PDP and a Tessera:
 * - test/fixtures/cerbos-corpus/policies: resource policies over several kinds with scopes (override
 *   and parental-consent chains), versions, action globs, deny-overrides, outputs; derived roles;
 *   principal policies; exported variables and constants. A seeded generator (./differential/requests.ts)
 *   makes TESSERA_CERBOS_DIFF_N CheckResources bodies (default 3000) and TESSERA_CERBOS_DIFF_PLAN_N
 *   PlanResources bodies (default 200; skipped while Tessera has no such route).
 * - test/fixtures/cerbos-corpus/probes: one resource kind whose actions each evaluate one CEL expression
 *   into a rule output (values, rendering and error texts) or a condition; TESSERA_CERBOS_DIFF_PROBE_N
 *   CheckResources bodies (default 400). Kept apart so that a function Tessera cannot load there does
 *   not stop the main corpus from loading.
 *
 * Each body goes to both servers; the HTTP status and the parsed JSON answer must be equal, apart from
 * what is inherently nondeterministic (see ./differential/compare.ts: `cerbosCallId`, the order of
 * `effectiveDerivedRoles`, the field order of `struct` nodes and the value of `now()` in plan filters).
 * On mismatch the first few requests are printed with both answers and the paths that differ, then
 * counts of mismatching requests by path, and the test fails with the count.
 *
 * Knobs: TESSERA_CERBOS_DIFF_SEED (default 20210210); TESSERA_CERBOS_DIFF_POLICIES /
 * TESSERA_CERBOS_DIFF_PROBES to point a suite at another directory (e.g. a reduced copy);
 * TESSERA_CERBOS_DIFF_DUMP=<prefix> to write every mismatch as JSON to <prefix>_<suite>.json.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CerbosPdp, startCerbosPdp } from '../../support/cerbos-pdp.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';
import { diffPaths, type HttpAnswer, type JsonValue, normaliseCheck, normalisePlanKind, normaliseProbe, pathCategory } from './differential/compare.ts';
import { checkRequests, planRequests, probeRequests } from './differential/requests.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/cerbos-corpus/${name}`, import.meta.url));
const POLICIES = process.env.TESSERA_CERBOS_DIFF_POLICIES ?? fixture('policies');
const PROBES = process.env.TESSERA_CERBOS_DIFF_PROBES ?? fixture('probes');
const N = Number(process.env.TESSERA_CERBOS_DIFF_N ?? 3000);
const PLAN_N = Number(process.env.TESSERA_CERBOS_DIFF_PLAN_N ?? 200);
const PROBE_N = Number(process.env.TESSERA_CERBOS_DIFF_PROBE_N ?? 400);
const SEED = Number(process.env.TESSERA_CERBOS_DIFF_SEED ?? 20210210);
const DUMP = process.env.TESSERA_CERBOS_DIFF_DUMP;
const CONCURRENCY = 8;
/** How many mismatching requests are printed in full. */
const SHOW = 5;

interface Pair {
  pdp: CerbosPdp;
  tessera: TestServer;
}

/** Starts a Cerbos PDP and a Tessera over the same policy directory; stops whichever started if the other fails. */
async function startPair(policiesDir: string): Promise<Pair> {
  const [pdp, tessera] = await Promise.allSettled([startCerbosPdp({ policiesDir }), startTestServer({ cerbos: { policiesDir } })]);
  if (pdp.status === 'fulfilled' && tessera.status === 'fulfilled') return { pdp: pdp.value, tessera: tessera.value };
  await Promise.allSettled([pdp.status === 'fulfilled' && pdp.value.close(), tessera.status === 'fulfilled' && tessera.value.close()]);
  throw pdp.status === 'rejected' ? pdp.reason : (tessera as PromiseRejectedResult).reason;
}

async function post(url: string, body: unknown): Promise<HttpAnswer> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(text) as JsonValue;
  } catch {
    parsed = { unparsable: text };
  }
  return { status: res.status, body: parsed };
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping the order of results. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

interface Mismatch {
  index: number;
  request: unknown;
  cerbos: HttpAnswer;
  tessera: HttpAnswer;
  paths: string[];
}

/** Sends every body to both servers and returns the mismatches and a printable report. */
async function differential(
  pair: Pair,
  suite: string,
  path: string,
  bodies: readonly unknown[],
  normalise: (a: HttpAnswer) => HttpAnswer,
): Promise<{ mismatches: Mismatch[]; report: string }> {
  const answers = await mapLimit(bodies, CONCURRENCY, async (body) => {
    const [c, t] = await Promise.all([post(`${pair.pdp.url}${path}`, body), post(`${pair.tessera.url}${path}`, body)]);
    return { cerbos: normalise(c), tessera: normalise(t) };
  });
  const mismatches: Mismatch[] = [];
  answers.forEach((a, index) => {
    if (isDeepStrictEqual(a.cerbos, a.tessera)) return;
    const paths = diffPaths(a.cerbos as unknown as JsonValue, a.tessera as unknown as JsonValue);
    mismatches.push({ index, request: bodies[index], cerbos: a.cerbos, tessera: a.tessera, paths });
  });
  if (DUMP) writeFileSync(`${DUMP}_${suite}.json`, JSON.stringify(mismatches, null, 1));
  const categories = new Map<string, number>();
  for (const m of mismatches) for (const p of new Set(m.paths.map(pathCategory))) categories.set(p, (categories.get(p) ?? 0) + 1);
  const lines: string[] = [];
  for (const m of mismatches.slice(0, SHOW)) {
    lines.push(
      `--- ${suite}: ${path} request #${m.index} (differs at: ${m.paths.join(', ')})`,
      `request: ${JSON.stringify(m.request)}`,
      `cerbos:  ${JSON.stringify(m.cerbos)}`,
      `tessera: ${JSON.stringify(m.tessera)}`,
    );
  }
  if (mismatches.length > 0) {
    lines.push(`--- ${suite}: ${mismatches.length}/${bodies.length} ${path} requests differ; requests per differing path ("only in first" = only Cerbos):`);
    for (const [p, n] of [...categories].sort((a, b) => b[1] - a[1])) lines.push(`  ${String(n).padStart(5)}  ${p}`);
  }
  return { mismatches, report: lines.join('\n') };
}

async function expectSameAnswers(pair: Pair, suite: string, path: string, bodies: readonly unknown[], normalise: (a: HttpAnswer) => HttpAnswer) {
  const { mismatches, report } = await differential(pair, suite, path, bodies, normalise);
  if (mismatches.length > 0) console.error(report);
  expect(mismatches.length, `${suite}: ${mismatches.length} of ${bodies.length} ${path} answers differ from Cerbos (details above)`).toBe(0);
}

describe('Cerbos API: differential against the real Cerbos PDP over the policy corpus', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair(POLICIES);
  }, 60_000);
  afterAll(async () => {
    await Promise.allSettled([pair?.pdp.close(), pair?.tessera.close()]);
  });

  it(`answers ${N} generated CheckResources requests as Cerbos does (seed ${SEED})`, async () => {
    await expectSameAnswers(pair, 'check', '/api/check/resources', checkRequests(SEED, N), normaliseCheck);
  });

  it(`answers ${PLAN_N} generated PlanResources requests with Cerbos' kind of filter (seed ${SEED + 1})`, async (ctx) => {
    const bodies = planRequests(SEED + 1, PLAN_N);
    // Skipped, not failed, while Tessera has no PlanResources route at all.
    if ((await post(`${pair.tessera.url}/api/plan/resources`, bodies[0])).status === 404) ctx.skip('Tessera serves no /api/plan/resources');
    await expectSameAnswers(pair, 'plan', '/api/plan/resources', bodies, normalisePlanKind);
  });
});

describe('Cerbos API: differential against the real Cerbos PDP over CEL probes', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair(PROBES);
  }, 60_000);
  afterAll(async () => {
    await Promise.allSettled([pair?.pdp.close(), pair?.tessera.close()]);
  });

  it(`evaluates ${PROBE_N} generated probe requests as Cerbos does (seed ${SEED + 2})`, async () => {
    await expectSameAnswers(pair, 'probes', '/api/check/resources', probeRequests(SEED + 2, PROBE_N), normaliseProbe);
  });
});
