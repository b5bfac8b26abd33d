/**
 * Differential test: Tessera's Verified Permissions API against cedar-wasm called directly.
 *
 * fast-check generates policy stores (a few dozen permit/forbid policies over User/Group/Document/Folder
 * and view/edit/delete, with a schema and its action groups or without one), an entity store with
 * hierarchies and tags, and hundreds of requests. Each store is created through the real SDK; every
 * IsAuthorized and BatchIsAuthorized answer must equal cedar-wasm's for the same policies (keyed by
 * Tessera's policy ids), entities and schema: same decision, same set of determining policies, errors
 * present or not. Requests mostly send typed values (contextMap, entityList); some send Cedar JSON strings,
 * some repeat entities in entityList (the last copy counts); batches share a principal or a resource.
 *
 * The oracle is cedar-wasm's `statefulIsAuthorized` on a preparsed copy of the policy set, because the
 * stateless `isAuthorized` re-parses every policy on every call (~10 ms per request here); a sample of
 * requests is also decided by the stateless `isAuthorized`, which must agree.
 *
 * The seed is fixed (CEDAR_DIFF_SEED=<seed> picks another, to hunt); CEDAR_DIFF_SHRINK=1 lets
 * fast-check shrink the failing store (slow: each step creates a store); CEDAR_DIFF_RUNS=<n> for a longer hunt.
 * Long runs (CEDAR_DIFF_RUNS≈20+) found a V8 fatal error on Node 20 in optimized callers of cedar-wasm;
 * Tessera now turns off JS-to-Wasm call inlining (src/authz/cedar/cedar.ts), and so does vitest.config.ts.
 */
import {
  BatchIsAuthorizedCommand,
  type BatchIsAuthorizedOutputItem,
  CreatePolicyCommand,
  CreatePolicyStoreCommand,
  type EntityItem,
  IsAuthorizedCommand,
  type IsAuthorizedOutput,
  PutSchemaCommand,
  type VerifiedPermissionsClient,
} from '@aws-sdk/client-verifiedpermissions';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../support/server.ts';
import {
  avpUid,
  type Entity,
  type Req,
  type Scenario,
  scenarioArb,
  schemaFor,
  qualify,
  toAvpContext,
  toAvpEntity,
  toCedarContext,
  toCedarEntity,
  uidText,
  cedarUid,
} from './generators.ts';

/** Stores per run (CEDAR_DIFF_RUNS for a longer hunt); a bit over half of them have a schema. */
const RUNS = Number(process.env.CEDAR_DIFF_RUNS ?? 5);
const RUNS_WITH_SCHEMA = Math.ceil(RUNS / 2);
const SIZES = { policies: { min: 20, max: 40 }, requests: 300, batches: 20 };
/** One request in this many is also decided by the stateless `isAuthorized`, to check the oracle itself. */
const STATELESS_SAMPLE = 25;
const CONCURRENCY = 8;
/** Of this many single requests, one sends context and entities as Cedar JSON and one repeats entities (see Wire). */
const WIRE_EVERY = 10;

/** What both sides are compared on. */
interface Answer {
  decision: 'ALLOW' | 'DENY';
  /** Sorted policy ids. */
  determining: string[];
  hasErrors: boolean;
  /** For failure messages only. */
  errors: string[];
}

interface Store {
  id: string;
  /** Tessera policy id → policy text. */
  policies: Record<string, string>;
  scenario: Scenario;
  avpEntities: EntityItem[];
  cedarEntities: cedar.EntityJson[];
  schema: cedar.SchemaJson<string> | undefined;
  oracleId: string;
}

interface Mismatch {
  kind: 'IsAuthorized' | 'BatchIsAuthorized';
  store: Store;
  req: Req;
  wire?: Wire;
  tessera: Answer | { thrown: string };
  oracle: Answer;
  detail?: string;
}

const stats = { requests: 0, batchItems: 0, allow: 0, deny: 0, withErrors: 0, forbidDetermining: 0, multiDetermining: 0, actionGroupDetermining: 0, statelessChecks: 0, stores: 0 };

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

async function pool<T>(items: T[], n: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

let oracleSeq = 0;
async function createStore(avp: VerifiedPermissionsClient, scenario: Scenario, policyTexts: string[]): Promise<Store> {
  const { namespace: ns, withSchema } = scenario;
  const checked = cedar.checkParsePolicySet({ staticPolicies: Object.fromEntries(policyTexts.map((t, i) => [`generated${i}`, t])) });
  if (checked.type !== 'success') throw new Error(`cedar-wasm cannot parse the generated policies: ${JSON.stringify(checked.errors)}`);
  const { policyStoreId } = await avp.send(new CreatePolicyStoreCommand({ validationSettings: { mode: 'OFF' }, description: 'cedar differential test' }));
  if (!policyStoreId) throw new Error('CreatePolicyStore returned no policyStoreId');
  const schema = withSchema ? schemaFor(ns) : undefined;
  if (schema) await avp.send(new PutSchemaCommand({ policyStoreId, definition: { cedarJson: JSON.stringify(schema) } }));
  const ids: string[] = new Array(policyTexts.length);
  await pool(policyTexts, 4, async (statement, i) => {
    try {
      const out = await avp.send(new CreatePolicyCommand({ policyStoreId, definition: { static: { statement } } }));
      if (!out.policyId) throw new Error('no policyId');
      ids[i] = out.policyId;
    } catch (e) {
      throw new Error(`CreatePolicy rejected a policy that cedar-wasm parses:\n${statement}\n→ ${describeError(e)}`);
    }
  });
  const policies = Object.fromEntries(ids.map((id, i) => [id, policyTexts[i]!]));
  expect(Object.keys(policies)).toHaveLength(policyTexts.length); // ids are distinct

  const oracleId = `differential-oracle-${process.pid}-${++oracleSeq}`;
  const parsed = cedar.preparsePolicySet(oracleId, { staticPolicies: policies });
  if (parsed.type !== 'success') throw new Error(`cedar-wasm cannot parse the generated policies: ${JSON.stringify(parsed.errors)}`);
  if (schema) {
    const s = cedar.preparseSchema(oracleId, schema);
    if (s.type !== 'success') throw new Error(`cedar-wasm cannot parse the schema: ${JSON.stringify(s.errors)}`);
  }
  return {
    id: policyStoreId,
    policies,
    scenario,
    avpEntities: scenario.entities.map((e) => toAvpEntity(ns, e)),
    cedarEntities: scenario.entities.map((e) => toCedarEntity(ns, e)),
    schema,
    oracleId,
  };
}

function fromCedar(answer: cedar.AuthorizationAnswer, what: string): Answer {
  if (answer.type !== 'success') throw new Error(`cedar-wasm refused a generated request (${what}): ${JSON.stringify(answer.errors)}`);
  const { decision, diagnostics } = answer.response;
  return {
    decision: decision === 'allow' ? 'ALLOW' : 'DENY',
    determining: [...diagnostics.reason].sort(),
    hasErrors: diagnostics.errors.length > 0,
    errors: diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`),
  };
}

function fromTessera(out: Pick<IsAuthorizedOutput, 'decision' | 'determiningPolicies' | 'errors'>): Answer {
  return {
    decision: out.decision as Answer['decision'],
    determining: (out.determiningPolicies ?? []).map((p) => p.policyId ?? '<missing policyId>').sort(),
    hasErrors: (out.errors ?? []).length > 0,
    errors: (out.errors ?? []).map((e) => e.errorDescription ?? '<missing errorDescription>'),
  };
}

function oracle(store: Store, req: Req, sample: boolean): Answer {
  const ns = store.scenario.namespace;
  const call = {
    principal: cedarUid(ns, req.principal),
    action: { type: qualify(ns, 'Action'), id: req.action },
    resource: cedarUid(ns, req.resource),
    context: toCedarContext(ns, req.context),
    entities: store.cedarEntities,
  };
  const answer = fromCedar(
    cedar.statefulIsAuthorized({ ...call, preparsedPolicySetId: store.oracleId, ...(store.schema && { preparsedSchemaName: store.oracleId }) }),
    'statefulIsAuthorized',
  );
  if (sample) {
    stats.statelessChecks++;
    const direct = fromCedar(cedar.isAuthorized({ ...call, policies: { staticPolicies: store.policies }, ...(store.schema && { schema: store.schema }) }), 'isAuthorized');
    expect(comparable(direct), 'cedar-wasm isAuthorized and statefulIsAuthorized disagree').toEqual(comparable(answer));
  }
  return answer;
}

const comparable = (a: Answer) => ({ decision: a.decision, determining: a.determining, hasErrors: a.hasErrors });
const same = (a: Answer, b: Answer) => JSON.stringify(comparable(a)) === JSON.stringify(comparable(b));

function record(store: Store, a: Answer) {
  a.decision === 'ALLOW' ? stats.allow++ : stats.deny++;
  if (a.hasErrors) stats.withErrors++;
  if (a.decision === 'DENY' && a.determining.length > 0) stats.forbidDetermining++;
  if (a.determining.length > 1) stats.multiDetermining++;
  if (a.determining.some((id) => /Action::"(read|write|all)"/.test(store.policies[id] ?? ''))) stats.actionGroupDetermining++;
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/**
 * `typed`: context and entities as AttributeValues (contextMap, entityList); `cedarJson`: both as Cedar JSON strings,
 * the other member of each union; `duplicates`: typed, with an earlier, empty copy of the principal and resource
 * entities in the list ("If you include multiple entities with the same identifier, only the last one is processed").
 */
type Wire = 'typed' | 'cedarJson' | 'duplicates';

/** Empty stand-ins for the entities of these uids that the store holds, to place before the real ones. */
function decoys(store: Store, uids: Req['principal'][]): EntityItem[] {
  const ns = store.scenario.namespace;
  return store.scenario.entities
    .filter((e) => uids.some((u) => u.type === e.uid.type && u.id === e.uid.id))
    .map((e) => ({ identifier: avpUid(ns, e.uid), attributes: {}, parents: [] }));
}

function entitiesFor(store: Store, wire: Wire, uids: Req['principal'][]) {
  if (wire === 'cedarJson') return { cedarJson: JSON.stringify(store.cedarEntities) };
  if (wire === 'duplicates') return { entityList: [...decoys(store, uids), ...store.avpEntities] };
  return { entityList: store.avpEntities };
}

async function tesseraIsAuthorized(avp: VerifiedPermissionsClient, store: Store, req: Req, wire: Wire = 'typed'): Promise<Answer | { thrown: string }> {
  const ns = store.scenario.namespace;
  const context =
    Object.keys(req.context).length === 0 ? undefined : wire === 'cedarJson' ? { cedarJson: JSON.stringify(toCedarContext(ns, req.context)) } : toAvpContext(ns, req.context);
  try {
    const out = await avp.send(
      new IsAuthorizedCommand({
        policyStoreId: store.id,
        principal: avpUid(ns, req.principal),
        action: { actionType: qualify(ns, 'Action'), actionId: req.action },
        resource: avpUid(ns, req.resource),
        ...(context && { context }),
        entities: entitiesFor(store, wire, [req.principal, req.resource]),
      }),
    );
    return fromTessera(out);
  } catch (e) {
    return { thrown: describeError(e) };
  }
}

async function checkSingles(avp: VerifiedPermissionsClient, store: Store, mismatches: Mismatch[]) {
  await pool(store.scenario.requests, CONCURRENCY, async (req, i) => {
    const wire: Wire = i % WIRE_EVERY === WIRE_EVERY - 1 ? 'cedarJson' : i % WIRE_EVERY === WIRE_EVERY / 2 ? 'duplicates' : 'typed';
    const tessera = await tesseraIsAuthorized(avp, store, req, wire);
    const expected = oracle(store, req, i % STATELESS_SAMPLE === 0);
    stats.requests++;
    record(store, expected);
    if ('thrown' in tessera || !same(tessera, expected)) mismatches.push({ kind: 'IsAuthorized', store, req, wire, tessera, oracle: expected });
  });
}

async function checkBatches(avp: VerifiedPermissionsClient, store: Store, mismatches: Mismatch[]) {
  const ns = store.scenario.namespace;
  await pool(store.scenario.batches, 2, async (batch, b) => {
    const reqs = batch.items;
    const wire: Wire = b % 4 === 3 ? 'duplicates' : 'typed';
    let results: BatchIsAuthorizedOutputItem[] | undefined;
    let thrown: string | undefined;
    try {
      const out = await avp.send(
        new BatchIsAuthorizedCommand({
          policyStoreId: store.id,
          entities: entitiesFor(store, wire, reqs.flatMap((r) => [r.principal, r.resource])),
          requests: reqs.map((req) => {
            const context = toAvpContext(ns, req.context);
            return {
              principal: avpUid(ns, req.principal),
              action: { actionType: qualify(ns, 'Action'), actionId: req.action },
              resource: avpUid(ns, req.resource),
              ...(context && { context }),
            };
          }),
        }),
      );
      results = out.results;
      if (results?.length !== reqs.length) thrown = `results has ${results?.length} items for ${reqs.length} requests`;
    } catch (e) {
      thrown = describeError(e);
    }
    reqs.forEach((req, i) => {
      const expected = oracle(store, req, b === 0 && i === 0);
      stats.batchItems++;
      record(store, expected);
      const result = results?.[i];
      if (thrown || !result) {
        mismatches.push({ kind: 'BatchIsAuthorized', store, req, wire, tessera: { thrown: thrown ?? 'no result' }, oracle: expected });
        return;
      }
      const echoed = result.request;
      const want = { p: avpUid(ns, req.principal), a: req.action, r: avpUid(ns, req.resource) };
      const echoOk =
        echoed?.principal?.entityType === want.p.entityType &&
        echoed?.principal?.entityId === want.p.entityId &&
        echoed?.action?.actionId === want.a &&
        echoed?.resource?.entityType === want.r.entityType &&
        echoed?.resource?.entityId === want.r.entityId;
      const got = fromTessera(result);
      if (!echoOk || !same(got, expected)) {
        mismatches.push({
          kind: 'BatchIsAuthorized',
          store,
          req,
          wire,
          tessera: got,
          oracle: expected,
          ...(!echoOk && { detail: `results[${i}].request is ${JSON.stringify(echoed)}, not the request at that position` }),
        });
      }
    });
  });
}

function showAnswer(a: Answer | { thrown: string }): string {
  if ('thrown' in a) return `threw ${a.thrown}`;
  return `${a.decision} determiningPolicies=[${a.determining.join(', ')}] errors=${a.errors.length ? JSON.stringify(a.errors) : '[]'}`;
}

function showEntity(ns: string, entities: Entity[], uid: { type: string; id: string }): string {
  const e = entities.find((x) => x.uid.type === uid.type && x.uid.id === uid.id);
  return e ? JSON.stringify(toCedarEntity(ns, e)) : `${uidText(ns, uid)} (not in entities)`;
}

/** A readable counterexample, re-checked against a store holding only the policies involved. */
async function explain(avp: VerifiedPermissionsClient, m: Mismatch): Promise<string> {
  const { store, req } = m;
  const ns = store.scenario.namespace;
  const involved = new Set([...m.oracle.determining, ...m.oracle.errors.map((e) => e.split(':')[0]!), ...('thrown' in m.tessera ? [] : m.tessera.determining)]);
  const lines = [
    `${m.kind} differs from cedar-wasm (store ${store.id}, ${store.scenario.withSchema ? 'with schema' : 'no schema'}, namespace ${JSON.stringify(ns)}${m.wire === 'cedarJson' ? ', context and entities sent as cedarJson' : m.wire === 'duplicates' ? ', entityList with an empty copy of principal and resource first' : ''})`,
    `  request:    principal=${uidText(ns, req.principal)} action=${uidText(ns, { type: 'Action', id: req.action })} resource=${uidText(ns, req.resource)} context=${JSON.stringify(toCedarContext(ns, req.context))}`,
    `  tessera:    ${showAnswer(m.tessera)}`,
    `  cedar-wasm: ${showAnswer(m.oracle)}`,
    ...(m.detail ? [`  detail:     ${m.detail}`] : []),
    `  principal entity: ${showEntity(ns, store.scenario.entities, req.principal)}`,
    `  resource entity:  ${showEntity(ns, store.scenario.entities, req.resource)}`,
    `  policies involved (of ${Object.keys(store.policies).length}):`,
    ...[...involved].map((id) => `    ${id}: ${(store.policies[id] ?? '<unknown id>').replaceAll('\n', '\n      ')}`),
  ];
  const texts = [...involved].map((id) => store.policies[id]).filter((t): t is string => t !== undefined);
  if (texts.length > 0 && texts.length < Object.keys(store.policies).length) {
    try {
      const small = await createStore(avp, store.scenario, texts);
      const tessera = await tesseraIsAuthorized(avp, small, req, m.wire);
      const expected = oracle(small, req, false);
      const still = 'thrown' in tessera || !same(tessera, expected);
      lines.push(`  with only those ${texts.length} policies (IsAuthorized): ${still ? 'still differs' : 'agrees'} — tessera ${showAnswer(tessera)}; cedar-wasm ${showAnswer(expected)}`);
    } catch (e) {
      lines.push(`  (could not re-check with fewer policies: ${describeError(e)})`);
    }
  }
  return lines.join('\n');
}

/** fast-check prints a failing scenario in one line; the thrown message carries the details. */
function labelled(s: Scenario): Scenario {
  const items = s.batches.reduce((n, b) => n + b.items.length, 0);
  const label = `Scenario(${s.withSchema ? 'schema' : 'no schema'}, namespace ${JSON.stringify(s.namespace)}, ${s.policies.length} policies, ${s.entities.length} entities, ${s.requests.length} requests, ${s.batches.length} batches of ${items})`;
  return Object.assign(s, { [fc.toStringMethod]: () => label });
}

describe('Cedar decisions: Tessera against cedar-wasm', () => {
  it(
    'answers IsAuthorized and BatchIsAuthorized exactly as cedar-wasm does for random policy stores, entities and requests',
    async () => {
      const avp = server.avp;
      // A fixed seed by default: the distribution checks below must hold for the cases run, every run.
      const seed = process.env.CEDAR_DIFF_SEED ? Number(process.env.CEDAR_DIFF_SEED) : 20261125;
      const property = (withSchema: boolean) =>
        fc.asyncProperty(scenarioArb(SIZES, withSchema).map(labelled), async (scenario) => {
          const store = await createStore(avp, scenario, scenario.policies);
          stats.stores++;
          const mismatches: Mismatch[] = [];
          try {
            await checkSingles(avp, store, mismatches);
            await checkBatches(avp, store, mismatches);
          } finally {
            cedar.preparsePolicySet(store.oracleId, { staticPolicies: {} }); // frees the oracle's copy
          }
          if (mismatches.length > 0) {
            const total = scenario.requests.length + scenario.batches.reduce((n, b) => n + b.items.length, 0);
            const byKind = (k: Mismatch['kind']) => mismatches.filter((m) => m.kind === k).length;
            const shown = await Promise.all(mismatches.slice(0, 3).map((m) => explain(avp, m)));
            throw new Error(
              `${mismatches.length} of ${total} decisions differ (${byKind('IsAuthorized')} IsAuthorized, ${byKind('BatchIsAuthorized')} BatchIsAuthorized); first ${shown.length}:\n\n${shown.join('\n\n')}`,
            );
          }
        });
      const params = { endOnFailure: process.env.CEDAR_DIFF_SHRINK !== '1', ...(seed !== undefined && { seed }) };
      // Stores with a schema (typed entities, action groups) and without one (loosely typed data, more runtime errors).
      await fc.assert(property(true), { ...params, numRuns: RUNS_WITH_SCHEMA });
      await fc.assert(property(false), { ...params, numRuns: RUNS - RUNS_WITH_SCHEMA });

      // The generators must exercise what the comparison is about, or a pass means little.
      const decided = stats.requests + stats.batchItems;
      expect(stats.stores).toBe(RUNS);
      expect(stats.batchItems).toBeGreaterThan(RUNS * 50);
      expect(stats.allow / decided).toBeGreaterThan(0.15);
      expect(stats.deny / decided).toBeGreaterThan(0.15);
      expect(stats.withErrors / decided).toBeGreaterThan(0.05);
      expect(stats.withErrors / decided).toBeLessThan(0.9);
      expect(stats.forbidDetermining).toBeGreaterThan(0);
      expect(stats.multiDetermining).toBeGreaterThan(0);
      expect(stats.actionGroupDetermining).toBeGreaterThan(0);
      expect(stats.statelessChecks).toBeGreaterThan(RUNS * 10);
    },
    Math.max(120_000, RUNS * 30_000),
  );
});
