import { isAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import { isRawJson, parseLossless } from './lossless-json.ts';
import type { IsAuthorizedBody } from './prepare.ts';
import type { AvpEntityIdentifier, AvpValue } from './to-avp.ts';

export interface ReferenceAnswer {
  decision: 'ALLOW' | 'DENY';
  determiningPolicies: string[];
  errors: string[];
}

/**
 * What a Verified Permissions `IsAuthorized` should answer, straight from cedar-wasm: the documented
 * mapping of the typed members to Cedar JSON, actions from the schema, policies under their IDs. Used
 * to tell a wrong conversion in this test from a wrong answer of the server. Undefined when the
 * request holds an integer beyond 2^53, which cedar-wasm's JS interface cannot take exactly.
 */
export function referenceAnswer(schemaJson: string, policies: Record<string, string>, body: IsAuthorizedBody): ReferenceAnswer | { failure: string } | undefined {
  let context: Record<string, unknown> = {};
  let entities: unknown[] = [];
  try {
    if (body.context) context = 'contextMap' in body.context ? fromRecord(body.context.contextMap) : (exact(parseLossless(body.context.cedarJson)) as Record<string, unknown>);
    if (body.entities) {
      entities = 'entityList' in body.entities
        ? body.entities.entityList.map((e) => ({ uid: uid(e.identifier), attrs: fromRecord(e.attributes ?? {}), parents: (e.parents ?? []).map(uid), tags: fromRecord(e.tags ?? {}) }))
        : (exact(parseLossless(body.entities.cedarJson)) as unknown[]);
    }
  } catch (e) {
    if (e instanceof BigIntegerError) return undefined;
    throw e;
  }
  const answer = isAuthorized({
    principal: uid(body.principal),
    action: { type: body.action.actionType, id: body.action.actionId },
    resource: uid(body.resource),
    context: context as never,
    schema: JSON.parse(schemaJson),
    validateRequest: true,
    policies: { staticPolicies: policies },
    entities: entities as never,
  });
  if (answer.type !== 'success') return { failure: JSON.stringify(answer.errors) };
  return {
    decision: answer.response.decision === 'allow' ? 'ALLOW' : 'DENY',
    determiningPolicies: answer.response.diagnostics.reason,
    errors: answer.response.diagnostics.errors.map((e) => e.policyId),
  };
}

class BigIntegerError extends Error {}

const uid = (i: AvpEntityIdentifier) => ({ type: i.entityType, id: i.entityId });

function fromRecord(record: Record<string, AvpValue>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fromAvp(v)]));
}

function fromAvp(v: AvpValue): unknown {
  if ('boolean' in v) return v.boolean;
  if ('long' in v) return exact(v.long);
  if ('string' in v) return v.string;
  if ('entityIdentifier' in v) return { __entity: uid(v.entityIdentifier) };
  if ('set' in v) return v.set.map(fromAvp);
  if ('record' in v) return fromRecord(v.record);
  if ('ipaddr' in v) return { __extn: { fn: 'ip', arg: v.ipaddr } };
  if ('decimal' in v) return { __extn: { fn: 'decimal', arg: v.decimal } };
  if ('datetime' in v) return { __extn: { fn: 'datetime', arg: v.datetime } };
  return { __extn: { fn: 'duration', arg: v.duration } };
}

/** Refuses raw (beyond 2^53) integers anywhere in a parsed value. */
function exact(v: unknown): unknown {
  if (isRawJson(v)) throw new BigIntegerError();
  if (Array.isArray(v)) v.forEach(exact);
  else if (v && typeof v === 'object') Object.values(v).forEach(exact);
  return v;
}
