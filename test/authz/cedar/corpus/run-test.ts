import type { SignedAwsClient } from '../../../support/signed-aws-call.ts';
import { cedarWasmValidates, type IsAuthorizedBody, type PreparedRequest, type PreparedTest } from './prepare.ts';
import { referenceAnswer } from './reference.ts';

/** One disagreement between Tessera and the corpus. */
export interface Mismatch {
  kind: string;
  test: string;
  request?: string;
  expected: unknown;
  got: unknown;
  /**
   * What cedar-wasm answers for the same Verified Permissions request (to rule out this test's
   * conversion); computed only for the examples kept.
   */
  reference?: () => unknown;
  /**
   * How the request was stated: `i64` (an integer beyond 2^53), `entities:cedarJson`,
   * `context:cedarJson`, `renamed-ids`, `U+0000` (a NUL character in a string or ID).
   */
  traits: string[];
  body?: IsAuthorizedBody;
}

export class AvpCallError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly errorType: string,
    readonly text: string,
  ) {
    super(`${operation}: HTTP ${status} ${errorType}: ${text.slice(0, 500)}`);
  }
}

/** Verified Permissions over the raw signed client. */
export class AvpApi {
  constructor(private readonly client: SignedAwsClient) {}

  async call<T = Record<string, unknown>>(operation: string, input: unknown): Promise<T> {
    const res = await this.client.call(`VerifiedPermissions.${operation}`, input);
    if (res.status !== 200) throw new AvpCallError(operation, res.status, res.errorType ?? 'UnknownError', res.text);
    return JSON.parse(res.text) as T;
  }
}

interface AuthorizationOutput {
  decision: string;
  determiningPolicies: Array<{ policyId: string }>;
  errors: Array<{ errorDescription: string }>;
}

/** How requests reach the server: one `IsAuthorized` each, or `BatchIsAuthorized` (30 at most, one principal or one resource). */
export type RequestMode = 'IsAuthorized' | 'BatchIsAuthorized';

export interface TestOutcome {
  requests: number;
  matched: number;
  /** Requests carrying an integer beyond 2^53, and how many of them matched. */
  i64Requests: number;
  i64Matched: number;
  /** The STRICT store refused at least one of the test's policies. */
  strictRefused: boolean;
  /** The corpus calls the policies invalid, but the Cedar version Tessera runs validates them, and so did Tessera. */
  validationDrift: boolean;
}

/**
 * Runs one corpus test against the API: a STRICT store with the schema, where each policy must be
 * created exactly when it validates; the refused ones are then added with validation OFF. Every
 * request follows, and the answers are compared with Cedar's.
 */
export async function runCorpusTest(api: AvpApi, test: PreparedTest, mode: RequestMode, report: (m: Mismatch) => void): Promise<TestOutcome> {
  const outcome: TestOutcome = {
    requests: test.requests.length,
    matched: 0,
    i64Requests: test.requests.filter((r) => r.bigInteger).length,
    i64Matched: 0,
    strictRefused: false,
    validationDrift: false,
  };
  const testTraits = [...(test.notes.renamedIds ? ['renamed-ids'] : []), ...(test.notes.entitiesAsCedarJson ? ['entities:cedarJson'] : [])];
  const setupFailed = (kind: string, error: unknown) => {
    const why = error instanceof AvpCallError ? `${error.errorType}: ${messageOf(error.text)}` : describeError(error);
    report({ kind: `${kind}: ${why}`, test: test.name, expected: 'success', got: describeError(error), traits: testTraits });
    return outcome;
  };

  let policyStoreId: string;
  try {
    ({ policyStoreId } = await api.call<{ policyStoreId: string }>('CreatePolicyStore', { validationSettings: { mode: 'STRICT' } }));
    await api.call('PutSchema', { policyStoreId, definition: { cedarJson: test.schemaJson } });
  } catch (e) {
    return setupFailed('CreatePolicyStore or PutSchema fails', e);
  }

  const policyIds: string[] = [];
  const refused: number[] = [];
  let refusal = '';
  for (const [i, statement] of test.policies.entries()) {
    try {
      policyIds[i] = (await api.call<{ policyId: string }>('CreatePolicy', { policyStoreId, definition: { static: { statement } } })).policyId;
    } catch (e) {
      if (!(e instanceof AvpCallError && e.errorType === 'ValidationException')) return setupFailed('CreatePolicy fails (STRICT)', e);
      refused.push(i);
      refusal ||= `policy${i}: ${e.message}`;
    }
  }
  outcome.strictRefused = refused.length > 0;
  if (test.shouldValidate && refused.length) {
    report({ kind: 'STRICT store refuses a policy the corpus says validates', test: test.name, expected: 'created', got: refusal, traits: testTraits });
  }
  if (!test.shouldValidate && !refused.length) {
    // Cedar has since turned some of these validation errors into warnings; then taking them is right.
    outcome.validationDrift = cedarWasmValidates(test);
    if (!outcome.validationDrift) report({ kind: 'STRICT store takes a policy that fails validation', test: test.name, expected: 'ValidationException', got: 'created', traits: testTraits });
  }
  if (refused.length) {
    try {
      await api.call('UpdatePolicyStore', { policyStoreId, validationSettings: { mode: 'OFF' } });
      for (const i of refused) {
        policyIds[i] = (await api.call<{ policyId: string }>('CreatePolicy', { policyStoreId, definition: { static: { statement: test.policies[i] } } })).policyId;
      }
    } catch (e) {
      return setupFailed('UpdatePolicyStore to OFF, or CreatePolicy there, fails', e);
    }
  }
  const corpusId = new Map(policyIds.map((id, i) => [id, `policy${i}`]));

  const answers = mode === 'IsAuthorized' ? await Promise.all(test.requests.map((r) => isAuthorized(api, policyStoreId, r))) : await batchIsAuthorized(api, policyStoreId, test.requests);
  for (const [n, request] of test.requests.entries()) {
    const mismatch = compare(request, answers[n]!, corpusId, mode);
    if (!mismatch) {
      outcome.matched++;
      if (request.bigInteger) outcome.i64Matched++;
      continue;
    }
    const traits = [
      ...testTraits,
      ...(request.bigInteger ? ['i64'] : []),
      ...(request.body.context && 'cedarJson' in request.body.context ? ['context:cedarJson'] : []),
      ...(JSON.stringify(request.body).includes('\\u0000') ? ['U+0000'] : []),
    ];
    const policies = Object.fromEntries(test.policies.map((p, i) => [`policy${i}`, p]));
    report({ ...mismatch, test: test.name, request: request.description, traits, reference: () => referenceAnswer(test.schemaJson, policies, request.body) ?? 'unavailable (i64)', body: request.body });
  }
  return outcome;
}

type Answer = AuthorizationOutput | AvpCallError | Error;

async function isAuthorized(api: AvpApi, policyStoreId: string, request: PreparedRequest): Promise<Answer> {
  return api.call<AuthorizationOutput>('IsAuthorized', { policyStoreId, ...request.body }).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
}

/** The requests in batches the API takes: at most 30, all with one principal or all with one resource. */
async function batchIsAuthorized(api: AvpApi, policyStoreId: string, requests: PreparedRequest[]): Promise<Answer[]> {
  const key = (i: { entityType: string; entityId: string }) => JSON.stringify([i.entityType, i.entityId]);
  const indexes = requests.map((_, n) => n);
  const groups = new Map<string, number[]>();
  const samePrincipal = new Set(requests.map((r) => key(r.body.principal))).size === 1;
  const sameResource = new Set(requests.map((r) => key(r.body.resource))).size === 1;
  if (samePrincipal || sameResource) groups.set('all', indexes);
  else for (const n of indexes) groups.set(key(requests[n]!.body.principal), [...(groups.get(key(requests[n]!.body.principal)) ?? []), n]);
  const answers: Answer[] = [];
  await Promise.all(
    [...groups.values()].flatMap((group) => chunks(group, 30)).map(async (group) => {
      // Every request of a test carries the same entities.
      const { entities } = requests[group[0]!]!.body;
      const items = group.map((n) => {
        const { entities: _, ...item } = requests[n]!.body;
        return item;
      });
      try {
        const out = await api.call<{ results: AuthorizationOutput[] }>('BatchIsAuthorized', { policyStoreId, ...(entities && { entities }), requests: items });
        if (!Array.isArray(out.results) || out.results.length !== group.length) throw new Error(`BatchIsAuthorized answered ${out.results?.length} results for ${group.length} requests`);
        group.forEach((n, i) => (answers[n] = out.results[i]!));
      } catch (e) {
        for (const n of group) answers[n] = e instanceof Error ? e : new Error(String(e));
      }
    }),
  );
  return answers;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function compare(request: PreparedRequest, answer: Answer, corpusId: Map<string, string>, mode: RequestMode): Omit<Mismatch, 'test' | 'traits'> | undefined {
  const expected = { decision: request.expected.decision, reason: [...request.expected.reason].sort(), errors: request.expected.errors.length > 0 };
  if (answer instanceof Error) {
    const why = answer instanceof AvpCallError ? `${answer.errorType}: ${messageOf(answer.text)}` : answer.name;
    return { kind: `${mode} fails: ${why}`, expected, got: describeError(answer) };
  }
  const got = {
    decision: answer.decision,
    reason: (answer.determiningPolicies ?? []).map((p) => corpusId.get(p.policyId) ?? `unknown policy ${p.policyId}`).sort(),
    errors: Array.isArray(answer.errors) && answer.errors.length > 0,
  };
  const wrong = [
    ...(got.decision !== expected.decision ? ['decision'] : []),
    ...(got.reason.join() !== expected.reason.join() ? ['determiningPolicies'] : []),
    ...(got.errors !== expected.errors ? [expected.errors ? 'errors missing' : 'unexpected errors'] : []),
    ...(!Array.isArray(answer.determiningPolicies) || !Array.isArray(answer.errors) ? ['response shape'] : []),
  ];
  if (!wrong.length) return undefined;
  return { kind: `${mode}: wrong ${wrong.join(' + ')}`, expected, got: { ...got, errorDescriptions: answer.errors?.map((e) => e.errorDescription) } };
}

/** An error's message with quoted values and numbers blanked, so one cause makes one class. */
function messageOf(body: string): string {
  let message = body;
  try {
    message = String((JSON.parse(body) as { message?: unknown }).message ?? body);
  } catch {
    // not JSON: the body itself
  }
  return message.replace(/`[^`]*`|"[^"]*"|'[^']*'|\d+/g, '…').slice(0, 160);
}

function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
