import type { CheckOutput, CheckPrincipal, CheckResource } from '../../authz/cerbos/engine.ts';
import { CerbosError } from '../../authz/cerbos/errors.ts';
import type { CheckResourcesRequest, CheckResourcesResult } from '../../authz/cerbos/pdp.ts';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../../util/json-depth.ts';

/**
 * The CheckResources request and response as Cerbos' HTTP gateway reads and writes them
 * (protobuf JSON): unknown fields refused, empty fields omitted, and its `buf.validate` rules
 * reported with the same paths and messages.
 */
const SCOPE = /^(^$|\.|[0-9a-zA-Z][\w-]*(\.\w[\w-]*)*)$/;
const VERSION = /^[\w]*$/;
export const LIMITS = { resources: 50, actions: 50 };

interface Violation {
  path: string;
  ruleId: string;
  message: string;
}

type Json = Record<string, unknown>;

class Reader {
  readonly violations: Violation[] = [];

  /** A message: protobuf JSON accepts each field by its JSON name or its proto (snake_case) name. */
  object(v: unknown, path: string, fields: string[]): Json | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw syntax(`invalid value for message field ${path}`);
    const out: Json = {};
    for (const [k, value] of Object.entries(v)) {
      const name = fields.includes(k) ? k : k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      if (!fields.includes(name)) throw syntax(`unknown field "${k}"`);
      out[name] = value;
    }
    return out;
  }

  string(v: unknown, field: string): string {
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') throw syntax(`invalid value for string field ${field}: ${JSON.stringify(v)}`);
    return v;
  }

  bool(v: unknown, field: string): boolean {
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') throw syntax(`invalid value for bool field ${field}: ${JSON.stringify(v)}`);
    return v;
  }

  strings(v: unknown, field: string): string[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw syntax(`invalid value for repeated field ${field}`);
    return v.map((x) => this.string(x, field));
  }

  attr(v: unknown, path: string): Record<string, unknown> {
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw syntax(`invalid value for map field ${path}`);
    if (nestedDeeperThan(v, MAX_JSON_DEPTH)) throw syntax('exceeded max recursion depth');
    for (const k of Object.keys(v)) if (!k) this.violate(`${path}[""]`, 'string.min_len', 'must be at least 1 characters');
    return v as Record<string, unknown>;
  }

  required(value: string | string[] | object | undefined, path: string): void {
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) this.violate(path, 'required', 'value is required');
  }

  pattern(value: string, re: RegExp, path: string, shown: string): void {
    if (!re.test(value)) this.violate(path, 'string.pattern', `does not match regex pattern \`${shown}\``);
  }

  uniqueNonEmpty(values: string[], path: string): void {
    values.forEach((v, i) => v === '' && this.violate(`${path}[${i}]`, 'string.min_len', 'must be at least 1 characters'));
    if (new Set(values).size !== values.length) this.violate(path, 'repeated.unique', 'repeated value must contain unique items');
  }

  violate(path: string, ruleId: string, message: string): void {
    this.violations.push({ path, ruleId, message });
  }

  finish(): void {
    const v = this.violations;
    if (!v.length) return;
    const line = (x: Violation) => (x.path ? `${x.path}: ${x.message}` : x.message);
    const message = v.length === 1 ? `validation error: ${line(v[0]!)}` : `validation errors:\n${v.map((x) => ` - ${line(x)}`).join('\n')}`;
    throw new CerbosError(3, message, [{ '@type': 'type.googleapis.com/buf.validate.Violations', violations: v.map((x) => ({ ...(x.path && { field: { elements: fieldElements(x.path) } }), ruleId: x.ruleId, message: x.message })) }]);
  }
}

function fieldElements(path: string): Array<{ fieldName: string; index?: string }> {
  return path.split('.').map((part) => {
    const m = /^([^[]+)\[(\d+)\]$/.exec(part);
    return m ? { fieldName: m[1]!, index: m[2]! } : { fieldName: part.replace(/\[.*$/, '') };
  });
}

function syntax(message: string): CerbosError {
  return new CerbosError(3, `proto: ${message}`);
}

const SCOPE_SHOWN = '^(^$|\\.|[0-9a-zA-Z][\\w\\-]*(\\.\\w[\\w\\-]*)*)$';

function readPrincipal(r: Reader, v: unknown, tokenMode: boolean): CheckPrincipal | undefined {
  const p = r.object(v, 'principal', ['id', 'policyVersion', 'roles', 'attr', 'scope']);
  if (!p) {
    if (!tokenMode) r.required(undefined, 'principal');
    return tokenMode ? { id: '', roles: [], attr: {} } : undefined;
  }
  const principal: CheckPrincipal = { id: r.string(p.id, 'id'), roles: r.strings(p.roles, 'roles'), attr: r.attr(p.attr, 'principal.attr') };
  const policyVersion = r.string(p.policyVersion, 'policy_version');
  const scope = r.string(p.scope, 'scope');
  if (policyVersion) principal.policyVersion = policyVersion;
  if (scope) principal.scope = scope;
  // With a token the principal's id and roles may come from it.
  if (!tokenMode) {
    r.required(principal.id, 'principal.id');
    r.required(principal.roles, 'principal.roles');
  }
  r.uniqueNonEmpty(principal.roles, 'principal.roles');
  r.pattern(policyVersion, VERSION, 'principal.policy_version', '^[\\w]*$');
  r.pattern(scope, SCOPE, 'principal.scope', SCOPE_SHOWN);
  return principal;
}

function readResource(r: Reader, v: unknown, path: string): CheckResource | undefined {
  const o = r.object(v, path, ['kind', 'policyVersion', 'id', 'attr', 'scope']);
  if (!o) {
    r.required(undefined, path);
    return undefined;
  }
  const resource: CheckResource = { kind: r.string(o.kind, 'kind'), id: r.string(o.id, 'id'), attr: r.attr(o.attr, `${path}.attr`) };
  const policyVersion = r.string(o.policyVersion, 'policy_version');
  const scope = r.string(o.scope, 'scope');
  if (policyVersion) resource.policyVersion = policyVersion;
  if (scope) resource.scope = scope;
  r.required(resource.kind, `${path}.kind`);
  r.required(resource.id, `${path}.id`);
  r.pattern(policyVersion, VERSION, `${path}.policy_version`, '^[\\w]*$');
  r.pattern(scope, SCOPE, `${path}.scope`, SCOPE_SHOWN);
  return resource;
}

function readAuxData(r: Reader, v: unknown): CheckResourcesRequest['auxData'] {
  const aux = r.object(v, 'aux_data', ['jwt']);
  const jwt = r.object(aux?.jwt, 'jwt', ['token', 'keySetId']);
  if (!jwt) return undefined;
  const token = r.string(jwt.token, 'token');
  r.string(jwt.keySetId, 'key_set_id');
  r.required(token, 'aux_data.jwt.token');
  return { jwt: { token } };
}

export interface WireCheckRequest extends CheckResourcesRequest {
  requestId: string;
  includeMeta: boolean;
}

export function readCheckResources(body: unknown, tokenMode: (hasToken: boolean) => boolean): WireCheckRequest {
  const r = new Reader();
  const b = r.object(body, 'request', ['requestId', 'principal', 'resources', 'auxData', 'includeMeta']) ?? {};
  const requestId = r.string(b.requestId, 'request_id');
  const includeMeta = r.bool(b.includeMeta, 'include_meta');
  const auxData = readAuxData(r, b.auxData);
  const principal = readPrincipal(r, b.principal, tokenMode(!!auxData?.jwt));
  if (b.resources !== undefined && b.resources !== null && !Array.isArray(b.resources)) throw syntax('invalid value for repeated field resources');
  const entries = (b.resources ?? []) as unknown[];
  r.required(entries, 'resources');
  if (entries.length > LIMITS.resources) throw new CerbosError(3, `number of resources in batch (${entries.length}) exceeds configured limit (${LIMITS.resources})`);
  const resources = entries.map((e, i) => {
    const o = r.object(e, `resources[${i}]`, ['actions', 'resource']) ?? {};
    const actions = r.strings(o.actions, 'actions');
    const resource = readResource(r, o.resource, `resources[${i}].resource`);
    r.required(actions, `resources[${i}].actions`);
    r.uniqueNonEmpty(actions, `resources[${i}].actions`);
    return { actions, resource };
  });
  r.finish();
  for (const e of resources) if (e.actions.length > LIMITS.actions) throw new CerbosError(3, `number of actions (${e.actions.length}) exceeds configured limit (${LIMITS.actions})`);
  return { requestId, includeMeta, principal: principal!, resources: resources as Array<{ actions: string[]; resource: CheckResource }>, ...(auxData && { auxData }) };
}

/** Fields in the order Cerbos writes them; empty ones left out, as protobuf JSON does. */
export function writeCheckResources(req: WireCheckRequest, result: CheckResourcesResult, callId: string): Json {
  return {
    ...(req.requestId && { requestId: req.requestId }),
    results: result.results.map(({ resource, output }) => writeResult(resource, output, req.includeMeta)),
    cerbosCallId: callId,
  };
}

function writeResult(resource: CheckResource, output: CheckOutput, includeMeta: boolean): Json {
  // Built field by field rather than with spreads: this runs for every resource of every check.
  const res: Json = { id: resource.id, kind: resource.kind };
  if (resource.policyVersion) res.policyVersion = resource.policyVersion;
  if (resource.scope) res.scope = resource.scope;
  const actions: Record<string, string> = {};
  const meta: Record<string, Json> = {};
  for (const [action, e] of output.actions) {
    actions[action] = e.effect;
    if (includeMeta) {
      const m: Json = {};
      if (e.policy) m.matchedPolicy = e.policy;
      if (e.scope) m.matchedScope = e.scope;
      meta[action] = m;
    }
  }
  const entry: Json = { resource: res, actions };
  if (includeMeta) entry.meta = output.effectiveDerivedRoles.length ? { actions: meta, effectiveDerivedRoles: output.effectiveDerivedRoles } : { actions: meta };
  if (output.outputs.length) entry.outputs = output.outputs.map((o) => (o.error !== undefined ? { src: o.src, action: o.action, error: o.error } : { src: o.src, action: o.action, val: o.val }));
  return entry;
}

export interface WirePlanRequest {
  requestId: string;
  includeMeta: boolean;
  /** Whether the deprecated single `action` field was used; the answer then uses it too. */
  singleAction: boolean;
  actions: string[];
  principal: CheckPrincipal;
  resource: { kind: string; attr: Record<string, unknown>; policyVersion?: string; scope?: string };
  auxData?: { jwt?: { token: string } };
}

export function readPlanResources(body: unknown, tokenMode: (hasToken: boolean) => boolean): WirePlanRequest {
  const r = new Reader();
  const b = r.object(body, 'request', ['requestId', 'action', 'actions', 'principal', 'resource', 'auxData', 'includeMeta']) ?? {};
  const requestId = r.string(b.requestId, 'request_id');
  const includeMeta = r.bool(b.includeMeta, 'include_meta');
  const action = r.string(b.action, 'action');
  let actions = r.strings(b.actions, 'actions');
  const auxData = readAuxData(r, b.auxData);
  const principal = readPrincipal(r, b.principal, tokenMode(!!auxData?.jwt));
  const o = r.object(b.resource, 'resource', ['kind', 'attr', 'policyVersion', 'scope']);
  if (!o) r.required(undefined, 'resource');
  const resource = { kind: r.string(o?.kind, 'kind'), attr: r.attr(o?.attr, 'resource.attr') } as WirePlanRequest['resource'];
  const policyVersion = r.string(o?.policyVersion, 'policy_version');
  const scope = r.string(o?.scope, 'scope');
  if (policyVersion) resource.policyVersion = policyVersion;
  if (scope) resource.scope = scope;
  if (o) r.required(resource.kind, 'resource.kind');
  r.pattern(policyVersion, VERSION, 'resource.policy_version', '^[\\w]*$');
  r.pattern(scope, SCOPE, 'resource.scope', SCOPE_SHOWN);
  if (action && actions.length) r.violations.push({ path: '', ruleId: 'exclusiveFieldsActionOrActions', message: "Exactly one of 'action' or 'actions' field must be set" });
  else if (action) actions = [action];
  if (!action && !actions.length) r.violations.push({ path: '', ruleId: 'exclusiveFieldsActionOrActions', message: "Exactly one of 'action' or 'actions' field must be set" });
  r.uniqueNonEmpty(actions, 'actions');
  if (actions.length > 20) r.violate('actions', 'repeated.max_items', 'must contain no more than 20 item(s)');
  r.finish();
  return { requestId, includeMeta, singleAction: !!action, actions, principal: principal!, resource, ...(auxData && { auxData }) };
}

export function writePlanResources(req: WirePlanRequest, out: { filter: unknown; filterDebug: string; matchedScopes: Record<string, string> }, callId: string): Json {
  return {
    ...(req.requestId && { requestId: req.requestId }),
    ...(req.singleAction ? { action: req.actions[0] } : { actions: req.actions }),
    resourceKind: req.resource.kind,
    ...(req.resource.policyVersion && { policyVersion: req.resource.policyVersion }),
    filter: out.filter,
    ...(req.includeMeta && { meta: { filterDebug: out.filterDebug, ...(req.singleAction ? {} : { matchedScopes: out.matchedScopes }) } }),
    cerbosCallId: callId,
  };
}

/** CheckResourceSet (`POST /api/check`), deprecated since Cerbos 0.16 but still served. */
export function readCheckResourceSet(body: unknown, tokenMode: (hasToken: boolean) => boolean): WireCheckRequest & { instanceIds: string[] } {
  const r = new Reader();
  const b = r.object(body, 'request', ['requestId', 'actions', 'principal', 'resource', 'includeMeta', 'auxData']) ?? {};
  const requestId = r.string(b.requestId, 'request_id');
  const includeMeta = r.bool(b.includeMeta, 'include_meta');
  const actions = r.strings(b.actions, 'actions');
  const auxData = readAuxData(r, b.auxData);
  const principal = readPrincipal(r, b.principal, tokenMode(!!auxData?.jwt));
  const o = r.object(b.resource, 'resource', ['kind', 'policyVersion', 'instances', 'scope']) ?? {};
  const kind = r.string(o.kind, 'kind');
  const policyVersion = r.string(o.policyVersion, 'policy_version');
  const scope = r.string(o.scope, 'scope');
  if (o.instances !== undefined && o.instances !== null && (typeof o.instances !== 'object' || Array.isArray(o.instances))) throw syntax('invalid value for map field instances');
  const instances = (o.instances ?? {}) as Json;
  r.required(actions, 'actions');
  r.uniqueNonEmpty(actions, 'actions');
  r.required(kind, 'resource.kind');
  if (!Object.keys(instances).length) r.required(undefined, 'resource.instances');
  r.finish();
  const ids = Object.keys(instances);
  if (ids.length > LIMITS.resources) throw new CerbosError(3, `number of resources in batch (${ids.length}) exceeds configured limit (${LIMITS.resources})`);
  if (actions.length > LIMITS.actions) throw new CerbosError(3, `number of actions (${actions.length}) exceeds configured limit (${LIMITS.actions})`);
  const resources = ids.map((id) => {
    const inst = r.object(instances[id], `instances[${id}]`, ['attr']) ?? {};
    return { actions, resource: { kind, id, attr: r.attr(inst.attr, 'attr'), ...(policyVersion && { policyVersion }), ...(scope && { scope }) } };
  });
  return { requestId, includeMeta, principal: principal!, resources, instanceIds: ids, ...(auxData && { auxData }) };
}

export function writeCheckResourceSet(req: WireCheckRequest, result: CheckResourcesResult): Json {
  const instances: Record<string, Json> = {};
  const meta: Record<string, Json> = {};
  for (const { resource, output } of result.results) {
    const actions: Record<string, string> = {};
    const effects: Record<string, Json> = {};
    for (const [a, e] of output.actions) {
      actions[a] = e.effect;
      effects[a] = { ...(e.policy && { matchedPolicy: e.policy }), ...(e.scope && { matchedScope: e.scope }) };
    }
    instances[resource.id] = { actions };
    meta[resource.id] = { actions: effects, ...(output.effectiveDerivedRoles.length && { effectiveDerivedRoles: output.effectiveDerivedRoles }) };
  }
  return { ...(req.requestId && { requestId: req.requestId }), resourceInstances: instances, ...(req.includeMeta && { meta: { resourceInstances: meta } }) };
}

/** CheckResourceBatch (`POST /api/check_resource_batch`), deprecated since Cerbos 0.16: effects only. */
export function writeCheckResourceBatch(req: WireCheckRequest, result: CheckResourcesResult): Json {
  return {
    ...(req.requestId && { requestId: req.requestId }),
    results: result.results.map(({ resource, output }) => ({ resourceId: resource.id, actions: Object.fromEntries([...output.actions].map(([a, e]) => [a, e.effect])) })),
  };
}
