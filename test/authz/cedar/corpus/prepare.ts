import { policySetTextToParts, schemaToJson, validate } from '@cedar-policy/cedar-wasm/nodejs';
import { collectIds, planIdRenaming, type SchemaJson } from './avp-identifiers.ts';
import type { CedarJson, CorpusTest } from './corpus-files.ts';
import { isRawJson } from './lossless-json.ts';
import { type AvpEntityIdentifier, type AvpEntityItem, type AvpValue, type ConversionNotes, identifier, NotTypedExpressible, toAvpEntityItem, toAvpValue } from './to-avp.ts';

/** An `IsAuthorized` input without its `policyStoreId`. */
export interface IsAuthorizedBody {
  principal: AvpEntityIdentifier;
  action: { actionType: string; actionId: string };
  resource: AvpEntityIdentifier;
  context?: { contextMap: Record<string, AvpValue> } | { cedarJson: string };
  entities?: { entityList: AvpEntityItem[] } | { cedarJson: string };
}

export interface PreparedRequest {
  description: string;
  body: IsAuthorizedBody;
  expected: { decision: 'ALLOW' | 'DENY'; reason: string[]; errors: string[] };
  /** The request carries an integer beyond 2^53. */
  bigInteger: boolean;
}

/**
 * A corpus test in Verified Permissions terms: the schema in Cedar's JSON form (what `PutSchema`
 * takes), one statement per policy, and each request as an `IsAuthorized` input with typed
 * attribute values. IDs the API cannot carry are renamed throughout (see `avp-identifiers.ts`).
 */
export interface PreparedTest {
  name: string;
  shouldValidate: boolean;
  /** `PutSchema` `definition.cedarJson`: the schema in Cedar's JSON form. */
  schemaJson: string;
  /** Policy statements in source order: the i-th is the corpus's `policy<i>`. */
  policies: string[];
  requests: PreparedRequest[];
  notes: {
    /** Entity IDs renamed because the API cannot carry them (empty, or holding a line break). */
    renamedIds: number;
    /** Policies whose statement was rewritten for that renaming. */
    rewrittenPolicies: number;
    /** The entities went as Cedar JSON because a value has no typed member. */
    entitiesAsCedarJson: boolean;
    /** Requests whose context went as Cedar JSON for the same reason. */
    contextsAsCedarJson: number;
    canonicalDecimals: number;
  };
}

const ok = <T extends { type: string }>(answer: T, what: string): Extract<T, { type: 'success' }> => {
  if (answer.type !== 'success') throw new Error(`${what}: ${JSON.stringify(answer)}`);
  return answer as Extract<T, { type: 'success' }>;
};

// Many corpus tests share a schema, and converting one to JSON takes milliseconds.
const schemaCache = new Map<string, string>();

function schemaJsonOf(text: string, name: string): SchemaJson {
  let json = schemaCache.get(text);
  if (json === undefined) {
    json = JSON.stringify(ok(schemaToJson(text), `${name} schema`).json);
    schemaCache.set(text, json);
  }
  return JSON.parse(json) as SchemaJson;
}

export function prepareTest(test: CorpusTest): PreparedTest {
  const schema = schemaJsonOf(test.schemaText, test.name);
  const parts = ok(policySetTextToParts(test.policiesText), `${test.name} policies`);
  if (parts.policy_templates.length) throw new Error(`${test.name}: templates are not handled`);

  const renaming = planIdRenaming(collectIds({ entities: test.entities, requests: test.requests, schema, policies: parts.policies }));
  const policies = parts.policies.map(renaming.policyText);
  const rewrittenPolicies = policies.filter((p, i) => p !== parts.policies[i]).length;

  // Actions come from the schema, as in Verified Permissions: the corpus's action entities are dropped.
  const actionTypes = new Set(Object.entries(schema).filter(([, ns]) => ns.actions).map(([ns]) => (ns ? `${ns}::Action` : 'Action')));
  const entities = test.entities.filter((e) => !actionTypes.has(e.uid.type)).map(renaming.entity);
  const notes: ConversionNotes = { canonicalDecimals: 0 };
  let entitiesDefinition: IsAuthorizedBody['entities'];
  try {
    entitiesDefinition = entities.length ? { entityList: entities.map((e) => toAvpEntityItem(e, notes)) } : undefined;
  } catch (e) {
    if (!(e instanceof NotTypedExpressible)) throw e;
    entitiesDefinition = { cedarJson: JSON.stringify(entities) };
  }

  const entitiesHaveBigInteger = entities.some((e) => hasBigInteger(e.attrs) || hasBigInteger(e.tags ?? {}));
  let contextsAsCedarJson = 0;
  const requests = test.requests.map((original): PreparedRequest => {
    if (!original.validateRequest) throw new Error(`${test.name} ${original.description}: requests without request validation are not handled`);
    const r = renaming.request(original);
    const body: IsAuthorizedBody = {
      principal: identifier(r.principal),
      action: { actionType: r.action.type, actionId: r.action.id },
      resource: identifier(r.resource),
    };
    const contextKeys = Object.keys(r.context);
    if (contextKeys.length) {
      try {
        body.context = { contextMap: Object.fromEntries(contextKeys.map((k) => [k, toAvpValue(r.context[k]!, notes)])) };
      } catch (e) {
        if (!(e instanceof NotTypedExpressible)) throw e;
        body.context = { cedarJson: JSON.stringify(r.context) };
        contextsAsCedarJson++;
      }
    }
    if (entitiesDefinition) body.entities = entitiesDefinition;
    return {
      description: r.description,
      body,
      expected: { decision: r.decision === 'allow' ? 'ALLOW' : 'DENY', reason: r.reason, errors: r.errors },
      bigInteger: entitiesHaveBigInteger || hasBigInteger(r.context),
    };
  });

  return {
    name: test.name,
    shouldValidate: test.shouldValidate,
    schemaJson: JSON.stringify(renaming.schema(schema)),
    policies,
    requests,
    notes: {
      renamedIds: renaming.renamed.size,
      rewrittenPolicies,
      entitiesAsCedarJson: entitiesDefinition !== undefined && 'cedarJson' in entitiesDefinition,
      contextsAsCedarJson,
      canonicalDecimals: notes.canonicalDecimals,
    },
  };
}

/**
 * Whether the Cedar version Tessera runs (cedar-wasm) finds the test's policies valid in strict mode.
 * A few tests the corpus calls invalid have since become valid: Cedar now warns instead of failing.
 */
export function cedarWasmValidates(test: PreparedTest): boolean {
  const answer = validate({
    validationSettings: { mode: 'strict' },
    schema: JSON.parse(test.schemaJson),
    policies: { staticPolicies: Object.fromEntries(test.policies.map((p, i) => [`policy${i}`, p])) },
  });
  if (answer.type !== 'success') throw new Error(`validation failed to run: ${JSON.stringify(answer.errors)}`);
  return answer.validationErrors.length === 0;
}

function hasBigInteger(v: CedarJson | Record<string, CedarJson>): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (isRawJson(v)) return true;
  return Object.values(v).some((x) => hasBigInteger(x as CedarJson));
}
