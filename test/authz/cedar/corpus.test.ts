import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_CREDENTIALS, REGION, startTestServer, type TestServer } from '../../support/server.ts';
import { type SignedAwsClient, signedAwsClient } from '../../support/signed-aws-call.ts';
import { type CorpusFiles, loadCorpusTest, readCorpusArchive } from './corpus/corpus-files.ts';
import { requireLosslessJson } from './corpus/lossless-json.ts';
import { prepareTest } from './corpus/prepare.ts';
import { AvpApi, AvpCallError, type Mismatch, type RequestMode, runCorpusTest } from './corpus/run-test.ts';

// The Cedar integration corpus (cedar-policy/cedar-integration-tests, corpus-tests.tar.gz): 7,809
// fuzzer-found tests, each a policy set, schema, entities and requests with the decision, determining
// policies and erroring policies Cedar gives. Every request goes through Tessera's Verified Permissions
// API over HTTP, stated as a Verified Permissions client would state it:
// - per test a STRICT policy store, the schema (Cedar's JSON form), one CreatePolicy per policy; a
//   policy is created exactly when the corpus says the set validates (`shouldValidate`), and the
//   refused ones are then added with validation OFF;
// - entities as `entityList` with typed attribute values (Cedar JSON only for `offset(…)` values,
//   which no typed member holds), action entities left to the schema, context as `contextMap`;
// - integers beyond 2^53 sent digit for digit (signed raw calls: the SDK would round them);
// - entity IDs the API model refuses (empty, or with a line break) renamed one-to-one everywhere;
// - the answer's decision, determining policies (mapped back to `policy0…N`) and whether it has errors
//   compared with Cedar's. CEDAR_CORPUS_API=BatchIsAuthorized sends the requests in batches instead.
const ARCHIVE = fileURLToPath(new URL('../../fixtures/cedar-corpus/corpus-tests.tar.gz', import.meta.url));
const CORPUS = { tests: 7809, requests: 62472 };
/** Tests in flight at once (each sends its requests together). */
const CONCURRENCY = Number(process.env.CEDAR_CORPUS_CONCURRENCY ?? 6);
const MODE: RequestMode = process.env.CEDAR_CORPUS_API === 'BatchIsAuthorized' ? 'BatchIsAuthorized' : 'IsAuthorized';
/** Examples kept per mismatch class in the report. */
const EXAMPLES = 3;

/** A mismatch as reported: with cedar-wasm's own answer to the same request. */
type Example = Omit<Mismatch, 'reference'> & { reference?: unknown };

describe('Cedar integration corpus through the Verified Permissions API', () => {
  let server: TestServer;
  let client: SignedAwsClient;
  let api: AvpApi;
  let corpus: CorpusFiles;

  beforeAll(async () => {
    requireLosslessJson();
    corpus = readCorpusArchive(ARCHIVE);
    server = await startTestServer();
    client = signedAwsClient({ url: server.url, service: 'verifiedpermissions', region: REGION, credentials: ADMIN_CREDENTIALS, jsonVersion: '1.0', maxSockets: CONCURRENCY * 4 });
    api = new AvpApi(client);
  });

  afterAll(async () => {
    client?.close();
    await server?.close();
  });

  it('refuses an empty entity ID, as the API model does (length 1..612), so the corpus renames them', async () => {
    const { policyStoreId } = await api.call<{ policyStoreId: string }>('CreatePolicyStore', { validationSettings: { mode: 'OFF' } });
    const request = (principalId: string) => ({
      policyStoreId,
      principal: { entityType: 'User', entityId: principalId },
      action: { actionType: 'Action', actionId: 'view' },
      resource: { entityType: 'Doc', entityId: 'd' },
    });
    const failure = async (input: unknown) => api.call('IsAuthorized', input).then(() => 'accepted', (e: unknown) => (e instanceof AvpCallError ? e.errorType : String(e)));
    expect(await failure(request(''))).toBe('ValidationException');
    expect(await failure(request('a'))).toBe('accepted');
    await api.call('DeletePolicyStore', { policyStoreId });
  });

  it('answers every corpus request as Cedar does', { timeout: 15 * 60_000 }, async () => {
    const started = performance.now();
    const names = corpus.testNames();
    const classes = new Map<string, { count: number; traits: Record<string, number>; examples: Example[] }>();
    const totals = { tests: 0, requests: 0, matched: 0, i64Requests: 0, i64Matched: 0, renamedIdTests: 0, rewrittenPolicies: 0, entitiesAsCedarJson: 0, contextsAsCedarJson: 0, validationDrift: 0, strictRefusedTests: 0 };

    // One class per kind of disagreement; the traits say how the requests in it were stated.
    const report = (m: Mismatch) => {
      const entry = classes.get(m.kind) ?? { count: 0, traits: {}, examples: [] };
      entry.count++;
      for (const t of m.traits) entry.traits[t] = (entry.traits[t] ?? 0) + 1;
      if (entry.examples.length < EXAMPLES) entry.examples.push({ ...m, reference: m.reference?.() });
      classes.set(m.kind, entry);
    };

    let next = 0;
    const worker = async () => {
      while (next < names.length) {
        const test = prepareTest(loadCorpusTest(corpus, names[next++]!));
        totals.tests++;
        if (test.notes.renamedIds) totals.renamedIdTests++;
        totals.rewrittenPolicies += test.notes.rewrittenPolicies;
        if (test.notes.entitiesAsCedarJson) totals.entitiesAsCedarJson++;
        totals.contextsAsCedarJson += test.notes.contextsAsCedarJson;
        const outcome = await runCorpusTest(api, test, MODE, report);
        if (outcome.validationDrift) totals.validationDrift++;
        if (outcome.strictRefused) totals.strictRefusedTests++;
        totals.requests += outcome.requests;
        totals.matched += outcome.matched;
        totals.i64Requests += outcome.i64Requests;
        totals.i64Matched += outcome.i64Matched;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - started) / 1000;

    const summary = [...classes].sort((a, b) => b[1].count - a[1].count).map(([kind, entry]) => ({ class: kind, ...entry }));
    // The examples with their full request bodies, for reproducing by hand.
    const details = path.join(tmpdir(), `cedar-corpus-mismatches-${process.pid}.json`);
    if (summary.length) writeFileSync(details, JSON.stringify(summary, null, 2));
    console.log(
      [
        `Cedar corpus: ${totals.tests} tests, ${totals.requests} requests, ${totals.matched} matched, ${totals.requests - totals.matched} mismatched, in ${seconds.toFixed(1)} s (${MODE}, ${CONCURRENCY} tests in flight)`,
        `  stated as: ${totals.renamedIdTests} tests with renamed entity IDs (${totals.rewrittenPolicies} policies rewritten), ${totals.entitiesAsCedarJson} tests with entities as cedarJson, ${totals.contextsAsCedarJson} contexts as cedarJson`,
        `  ${totals.i64Requests} requests carry integers beyond 2^53 (${totals.i64Matched} matched); ${totals.strictRefusedTests} tests whose policies a STRICT store refused; ${totals.validationDrift} tests the corpus calls invalid that cedar-wasm now validates (and Tessera took)`,
        ...summary.map((c) => `  ${c.count} × ${c.class} ${JSON.stringify(c.traits)}\n${c.examples.map((e) => `      ${JSON.stringify({ ...e, body: undefined })}`).join('\n')}`),
        ...(summary.length ? [`  examples with request bodies: ${details}`] : []),
      ].join('\n'),
    );

    expect({ tests: totals.tests, requests: totals.requests }).toEqual(CORPUS);
    expect(summary.map((c) => ({ ...c, examples: c.examples.map((e) => ({ ...e, body: undefined })) }))).toEqual([]);
  });
});
