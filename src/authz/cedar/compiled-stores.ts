import type { PolicyStoreRepository, StoreContents } from '../../store/repositories/policy-stores.ts';
import { cedarMessages, cedarWasm } from './cedar.ts';
import { policySetOf } from './policy-set.ts';
import { ResourceNotFoundException } from './errors.ts';
import type { IdentitySource } from './model.ts';
import { SchemaView } from './schema-view.ts';
import { ActionSlices } from './action-slices.ts';
import { entityLiteralsOf } from './reachable-entities.ts';

/**
 * How long a compiled store serves decisions before its version is read again. Writes made through
 * this process forget it at once; another instance's writes take effect within this time.
 */
const VERSION_CHECK_MS = 1_000;

/** A policy store ready to decide: its policy set and schema preparsed inside the Cedar engine. */
export interface CompiledStore {
  id: string;
  version: number;
  /** Key of the preparsed policy set and schema in the engine's cache. */
  engineKey: string;
  hasSchema: boolean;
  /** Requests are checked against the schema when the store validates STRICTly. */
  validateRequests: boolean;
  schema?: SchemaView;
  identitySource?: IdentitySource;
  /** Per-action subsets of the policy set, so the engine evaluates only policies that could apply. */
  slices: ActionSlices;
  /** Cedar JSON schema, for checking a batch's entities once. */
  schemaJson?: unknown;
  /** Entities the policies name literally, which any request may reach. */
  entityLiterals: string[];
}


/**
 * Per-store compiled policy sets, parsed once and reused for every decision (the engine would
 * otherwise re-parse every policy on every request). Stale entries are found by the store's version.
 */
export class CompiledStores {
  private readonly entries = new Map<string, { store: CompiledStore; checkedAt: number }>();

  constructor(private readonly repo: PolicyStoreRepository) {}

  async get(storeId: string): Promise<CompiledStore> {
    const cached = this.entries.get(storeId);
    const now = performance.now();
    if (cached && now - cached.checkedAt < VERSION_CHECK_MS) return cached.store;
    if (cached) {
      const version = await this.repo.version(storeId);
      if (version === cached.store.version) {
        cached.checkedAt = now;
        return cached.store;
      }
    }
    const contents = await this.repo.contents(storeId);
    if (!contents) {
      if (cached) this.release(storeId);
      throw new ResourceNotFoundException('POLICY_STORE', storeId);
    }
    // Two compilations may race (a slow read of an older version finishing last): keep the newer.
    const current = this.entries.get(storeId);
    if (current && current.store.version > contents.version) return current.store;
    const store = this.compile(contents);
    this.entries.set(storeId, { store, checkedAt: performance.now() });
    return store;
  }

  /**
   * Drops a store after a change made through this process. Its policy set stays in the engine until
   * the next compilation replaces it, so a decision already holding the old entry still finds one.
   */
  forget(storeId: string): void {
    this.entries.delete(storeId);
  }

  /** After a store is deleted: also frees its policy set and schema inside the engine. */
  release(storeId: string): void {
    this.entries.get(storeId)?.store.slices.release();
    this.entries.delete(storeId);
    cedarWasm.preparsePolicySet(storeId, { staticPolicies: {} });
    cedarWasm.preparseSchema(storeId, {});
  }

  private compile(contents: StoreContents): CompiledStore {
    const key = contents.store.id;
    const parsed = cedarWasm.preparsePolicySet(key, policySetOf(contents));
    // Stored policies were parsed on write; a failure here means the store was edited outside Tessera.
    if (parsed.type === 'failure') throw new Error(`policy store ${key} holds policies Cedar cannot parse: ${cedarMessages(parsed.errors)}`);
    if (contents.schema) {
      const schema = cedarWasm.preparseSchema(key, JSON.parse(contents.schema.json));
      if (schema.type === 'failure') throw new Error(`policy store ${key} holds a schema Cedar cannot parse: ${cedarMessages(schema.errors)}`);
    }
    const schema = contents.schema && new SchemaView(contents.schema.json);
    const policyJson = [
      ...contents.policies.filter((p) => p.statement !== undefined).map((p) => cedarWasm.policyToJson(p.statement as string)),
      ...contents.templates.map((t) => cedarWasm.templateToJson(t.statement)),
    ].map((answer) => (answer.type === 'success' ? answer.json : {}));
    const links = contents.policies.flatMap((p) => [p.principal, p.resource]).filter((e) => e !== undefined).map((e) => ({ __entity: { type: e.entityType, id: e.entityId } }));
    return {
      id: key,
      version: contents.version,
      engineKey: key,
      hasSchema: schema !== undefined,
      validateRequests: schema !== undefined && contents.store.validationMode === 'STRICT',
      ...(schema && { schema }),
      ...(contents.identitySource && { identitySource: contents.identitySource }),
      ...(contents.schema && { schemaJson: JSON.parse(contents.schema.json) }),
      entityLiterals: entityLiteralsOf([...policyJson, ...links]),
      slices: new ActionSlices(key, contents.policies, contents.templates, (type, id) => schema?.actionGroupsOf(type, id) ?? new Set()),
    };
  }
}
