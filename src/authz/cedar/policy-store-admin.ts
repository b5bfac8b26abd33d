import { decodePageToken, paginate } from '../../userpools/pagination.ts';
import type { PolicyFilterQuery, PolicyStoreRepository } from '../../store/repositories/policy-stores.ts';
import type { Clock } from '../../util/clock.ts';
import { randomString, type Random } from '../../util/random.ts';
import { parseSchema, parseStaticPolicy, parseTemplate, validateAgainstSchema, type PolicyScope } from './cedar.ts';
import type { CompiledStores } from './compiled-stores.ts';
import { policySetOf } from './policy-set.ts';
import { ConflictException, InvalidStateException, ResourceNotFoundException, ServiceQuotaExceededException, ValidationException } from './errors.ts';
import { sameEntity, type DeletionProtection, type EntityIdentifier, type IdentitySource, type Policy, type PolicyStore, type PolicyTemplate, type StoreSchema, type ValidationMode } from './model.ts';

/** Verified Permissions' quotas (userguide/quotas.md). */
export const LIMITS = { policyBytes: 10_000, schemaBytes: 100_000, templatesPerStore: 40, identitySourcesPerStore: 1 } as const;

export interface CedarAdminDeps {
  repo: PolicyStoreRepository;
  compiled: CompiledStores;
  clock: Clock;
  random: Random;
  /** Whether a Tessera user pool exists, for identity sources. */
  poolExists(poolId: string): Promise<boolean>;
}

export type PolicyDefinition =
  | { static: { statement: string; description?: string } }
  | { templateLinked: { policyTemplateId: string; principal?: EntityIdentifier; resource?: EntityIdentifier } };

export interface CognitoConfiguration {
  userPoolArn: string;
  clientIds?: string[];
  groupEntityType?: string;
}

/** AVP's 22-character base62 identifiers. */
function newId(random: Random): string {
  return randomString(random, 22);
}

const POOL_ARN = /^arn:[\w-]+:cognito-idp:[\w-]+:\d{12}:userpool\/([\w-]+_[0-9a-zA-Z]+)$/;

/**
 * Policy stores, schemas, policies, templates and identity sources. Every write that changes what a
 * store decides runs in one transaction that bumps the store's version, then forgets the compiled copy.
 */
export class PolicyStoreAdmin {
  constructor(private readonly d: CedarAdminDeps) {}

  private async store(id: string): Promise<PolicyStore> {
    const store = await this.d.repo.findStore(id);
    if (!store) throw new ResourceNotFoundException('POLICY_STORE', id);
    return store;
  }

  /** Runs a write on a locked store (its version bumped), then drops every compiled copy of it here. */
  private async write<T>(storeId: string, work: (repo: PolicyStoreRepository, store: PolicyStore) => Promise<T>): Promise<T> {
    try {
      return await this.d.repo.transaction(async (repo) => {
        const store = await repo.lockStore(storeId);
        if (!store) throw new ResourceNotFoundException('POLICY_STORE', storeId);
        return work(repo, store);
      });
    } finally {
      this.d.compiled.forget(storeId);
    }
  }

  // ---- policy stores

  /** `id` is for declared configuration only, so demos and docs can name a store; the API always generates one. */
  async createStore(input: { validationMode: ValidationMode; description?: string; deletionProtection?: DeletionProtection }, id?: string): Promise<PolicyStore> {
    const now = this.d.clock.now();
    const store: PolicyStore = {
      id: id ?? newId(this.d.random),
      ...(input.description !== undefined && { description: input.description }),
      validationMode: input.validationMode,
      deletionProtection: input.deletionProtection ?? 'DISABLED',
      createdAt: now,
      updatedAt: now,
    };
    await this.d.repo.insertStore(store);
    return store;
  }

  getStore(id: string): Promise<PolicyStore> {
    return this.store(id);
  }

  async updateStore(id: string, input: { validationMode: ValidationMode; description?: string; deletionProtection?: DeletionProtection }): Promise<PolicyStore> {
    return this.write(id, async (repo, store) => {
      const updated: PolicyStore = {
        ...store,
        validationMode: input.validationMode,
        ...(input.description !== undefined && { description: input.description }),
        ...(input.deletionProtection !== undefined && { deletionProtection: input.deletionProtection }),
        updatedAt: this.d.clock.now(),
      };
      await repo.updateStore(updated);
      return updated;
    });
  }

  async deleteStore(id: string): Promise<void> {
    const store = await this.d.repo.findStore(id);
    // Verified Permissions answers a delete of a missing store with success: deletes are idempotent.
    if (!store) return;
    if (store.deletionProtection === 'ENABLED') throw new InvalidStateException(`Policy store ${id} has deletion protection enabled; disable it with UpdatePolicyStore first.`);
    await this.d.repo.deleteStore(id);
    this.d.compiled.release(id);
  }

  async listStores(maxResults: number, nextToken?: string): Promise<{ items: PolicyStore[]; next?: string }> {
    const after = decodeToken(nextToken);
    return paginate(maxResults, (n) => this.d.repo.listStores(n, after), (s) => s.id);
  }

  // ---- schema

  async putSchema(storeId: string, definition: { cedarJson?: string; cedarFormat?: string }): Promise<StoreSchema> {
    const text = definition.cedarJson ?? definition.cedarFormat ?? '';
    if (Buffer.byteLength(text) > LIMITS.schemaBytes) throw new ServiceQuotaExceededException('SCHEMA', `A schema may be at most ${LIMITS.schemaBytes} bytes.`);
    const json = parseSchema(definition);
    // As in Verified Permissions, a new schema applies to policies written after it; stored ones are not re-validated.
    return this.write(storeId, async (repo) => {
      await repo.putSchema(storeId, json, this.d.clock.now());
      return (await repo.findSchema(storeId)) as StoreSchema;
    });
  }

  async getSchema(storeId: string): Promise<StoreSchema> {
    await this.store(storeId);
    const schema = await this.d.repo.findSchema(storeId);
    if (!schema) throw new ResourceNotFoundException('SCHEMA', storeId);
    return schema;
  }

  /**
   * In a STRICT store every policy must validate against the schema: the store's policies, with
   * `change` applied, are validated together, and Cedar's messages refuse the write.
   */
  private async assertValid(repo: PolicyStoreRepository, storeId: string, schemaJson: string | undefined, change: { policy?: Policy; template?: PolicyTemplate }): Promise<void> {
    const [policies, templates] = [await repo.listPolicies(storeId, {}, 1_000_000), await repo.listTemplates(storeId, 1_000_000)];
    const replace = <T extends { id: string }>(items: T[], item?: T) => (item ? [...items.filter((i) => i.id !== item.id), item] : items);
    const all = { policies: replace(policies, change.policy), templates: replace(templates, change.template) };
    if (all.policies.length + all.templates.length === 0) return;
    if (schemaJson === undefined) {
      throw new ValidationException('The policy store validates STRICTly and has no schema to validate against: put a schema first, or set validation to OFF.');
    }
    const errors = validateAgainstSchema(schemaJson, policySetOf(all));
    if (errors.length > 0) throw new ValidationException(`The policy failed validation against the schema: ${errors.join('; ')}`);
  }

  // ---- policies

  async createPolicy(storeId: string, definition: PolicyDefinition, name?: string, declaredId?: string): Promise<Policy> {
    const now = this.d.clock.now();
    return this.write(storeId, async (repo, store) => {
      if (name !== undefined && (await repo.findPolicyByName(storeId, name))) throw new ConflictException(`A policy named ${name} already exists in policy store ${storeId}.`);
      const id = declaredId ?? newId(this.d.random);
      let policy: Policy;
      if ('static' in definition) {
        const scope = this.staticScope(definition.static.statement);
        policy = { storeId, id, type: 'STATIC', statement: definition.static.statement, ...opt('description', definition.static.description), ...scopeFields(scope), ...opt('name', name), createdAt: now, updatedAt: now };
      } else {
        const link = definition.templateLinked;
        const template = await repo.findTemplate(storeId, link.policyTemplateId);
        if (!template) throw new ResourceNotFoundException('POLICY_TEMPLATE', link.policyTemplateId);
        const scope = parseTemplate(template.statement);
        for (const [slot, value] of [['?principal', link.principal], ['?resource', link.resource]] as const) {
          const wanted = scope.slots.includes(slot);
          if (wanted && !value) throw new ValidationException(`The policy template has a ${slot} slot: give a ${slot.slice(1)} to link it.`);
          if (!wanted && value) throw new ValidationException(`The policy template has no ${slot} slot, so a ${slot.slice(1)} cannot be given.`);
        }
        policy = {
          storeId,
          id,
          type: 'TEMPLATE_LINKED',
          templateId: template.id,
          ...opt('principal', link.principal),
          ...opt('resource', link.resource),
          actions: scope.actions,
          effect: scope.effect,
          ...opt('name', name),
          createdAt: now,
          updatedAt: now,
        };
      }
      if (store.validationMode === 'STRICT') await this.assertValid(repo, storeId, (await repo.findSchema(storeId))?.json, { policy });
      await repo.insertPolicy(policy);
      return policy;
    });
  }

  private staticScope(statement: string): PolicyScope {
    if (Buffer.byteLength(statement) > LIMITS.policyBytes) throw new ValidationException(`A policy may be at most ${LIMITS.policyBytes} bytes.`);
    return parseStaticPolicy(statement);
  }

  async getPolicy(storeId: string, policyId: string): Promise<Policy> {
    await this.store(storeId);
    const policy = await this.d.repo.findPolicy(storeId, policyId);
    if (!policy) throw new ResourceNotFoundException('POLICY', policyId);
    return policy;
  }

  /**
   * Verified Permissions lets an update change a static policy's actions, conditions and description,
   * but not its effect, principal or resource, nor turn it into a template-linked policy.
   */
  async updatePolicy(storeId: string, policyId: string, definition: { statement: string; description?: string }): Promise<Policy> {
    return this.write(storeId, async (repo, store) => {
      const current = await repo.findPolicy(storeId, policyId);
      if (!current) throw new ResourceNotFoundException('POLICY', policyId);
      if (current.type !== 'STATIC') throw new ValidationException('A template-linked policy cannot be updated; update its template, or delete it and link again.');
      const scope = this.staticScope(definition.statement);
      if (scope.effect !== current.effect) throw new ValidationException("A policy's effect cannot be changed by an update.");
      if (!sameEntity(scope.principal, current.principal) || !sameEntity(scope.resource, current.resource)) {
        throw new ValidationException("A policy's principal and resource cannot be changed by an update.");
      }
      const updated: Policy = { ...current, statement: definition.statement, actions: scope.actions, updatedAt: this.d.clock.now() };
      if (definition.description !== undefined) updated.description = definition.description;
      if (store.validationMode === 'STRICT') await this.assertValid(repo, storeId, (await repo.findSchema(storeId))?.json, { policy: updated });
      await repo.updatePolicy(updated);
      return updated;
    });
  }

  /** Idempotent, as in Verified Permissions: deleting a policy that is not there succeeds. */
  async deletePolicy(storeId: string, policyId: string): Promise<void> {
    await this.write(storeId, async (repo) => {
      await repo.deletePolicy(storeId, policyId);
    });
  }

  async listPolicies(storeId: string, filter: PolicyFilterQuery, maxResults: number, nextToken?: string): Promise<{ items: Policy[]; next?: string }> {
    await this.store(storeId);
    const after = decodeToken(nextToken);
    return paginate(maxResults, (n) => this.d.repo.listPolicies(storeId, filter, n, after), (p) => p.id);
  }

  // ---- templates

  async createTemplate(storeId: string, statement: string, description?: string, name?: string, declaredId?: string): Promise<PolicyTemplate> {
    this.templateScope(statement);
    const now = this.d.clock.now();
    return this.write(storeId, async (repo, store) => {
      if ((await repo.countTemplates(storeId)) >= LIMITS.templatesPerStore) throw new ServiceQuotaExceededException('POLICY_TEMPLATE', `A policy store may hold at most ${LIMITS.templatesPerStore} policy templates.`);
      if (name !== undefined && (await repo.findTemplateByName(storeId, name))) throw new ConflictException(`A policy template named ${name} already exists in policy store ${storeId}.`);
      const template: PolicyTemplate = { storeId, id: declaredId ?? newId(this.d.random), statement, ...opt('description', description), ...opt('name', name), createdAt: now, updatedAt: now };
      if (store.validationMode === 'STRICT') await this.assertValid(repo, storeId, (await repo.findSchema(storeId))?.json, { template });
      await repo.insertTemplate(template);
      return template;
    });
  }

  /** Verified Permissions, unlike Cedar, requires a template to constrain both its principal and its resource. */
  private templateScope(statement: string): PolicyScope {
    if (Buffer.byteLength(statement) > LIMITS.policyBytes) throw new ValidationException(`A policy template may be at most ${LIMITS.policyBytes} bytes.`);
    const scope = parseTemplate(statement);
    if (!scope.constrained.principal || !scope.constrained.resource) {
      throw new ValidationException(`A policy template must constrain both principal and resource; its ${scope.constrained.principal ? 'resource' : 'principal'} is unconstrained.`);
    }
    return scope;
  }

  async getTemplate(storeId: string, templateId: string): Promise<PolicyTemplate> {
    await this.store(storeId);
    const template = await this.d.repo.findTemplate(storeId, templateId);
    if (!template) throw new ResourceNotFoundException('POLICY_TEMPLATE', templateId);
    return template;
  }

  /** The new text applies at once to every policy linked to the template; its slots must stay the same. */
  async updateTemplate(storeId: string, templateId: string, statement: string, description?: string): Promise<PolicyTemplate> {
    const scope = this.templateScope(statement);
    return this.write(storeId, async (repo, store) => {
      const current = await repo.findTemplate(storeId, templateId);
      if (!current) throw new ResourceNotFoundException('POLICY_TEMPLATE', templateId);
      const before = parseTemplate(current.statement);
      if (before.slots.join() !== scope.slots.join()) throw new ValidationException("A policy template's slots cannot be changed by an update.");
      if (before.effect !== scope.effect) throw new ValidationException("A policy template's effect cannot be changed by an update.");
      const updated: PolicyTemplate = { ...current, statement, ...opt('description', description ?? current.description), updatedAt: this.d.clock.now() };
      if (store.validationMode === 'STRICT') await this.assertValid(repo, storeId, (await repo.findSchema(storeId))?.json, { template: updated });
      await repo.updateTemplate(updated);
      // Linked policies report the template's actions; keep them true to the new text.
      for (const linked of await repo.listPolicies(storeId, { templateId }, 1_000_000)) {
        await repo.updatePolicy({ ...linked, actions: scope.actions, updatedAt: updated.updatedAt });
      }
      return updated;
    });
  }

  /** Deleting a template deletes the policies linked to it too, as Verified Permissions does. */
  async deleteTemplate(storeId: string, templateId: string): Promise<void> {
    await this.write(storeId, async (repo) => {
      if (!(await repo.deleteTemplate(storeId, templateId))) throw new ResourceNotFoundException('POLICY_TEMPLATE', templateId);
    });
  }

  async listTemplates(storeId: string, maxResults: number, nextToken?: string): Promise<{ items: PolicyTemplate[]; next?: string }> {
    await this.store(storeId);
    const after = decodeToken(nextToken);
    return paginate(maxResults, (n) => this.d.repo.listTemplates(storeId, n, after), (t) => t.id);
  }

  // ---- identity sources

  private async poolOf(configuration: CognitoConfiguration): Promise<string> {
    const match = POOL_ARN.exec(configuration.userPoolArn);
    if (!match) throw new ValidationException(`userPoolArn ${configuration.userPoolArn} is not a Cognito user pool ARN (arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID).`);
    const poolId = match[1] as string;
    if (!(await this.d.poolExists(poolId))) throw new ValidationException(`User pool ${poolId} does not exist.`);
    return poolId;
  }

  async createIdentitySource(storeId: string, configuration: CognitoConfiguration, principalEntityType?: string): Promise<IdentitySource> {
    const poolId = await this.poolOf(configuration);
    const now = this.d.clock.now();
    return this.write(storeId, async (repo) => {
      if ((await repo.listIdentitySources(storeId, LIMITS.identitySourcesPerStore)).length >= LIMITS.identitySourcesPerStore) {
        throw new ServiceQuotaExceededException('IDENTITY_SOURCE', `A policy store may have at most ${LIMITS.identitySourcesPerStore} identity source.`);
      }
      const source: IdentitySource = {
        storeId,
        id: newId(this.d.random),
        userPoolArn: configuration.userPoolArn,
        poolId,
        clientIds: configuration.clientIds ?? [],
        // Verified Permissions' default principal type for a Cognito identity source.
        principalEntityType: principalEntityType ?? 'AWS::Cognito::User',
        ...opt('groupEntityType', configuration.groupEntityType),
        createdAt: now,
        updatedAt: now,
      };
      await repo.insertIdentitySource(source);
      return source;
    });
  }

  async getIdentitySource(storeId: string, id: string): Promise<IdentitySource> {
    await this.store(storeId);
    const source = await this.d.repo.findIdentitySource(storeId, id);
    if (!source) throw new ResourceNotFoundException('IDENTITY_SOURCE', id);
    return source;
  }

  async updateIdentitySource(storeId: string, id: string, configuration: CognitoConfiguration, principalEntityType?: string): Promise<IdentitySource> {
    const poolId = await this.poolOf(configuration);
    return this.write(storeId, async (repo) => {
      const current = await repo.findIdentitySource(storeId, id);
      if (!current) throw new ResourceNotFoundException('IDENTITY_SOURCE', id);
      const updated: IdentitySource = {
        ...current,
        userPoolArn: configuration.userPoolArn,
        poolId,
        clientIds: configuration.clientIds ?? [],
        principalEntityType: principalEntityType ?? current.principalEntityType,
        updatedAt: this.d.clock.now(),
      };
      if (configuration.groupEntityType !== undefined) updated.groupEntityType = configuration.groupEntityType;
      else delete updated.groupEntityType;
      await repo.updateIdentitySource(updated);
      return updated;
    });
  }

  async deleteIdentitySource(storeId: string, id: string): Promise<void> {
    await this.write(storeId, async (repo) => {
      if (!(await repo.deleteIdentitySource(storeId, id))) throw new ResourceNotFoundException('IDENTITY_SOURCE', id);
    });
  }

  async listIdentitySources(storeId: string, maxResults: number, nextToken?: string, principalEntityType?: string): Promise<{ items: IdentitySource[]; next?: string }> {
    await this.store(storeId);
    const after = decodeToken(nextToken);
    return paginate(maxResults, (n) => this.d.repo.listIdentitySources(storeId, n, after, principalEntityType), (s) => s.id);
  }
}

function decodeToken(token: string | undefined): string | undefined {
  try {
    return decodePageToken(token);
  } catch {
    throw new ValidationException('Invalid nextToken.');
  }
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function scopeFields(scope: PolicyScope): Pick<Policy, 'principal' | 'resource' | 'actions' | 'effect'> {
  return { ...opt('principal', scope.principal), ...opt('resource', scope.resource), actions: scope.actions, effect: scope.effect };
}
