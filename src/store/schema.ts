/**
 * Table types for Kysely. Times are epoch milliseconds (BIGINT); booleans are 0/1 INTEGERs and
 * structured settings are JSON text, so one schema runs unchanged on SQLite and PostgreSQL.
 */
export interface Database {
  user_pools: UserPoolTable;
  user_pool_clients: UserPoolClientTable;
  users: UserTable;
  user_attributes: UserAttributeTable;
  groups: GroupTable;
  user_groups: UserGroupTable;
  signing_keys: SigningKeyTable;
  sessions: SessionTable;
  challenge_sessions: ChallengeSessionTable;
  codes: CodeTable;
  outbox: OutboxTable;
  auth_failures: AuthFailureTable;
  resource_servers: ResourceServerTable;
  authorization_codes: AuthorizationCodeTable;
  login_sessions: LoginSessionTable;
  server_secrets: ServerSecretTable;
  policy_stores: PolicyStoreTable;
  policy_templates: PolicyTemplateTable;
  policies: PolicyTable;
  identity_sources: IdentitySourceTable;
  decision_log: DecisionLogTable;
  client_tokens: ClientTokenTable;
  cerbos_policies: CerbosPolicyTable;
  cerbos_policy_set: CerbosPolicySetTable;
  rbac_environments: RbacEnvironmentTable;
  rbac_api_keys: RbacApiKeyTable;
  rbac_objects: RbacObjectTable;
  rbac_role_assignments: RbacRoleAssignmentTable;
  srp_exchanges: SrpExchangeTable;
  user_mfa: UserMfaTable;
  custom_auth_sessions: CustomAuthSessionTable;
}

export interface UserPoolTable {
  id: string;
  name: string;
  settings: string;
  created_at: number;
  updated_at: number;
}

export interface UserPoolClientTable {
  client_id: string;
  pool_id: string;
  name: string;
  client_secret: string | null;
  settings: string;
  created_at: number;
  updated_at: number;
}

export interface UserTable {
  id: string;
  pool_id: string;
  username: string;
  username_key: string;
  status: string;
  enabled: number;
  password_hash: string | null;
  password_updated_at: number | null;
  srp_salt: string | null;
  srp_verifier: string | null;
  created_at: number;
  updated_at: number;
}

export interface UserAttributeTable {
  user_id: string;
  pool_id: string;
  name: string;
  value: string;
}

export interface GroupTable {
  pool_id: string;
  name: string;
  description: string | null;
  role_arn: string | null;
  precedence: number | null;
  created_at: number;
  updated_at: number;
}

export interface UserGroupTable {
  pool_id: string;
  group_name: string;
  user_id: string;
}

export interface SigningKeyTable {
  kid: string;
  pool_id: string;
  purpose: string;
  private_jwk: string;
  public_jwk: string;
  created_at: number;
  retired_at: number | null;
  expires_at: number | null;
}

export interface SessionTable {
  origin_jti: string;
  pool_id: string;
  client_id: string;
  user_id: string;
  refresh_token_hash: string | null;
  scopes: string;
  auth_time: number;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface ChallengeSessionTable {
  id_hash: string;
  pool_id: string;
  client_id: string;
  user_id: string;
  challenge: string;
  created_at: number;
  expires_at: number;
}

export interface CodeTable {
  user_id: string;
  purpose: string;
  code_hash: string;
  attempts: number;
  created_at: number;
  expires_at: number;
}

export interface OutboxTable {
  id: string;
  pool_id: string;
  user_id: string | null;
  channel: string;
  destination: string;
  purpose: string;
  subject: string | null;
  body: string;
  code: string | null;
  created_at: number;
}

export interface AuthFailureTable {
  pool_id: string;
  subject_key: string;
  failures: number;
  last_failure_at: number;
  locked_until: number;
}

export interface ResourceServerTable {
  pool_id: string;
  identifier: string;
  name: string;
  /** JSON: `[{ScopeName, ScopeDescription}]`. */
  scopes: string;
  created_at: number;
  updated_at: number;
}

export interface AuthorizationCodeTable {
  code_hash: string;
  pool_id: string;
  client_id: string;
  user_id: string;
  redirect_uri: string;
  scopes: string;
  nonce: string | null;
  code_challenge: string | null;
  code_challenge_method: string | null;
  auth_time: number;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  /** The session its redemption started, revoked if the code is ever presented again. */
  origin_jti: string | null;
}

export interface LoginSessionTable {
  id_hash: string;
  pool_id: string;
  user_id: string;
  auth_time: number;
  created_at: number;
  expires_at: number;
}

export interface ServerSecretTable {
  name: string;
  value: string;
  created_at: number;
}

export interface PolicyStoreTable {
  id: string;
  description: string | null;
  validation_mode: string;
  deletion_protection: string;
  schema_json: string | null;
  schema_created_at: number | null;
  schema_updated_at: number | null;
  version: number;
  created_at: number;
  updated_at: number;
}

export interface PolicyTemplateTable {
  store_id: string;
  id: string;
  statement: string;
  description: string | null;
  name: string | null;
  created_at: number;
  updated_at: number;
}

export interface PolicyTable {
  store_id: string;
  id: string;
  policy_type: string;
  statement: string | null;
  description: string | null;
  name: string | null;
  template_id: string | null;
  principal: string | null;
  resource: string | null;
  actions: string;
  effect: string;
  created_at: number;
  updated_at: number;
}

export interface IdentitySourceTable {
  store_id: string;
  id: string;
  user_pool_arn: string;
  pool_id: string;
  client_ids: string;
  principal_entity_type: string;
  group_entity_type: string | null;
  created_at: number;
  updated_at: number;
}

export interface DecisionLogTable {
  id: string;
  at: number;
  engine: string;
  scope: string;
  principal: string;
  action: string;
  resource: string;
  decision: string;
  determining_policies: string;
  errors: string;
  latency_us: number;
}

export interface ClientTokenTable {
  operation: string;
  token: string;
  request_hash: string;
  response: string | null;
  created_at: number;
}

export interface CerbosPolicyTable {
  id: string;
  definition: string;
  source: string;
  disabled: number;
  created_at: number;
  updated_at: number;
}

export interface CerbosPolicySetTable {
  id: number;
  version: number;
}

export interface RbacEnvironmentTable {
  id: string;
  key: string;
  project_id: string;
  project_key: string;
  organization_id: string;
  version: number;
  user_pool_sync: string | null;
  created_at: number;
}

export interface RbacApiKeyTable {
  key_hash: string;
  environment_id: string;
  name: string;
  created_at: number;
}

export interface RbacObjectTable {
  environment_id: string;
  kind: string;
  key: string;
  id: string;
  body: string;
  created_at: number;
  updated_at: number;
}

export interface RbacRoleAssignmentTable {
  environment_id: string;
  user_key: string;
  tenant_key: string;
  role_key: string;
  id: string;
  created_at: number;
}

export interface SrpExchangeTable {
  id_hash: string;
  pool_id: string;
  client_id: string;
  user_id: string | null;
  data: string;
  created_at: number;
  expires_at: number;
}

export interface UserMfaTable {
  user_id: string;
  data: string;
  updated_at: number;
}

export interface CustomAuthSessionTable {
  id_hash: string;
  pool_id: string;
  client_id: string;
  user_id: string;
  data: string;
  created_at: number;
  expires_at: number;
}
