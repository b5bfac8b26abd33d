/**
 * Verified Permissions' resources as the domain holds them. Names follow the AVP API (camelCase),
 * so they round-trip through the wire and the config file without renaming.
 */

export type ValidationMode = 'OFF' | 'STRICT';
export type DeletionProtection = 'ENABLED' | 'DISABLED';

export interface EntityIdentifier {
  entityType: string;
  entityId: string;
}

/** Whether two optional identifiers name the same entity (two absent ones do). */
export function sameEntity(a: EntityIdentifier | undefined, b: EntityIdentifier | undefined): boolean {
  return a?.entityType === b?.entityType && a?.entityId === b?.entityId;
}

export interface ActionIdentifier {
  actionType: string;
  actionId: string;
}

export interface PolicyStore {
  id: string;
  description?: string;
  validationMode: ValidationMode;
  deletionProtection: DeletionProtection;
  createdAt: number;
  updatedAt: number;
}

export interface StoreSchema {
  /** Cedar JSON schema text. */
  json: string;
  namespaces: string[];
  createdAt: number;
  updatedAt: number;
}

export type PolicyType = 'STATIC' | 'TEMPLATE_LINKED';
export type PolicyEffect = 'Permit' | 'Forbid';

export interface Policy {
  storeId: string;
  id: string;
  type: PolicyType;
  /** Cedar text of a static policy. */
  statement?: string;
  description?: string;
  name?: string;
  templateId?: string;
  principal?: EntityIdentifier;
  resource?: EntityIdentifier;
  actions: ActionIdentifier[];
  effect: PolicyEffect;
  createdAt: number;
  updatedAt: number;
}

export interface PolicyTemplate {
  storeId: string;
  id: string;
  statement: string;
  description?: string;
  name?: string;
  createdAt: number;
  updatedAt: number;
}

export interface IdentitySource {
  storeId: string;
  id: string;
  userPoolArn: string;
  poolId: string;
  clientIds: string[];
  principalEntityType: string;
  /** Entity type of `cognito:groups` parents; Verified Permissions' default when unset. */
  groupEntityType?: string;
  createdAt: number;
  updatedAt: number;
}

/** A Cedar value in Cedar's JSON form (`__entity`, `__extn` escapes); i64 beyond 2^53 as `JSON.rawJSON`. */
export type CedarValue = unknown;

/** An entity in Cedar's JSON form. */
export interface CedarEntity {
  uid: { type: string; id: string };
  attrs: Record<string, CedarValue>;
  parents: Array<{ type: string; id: string }>;
  tags?: Record<string, CedarValue>;
}

export interface AuthorizationRequest {
  principal?: EntityIdentifier;
  action?: ActionIdentifier;
  resource?: EntityIdentifier;
  context: Record<string, CedarValue>;
}

export interface AuthorizationResult {
  decision: 'ALLOW' | 'DENY';
  determiningPolicies: Array<{ policyId: string }>;
  errors: Array<{ errorDescription: string }>;
}
