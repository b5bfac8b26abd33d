import type { TokenService } from '../../tokens/token-service.ts';
import { entityName, type DecisionLog } from '../decisions/decision-log.ts';
import { entityUid } from './avp-values.ts';
import { cedarMessages, cedarWasm } from './cedar.ts';
import type { CompiledStore, CompiledStores } from './compiled-stores.ts';
import { ValidationException } from './errors.ts';
import { sameEntity, type ActionIdentifier, type AuthorizationRequest, type AuthorizationResult, type CedarEntity, type EntityIdentifier } from './model.ts';
import { EntityIndex } from './reachable-entities.ts';
import { principalFromTokens } from './token-principal.ts';

export const MAX_BATCH = 30;

export interface TokenAuthorization {
  principal: EntityIdentifier;
  results: AuthorizationResult[];
}

/**
 * Decides Verified Permissions requests with the official Cedar engine against a store's preparsed
 * policy set, and records every decision in the decision log.
 */
export class CedarAuthorizer {
  constructor(
    private readonly compiled: CompiledStores,
    private readonly tokens: TokenService,
    private readonly log: DecisionLog,
  ) {}

  async isAuthorized(storeId: string, request: AuthorizationRequest, entities: CedarEntity[]): Promise<AuthorizationResult> {
    const store = await this.compiled.get(storeId);
    return this.decide(store, request, entities, true);
  }

  /** Up to 30 requests sharing their principal or their resource, answered in request order. */
  async batchIsAuthorized(storeId: string, requests: AuthorizationRequest[], entities: CedarEntity[]): Promise<AuthorizationResult[]> {
    assertBatch(requests);
    const same = (pick: (r: AuthorizationRequest) => EntityIdentifier | undefined) => requests.every((r) => sameEntity(pick(r), pick(requests[0] as AuthorizationRequest)));
    if (!same((r) => r.principal) && !same((r) => r.resource)) {
      throw new ValidationException('All requests of a batch must have the same principal or the same resource.');
    }
    const store = await this.compiled.get(storeId);
    const entitiesFor = this.perRequestEntities(store, entities);
    return requests.map((r) => this.decide(store, r, entitiesFor(r), false));
  }

  /**
   * Cedar parses the whole entity list for every request. When a batch shares a long list, the list
   * is checked once and each request gets only the entities it can reach (same answers: see
   * reachable-entities.ts). A list that fails the check goes whole to every request, so each gets
   * Cedar's own error; so do lists with action entities, whose groups the schema cannot vouch for.
   */
  private perRequestEntities(store: CompiledStore, entities: CedarEntity[]): (r: AuthorizationRequest) => CedarEntity[] {
    const whole = () => entities;
    if (entities.length <= 8 || bringsActionEntities(entities)) return whole;
    const check = cedarWasm.checkParseEntities({ entities: entities as never, ...(store.schemaJson !== undefined && { schema: store.schemaJson as never }) });
    if (check.type !== 'success') return whole;
    const index = new EntityIndex(entities);
    return (r) =>
      r.principal && r.resource
        ? index.reachable({ principal: { type: r.principal.entityType, id: r.principal.entityId }, resource: { type: r.resource.entityType, id: r.resource.entityId }, context: r.context }, store.entityLiterals)
        : entities;
  }

  async isAuthorizedWithToken(
    storeId: string,
    tokens: { identityToken?: string; accessToken?: string },
    requests: Array<Omit<AuthorizationRequest, 'principal'>>,
    entities: CedarEntity[],
    batch: boolean,
  ): Promise<TokenAuthorization> {
    if (batch) assertBatch(requests);
    const store = await this.compiled.get(storeId);
    const who = await principalFromTokens(this.tokens, store, tokens);
    const source = store.identitySource;
    const groupType = source?.groupEntityType;
    // With an ID token the token alone defines the principal. With only an access token, the caller
    // may describe the principal in `entities` to give it attributes; its groups still come from the token.
    let principalEntity = who.entity;
    const others: CedarEntity[] = [];
    for (const e of entities) {
      const uid = entityUid(e);
      const isPrincipal = uid?.type === who.entity.uid.type && uid.id === who.entity.uid.id;
      if (isPrincipal && tokens.identityToken === undefined) {
        principalEntity = { ...e, parents: [...(Array.isArray(e.parents) ? e.parents : []), ...who.entity.parents] };
        continue;
      }
      if (uid && uid.type === source?.principalEntityType) throw new ValidationException(`PrincipalEntityType ${uid.type} cannot be defined in Entities.`);
      if (uid && groupType !== undefined && uid.type === groupType) throw new ValidationException(`GroupEntityType ${uid.type} cannot be defined in Entities.`);
      others.push(e);
    }
    const all = [...others, principalEntity];
    const results = requests.map((r) => {
      const request: AuthorizationRequest = { ...r, principal: who.principal, context: { ...who.context, ...r.context } };
      if (who.refusal !== undefined) return this.refuse(store, request, who.refusal);
      return this.decide(store, request, all, !batch);
    });
    return { principal: who.principal, results };
  }

  /**
   * One decision. A request Cedar cannot evaluate (unknown action, entities or context that break
   * the schema) is a ValidationException on its own, and a DENY with the reason inside a batch.
   */
  private decide(store: CompiledStore, request: AuthorizationRequest, entities: CedarEntity[], throwOnFailure: boolean): AuthorizationResult {
    const started = performance.now();
    const { principal, action, resource } = required(request);
    const answer = cedarWasm.statefulIsAuthorized({
      principal: { type: principal.entityType, id: principal.entityId },
      action: { type: action.actionType, id: action.actionId },
      resource: { type: resource.entityType, id: resource.entityId },
      context: request.context as never,
      entities: entities as never,
      preparsedPolicySetId: this.policySetKey(store, action, entities),
      ...(store.hasSchema && { preparsedSchemaName: store.engineKey }),
      validateRequest: store.validateRequests,
    });
    let result: AuthorizationResult;
    if (answer.type === 'failure') {
      const message = cedarMessages(answer.errors);
      if (throwOnFailure) {
        this.record(store, request, { decision: 'DENY', determiningPolicies: [], errors: [{ errorDescription: message }] }, started);
        throw new ValidationException(`The request cannot be evaluated: ${message}`);
      }
      result = { decision: 'DENY', determiningPolicies: [], errors: [{ errorDescription: message }] };
    } else {
      const { decision, diagnostics } = answer.response;
      result = {
        decision: decision === 'allow' ? 'ALLOW' : 'DENY',
        determiningPolicies: diagnostics.reason.map((policyId) => ({ policyId })),
        // Cedar's own wording for an evaluation error (AuthorizationError's Display in the Rust crate).
        errors: diagnostics.errors.map((e) => ({ errorDescription: `while evaluating policy \`${e.policyId}\`: ${e.error.message}` })),
      };
    }
    this.record(store, request, result, started);
    return result;
  }

  /**
   * The action's slice of the store, unless the request brings action entities of its own, whose
   * hierarchy the slice could not know: then the whole policy set decides.
   */
  private policySetKey(store: CompiledStore, action: ActionIdentifier, entities: CedarEntity[]): string {
    if (bringsActionEntities(entities)) return store.engineKey;
    return store.slices.keyFor({ type: action.actionType, id: action.actionId });
  }

  private refuse(store: CompiledStore, request: AuthorizationRequest, why: string): AuthorizationResult {
    const result: AuthorizationResult = { decision: 'DENY', determiningPolicies: [], errors: [{ errorDescription: why }] };
    this.record(store, request, result, performance.now());
    return result;
  }

  private record(store: CompiledStore, request: AuthorizationRequest, result: AuthorizationResult, started: number): void {
    this.log.record({
      engine: 'cedar',
      scope: store.id,
      principal: entityName(request.principal?.entityType, request.principal?.entityId),
      action: entityName(request.action?.actionType, request.action?.actionId),
      resource: entityName(request.resource?.entityType, request.resource?.entityId),
      decision: result.decision,
      determiningPolicies: result.determiningPolicies.map((p) => p.policyId),
      errors: result.errors.map((e) => e.errorDescription),
      latencyMicros: Math.round((performance.now() - started) * 1000),
    });
  }
}

function assertBatch(requests: unknown[]): void {
  if (requests.length < 1 || requests.length > MAX_BATCH) throw new ValidationException(`A batch holds 1 to ${MAX_BATCH} requests; it has ${requests.length}.`);
}

function required(r: AuthorizationRequest): { principal: EntityIdentifier; action: ActionIdentifier; resource: EntityIdentifier } {
  if (!r.principal) throw new ValidationException('The request needs a principal.');
  if (!r.action) throw new ValidationException('The request needs an action.');
  if (!r.resource) throw new ValidationException('The request needs a resource.');
  return { principal: r.principal, action: r.action, resource: r.resource };
}

/** Whether a request brings action entities (or entities Cedar will reject), whose groups no schema vouches for. */
function bringsActionEntities(entities: CedarEntity[]): boolean {
  return entities.some((e) => {
    const type = entityUid(e)?.type;
    return type === undefined || type === 'Action' || type.endsWith('::Action');
  });
}
