import * as wasm from '@cedar-policy/cedar-wasm/nodejs';
import v8 from 'node:v8';
import { ValidationException } from './errors.ts';
import type { ActionIdentifier, EntityIdentifier, PolicyEffect } from './model.ts';

/**
 * The one door to the official Cedar engine. Everything Cedar says about a policy, schema or request
 * comes back in Cedar's own words; this module only turns its answers into our types and errors.
 */
export { wasm as cedarWasm };

// Node 20's V8 dies ("Fatal error … unreachable code" in the deoptimizer) after enough optimized calls
// that inline JS-to-wasm wrappers into callers of cedar-wasm; a differential test found it. Not inlining
// those calls avoids it. Set before any caller can have been optimized; bin/tessera.js passes it too.
v8.setFlagsFromString('--no-turbo-inline-js-wasm-calls');

export type TemplateSlot = '?principal' | '?resource';

export interface PolicyScope {
  effect: PolicyEffect;
  principal?: EntityIdentifier;
  resource?: EntityIdentifier;
  actions: ActionIdentifier[];
  slots: TemplateSlot[];
  /** Whether the scope says anything about the principal and the resource (`principal` alone does not). */
  constrained: { principal: boolean; resource: boolean };
}

function messages(errors: Array<{ message: string; help?: string | null }>): string {
  return errors.map((e) => (e.help ? `${e.message} (${e.help})` : e.message)).join('; ');
}

type ScopeConstraint = { op: string; entity?: { type: string; id: string } | { __entity: { type: string; id: string } }; slot?: string; in?: { entity?: unknown; slot?: string } };

function entityOf(uid: unknown): EntityIdentifier | undefined {
  const u = (uid as { __entity?: { type: string; id: string } })?.__entity ?? (uid as { type: string; id: string } | undefined);
  return u && typeof u.type === 'string' ? { entityType: u.type, entityId: u.id } : undefined;
}

function scopeEntity(c: ScopeConstraint): EntityIdentifier | undefined {
  if (c.op === '==' || c.op === 'in') return c.entity ? entityOf(c.entity) : undefined;
  if (c.op === 'is' && c.in?.entity) return entityOf(c.in.entity);
  return undefined;
}

function scopeSlot(c: ScopeConstraint): boolean {
  return c.slot !== undefined || c.in?.slot !== undefined;
}

function toScope(json: { effect: string; principal: ScopeConstraint; resource: ScopeConstraint; action: { op: string; entity?: unknown; entities?: unknown[] } }): PolicyScope {
  const actions = (json.action.entities ?? (json.action.entity ? [json.action.entity] : []))
    .map(entityOf)
    .filter((a): a is EntityIdentifier => a !== undefined)
    .map((a) => ({ actionType: a.entityType, actionId: a.entityId }));
  const principal = scopeEntity(json.principal);
  const resource = scopeEntity(json.resource);
  const slots: TemplateSlot[] = [];
  if (scopeSlot(json.principal)) slots.push('?principal');
  if (scopeSlot(json.resource)) slots.push('?resource');
  const constrained = { principal: json.principal.op !== 'All', resource: json.resource.op !== 'All' };
  return { effect: json.effect === 'forbid' ? 'Forbid' : 'Permit', ...(principal && { principal }), ...(resource && { resource }), actions, slots, constrained };
}

/** One static policy in Cedar text, or a ValidationException with Cedar's parse error. */
export function parseStaticPolicy(text: string): PolicyScope {
  const answer = wasm.policyToJson(text);
  if (answer.type === 'failure') throw new ValidationException(`Invalid policy: ${messages(answer.errors)}`);
  return toScope(answer.json as never);
}

/** One policy template (with `?principal` and/or `?resource` slots). */
export function parseTemplate(text: string): PolicyScope {
  const answer = wasm.templateToJson(text);
  if (answer.type === 'failure') throw new ValidationException(`Invalid policy template: ${messages(answer.errors)}`);
  return toScope(answer.json as never);
}

/** Reads a schema in Cedar JSON or Cedar text form and returns it as Cedar JSON text. */
export function parseSchema(definition: { cedarJson?: string; cedarFormat?: string }): string {
  let schema: string | Record<string, unknown>;
  if (definition.cedarJson !== undefined) {
    try {
      schema = JSON.parse(definition.cedarJson) as Record<string, unknown>;
    } catch {
      throw new ValidationException('Invalid schema: cedarJson is not valid JSON.');
    }
    if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) throw new ValidationException('Invalid schema: a Cedar JSON schema is an object of namespaces.');
  } else {
    schema = definition.cedarFormat ?? '';
  }
  const check = wasm.checkParseSchema(schema as never);
  if (check.type === 'failure') throw new ValidationException(`Invalid schema: ${messages(check.errors)}`);
  let json = definition.cedarJson as string;
  if (typeof schema === 'string') {
    const converted = wasm.schemaToJson(schema);
    if (converted.type === 'failure') throw new ValidationException(`Invalid schema: ${messages(converted.errors)}`);
    json = JSON.stringify(converted.json);
    schema = converted.json;
  }
  assertNamespaces(Object.keys(schema));
  return json;
}

/**
 * Verified Permissions allows one namespace per schema and reserves `aws`, `amazon` and `cedar`.
 * (It also refuses the empty namespace; Tessera accepts it, as Cedar does, since most Cedar schemas use it.)
 */
function assertNamespaces(namespaces: string[]): void {
  if (namespaces.length > 1) throw new ValidationException(`Invalid schema: a policy store's schema has one namespace; this one has ${namespaces.length} (${namespaces.map((n) => JSON.stringify(n)).join(', ')}).`);
  const reserved = namespaces.find((n) => ['aws', 'amazon', 'cedar'].includes((n.split('::')[0] ?? '').toLowerCase()));
  if (reserved !== undefined) throw new ValidationException(`Invalid schema: the namespace ${reserved} is reserved.`);
}

export interface PolicySetParts {
  staticPolicies: Record<string, string>;
  templates: Record<string, string>;
  templateLinks: Array<{ templateId: string; newId: string; values: Record<string, { type: string; id: string }> }>;
}

/** Strict validation of a policy set against a schema: Cedar's messages, one per failing policy. */
export function validateAgainstSchema(schemaJson: string, policies: PolicySetParts): string[] {
  const answer = wasm.validate({ validationSettings: { mode: 'strict' }, schema: JSON.parse(schemaJson), policies });
  if (answer.type === 'failure') return [messages(answer.errors)];
  return answer.validationErrors.map((e) => `policy ${e.policyId}: ${e.error.message}${e.error.help ? ` (${e.error.help})` : ''}`);
}

export function cedarMessages(errors: Array<{ message: string; help?: string | null }>): string {
  return messages(errors);
}
