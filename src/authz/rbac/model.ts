/** The Permit-style RBAC model: what one environment holds and what a check asks. */

/** What a key may hold: Permit's key characters plus `@ + |`, so emails and `pool|sub` ids fit. */
export const RBAC_KEY_PATTERN = /^[A-Za-z0-9_\-.@+|]+$/;

export type Attributes = Record<string, unknown>;

export interface RbacEnvironment {
  /** Permit's `environment_id` (a UUID). */
  id: string;
  key: string;
  projectId: string;
  projectKey: string;
  organizationId: string;
  createdAt: number;
}

export interface RbacResource {
  id: string;
  key: string;
  name: string;
  description?: string;
  /** Action key → its name and description. */
  actions: Record<string, { id: string; name: string; description?: string }>;
  attributes: Record<string, { type: string; description?: string }>;
  createdAt: number;
  updatedAt: number;
}

export interface RbacRole {
  id: string;
  key: string;
  name: string;
  description?: string;
  /** `resource:action`; `resource:*` grants every action of the resource. */
  permissions: string[];
  /** Roles whose permissions this one inherits. */
  extends: string[];
  createdAt: number;
  updatedAt: number;
}

export interface RbacTenant {
  id: string;
  key: string;
  name: string;
  description?: string;
  attributes: Attributes;
  createdAt: number;
  updatedAt: number;
}

export interface RbacUser {
  id: string;
  key: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  attributes: Attributes;
  createdAt: number;
  updatedAt: number;
}

export interface RbacRoleAssignment {
  id: string;
  user: string;
  role: string;
  tenant: string;
  createdAt: number;
}

/** `permit.check(user, action, resource, context)` once the SDK has normalised its arguments. */
export interface RbacCheckInput {
  /** Environment id or key; omitted means the only environment there is. */
  environment?: string;
  user: { key: string; attributes?: Attributes };
  action: string;
  resource: { type: string; key?: string; tenant?: string; attributes?: Attributes };
  context?: Attributes;
}

export interface RbacDecision {
  allow: boolean;
  /** Why, in words a person can act on. */
  reason: string;
  /** The user's roles in the tenant that grant the permission. */
  grantingRoles: string[];
}
