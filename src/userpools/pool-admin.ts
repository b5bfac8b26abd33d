import { InvalidOAuthFlowException, InvalidParameterException, ResourceNotFoundException, ScopeDoesNotExistException } from '../errors.ts';
import { mergeSchema } from './attributes.ts';
import type { UserPoolDeps } from './context.ts';
import { DEFAULT_AUTH_FLOWS, defaultClientSettings, defaultPoolSettings } from './defaults.ts';
import { newClientId, newClientSecret, newPoolId } from './ids.ts';
import type { PasswordPolicy, SchemaAttribute, UserPool, UserPoolClient, UserPoolClientSettings, UserPoolSettings } from './model.ts';
import { decodePageToken, paginate } from './pagination.ts';
import { assertBelow, QUOTAS } from './quotas.ts';
import { customScopesOf, STANDARD_SCOPES } from './resource-servers.ts';
import { tokenLifetimes } from './token-validity.ts';
import type { UserDirectory } from './user-directory.ts';

export type SchemaAttributeInput = Partial<SchemaAttribute> & { Name: string };

/** A pool's settings as a request gives them: any part may be left out. */
export type PoolInput = Partial<Omit<UserPoolSettings, 'SchemaAttributes' | 'Policies' | 'AdminCreateUserConfig'>> & {
  PoolName?: string;
  Schema?: SchemaAttributeInput[];
  Policies?: { PasswordPolicy?: Partial<PasswordPolicy>; SignInPolicy?: { AllowedFirstAuthFactors?: string[] } };
  AdminCreateUserConfig?: Partial<UserPoolSettings['AdminCreateUserConfig']>;
};

export type ClientInput = Partial<Omit<UserPoolClientSettings, 'TokenValidityUnits'>> & {
  ClientName?: string;
  GenerateSecret?: boolean;
  TokenValidityUnits?: Partial<UserPoolClientSettings['TokenValidityUnits']>;
};

const LEGACY_FLOWS: Record<string, string> = {
  ADMIN_NO_SRP_AUTH: 'ALLOW_ADMIN_USER_PASSWORD_AUTH',
  USER_PASSWORD_AUTH: 'ALLOW_USER_PASSWORD_AUTH',
  CUSTOM_AUTH_FLOW_ONLY: 'ALLOW_CUSTOM_AUTH',
};

/** Creating, reading, changing and deleting user pools and their app clients. */
export class PoolAdmin {
  constructor(
    private readonly d: UserPoolDeps,
    private readonly directory: UserDirectory,
  ) {}

  /** `fixedId` lets declarative config give a pool a stable id; the API always generates one. */
  async createPool(input: PoolInput & { PoolName: string }, fixedId?: string): Promise<UserPool> {
    assertBelow(await this.d.pools.count(), QUOTAS.userPools, 'user pools');
    const now = this.d.clock.now();
    const defaults = defaultPoolSettings();
    const { PoolName, Schema, ...settings } = input;
    if (settings.UsernameAttributes && settings.AliasAttributes) {
      throw new InvalidParameterException('Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.');
    }
    const pool: UserPool = {
      id: fixedId ?? newPoolId(this.d.random, this.d.region),
      name: PoolName,
      settings: {
        ...defaults,
        ...settings,
        Policies: { ...defaults.Policies, ...settings.Policies, PasswordPolicy: { ...defaults.Policies.PasswordPolicy, ...settings.Policies?.PasswordPolicy } },
        AdminCreateUserConfig: { ...defaults.AdminCreateUserConfig, ...settings.AdminCreateUserConfig },
        SchemaAttributes: mergeSchema(defaults.SchemaAttributes, Schema),
      },
      createdAt: now,
      updatedAt: now,
    };
    await this.d.pools.insert(pool);
    // Keys exist from the start, so instances never race to create a pool's first ones.
    await this.d.keys.signingKey(pool.id, 'id');
    await this.d.keys.signingKey(pool.id, 'access');
    return pool;
  }

  async describePool(poolId: string): Promise<UserPool & { estimatedNumberOfUsers: number }> {
    const pool = await this.directory.pool(poolId);
    return { ...pool, estimatedNumberOfUsers: await this.d.pools.countUsers(poolId) };
  }

  /** Cognito's UpdateUserPool resets settings that the request leaves out to their defaults. */
  async updatePool(poolId: string, input: Omit<PoolInput, 'PoolName' | 'Schema'>): Promise<void> {
    const pool = await this.directory.pool(poolId);
    const defaults = defaultPoolSettings();
    if (input.UsernameAttributes || input.AliasAttributes) throw new InvalidParameterException('UsernameAttributes and AliasAttributes cannot be changed after the pool is created.');
    const kept = {
      SchemaAttributes: pool.settings.SchemaAttributes,
      UsernameAttributes: pool.settings.UsernameAttributes,
      AliasAttributes: pool.settings.AliasAttributes,
      UsernameConfiguration: pool.settings.UsernameConfiguration,
      // Branding is not an UpdateUserPool member; only config (which passes it) changes it.
      HostedUI: input.HostedUI ?? pool.settings.HostedUI,
      SoftwareTokenMfaConfiguration: pool.settings.SoftwareTokenMfaConfiguration,
      EmailMfaConfiguration: pool.settings.EmailMfaConfiguration,
      SmsMfaConfiguration: pool.settings.SmsMfaConfiguration,
    };
    pool.settings = {
      ...defaults,
      ...input,
      ...kept,
      Policies: { ...defaults.Policies, ...input.Policies, PasswordPolicy: { ...defaults.Policies.PasswordPolicy, ...input.Policies?.PasswordPolicy } },
      AdminCreateUserConfig: { ...defaults.AdminCreateUserConfig, ...input.AdminCreateUserConfig },
    };
    pool.updatedAt = this.d.clock.now();
    await this.d.pools.update(pool);
    this.directory.forget({ poolId });
  }

  async deletePool(poolId: string): Promise<void> {
    const pool = await this.directory.pool(poolId);
    if (pool.settings.DeletionProtection === 'ACTIVE') {
      throw new InvalidParameterException('The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.');
    }
    await this.d.pools.delete(poolId);
    this.d.keys.forget(poolId);
    this.directory.forget({ poolId });
  }

  async listPools(maxResults: number, nextToken?: string): Promise<{ items: UserPool[]; next?: string }> {
    return paginate(maxResults, (n) => this.d.pools.list(n, decodePageToken(nextToken)), (p) => p.id);
  }

  /** `fixed` lets declarative config keep a client's id and secret stable across restarts. */
  async createClient(poolId: string, input: ClientInput & { ClientName: string }, fixed: { clientId?: string; secret?: string } = {}): Promise<UserPoolClient> {
    await this.directory.pool(poolId);
    assertBelow(await this.d.pools.countClients(poolId), QUOTAS.clientsPerPool, 'app clients per user pool');
    const now = this.d.clock.now();
    const { ClientName, GenerateSecret, ...settings } = input;
    const client: UserPoolClient = {
      clientId: fixed.clientId ?? newClientId(this.d.random),
      poolId,
      name: ClientName,
      secret: fixed.secret ?? (GenerateSecret ? newClientSecret(this.d.random) : null),
      settings: resolveClientSettings(defaultClientSettings(), settings),
      createdAt: now,
      updatedAt: now,
    };
    await this.assertOAuthSettings(client);
    await this.d.pools.insertClient(client);
    return client;
  }

  async describeClient(poolId: string, clientId: string): Promise<UserPoolClient> {
    const client = await this.d.pools.findClient(clientId);
    if (!client || client.poolId !== poolId) {
      await this.directory.pool(poolId);
      throw new ResourceNotFoundException(`User pool client ${clientId} does not exist.`);
    }
    return client;
  }

  /** Like UpdateUserPool, settings left out of the request return to their defaults. */
  async updateClient(poolId: string, clientId: string, input: ClientInput): Promise<UserPoolClient> {
    const client = await this.describeClient(poolId, clientId);
    const { ClientName, GenerateSecret: _ignored, ...settings } = input;
    client.name = ClientName ?? client.name;
    client.settings = resolveClientSettings(defaultClientSettings(), settings);
    client.updatedAt = this.d.clock.now();
    await this.assertOAuthSettings(client);
    await this.d.pools.updateClient(client);
    this.directory.forget({ clientId });
    return client;
  }

  /** Cognito's refusals for a client's OAuth flows and scopes; custom scopes must exist in the pool. */
  private async assertOAuthSettings(client: UserPoolClient): Promise<void> {
    const flows = client.settings.AllowedOAuthFlows ?? [];
    if (flows.includes('client_credentials')) {
      if (flows.includes('code') || flows.includes('implicit')) throw new InvalidOAuthFlowException('client_credentials flow can not be selected along with code flow or implicit flow.');
      if (client.secret === null) throw new InvalidOAuthFlowException('client_credentials flow can not be selected if client does not have a client secret.');
    }
    const custom = (client.settings.AllowedOAuthScopes ?? []).filter((s) => !STANDARD_SCOPES.has(s));
    if (custom.length === 0) return;
    const existing = await customScopesOf(this.d.resourceServers, client.poolId);
    const missing = custom.find((s) => !existing.has(s));
    if (missing !== undefined) throw new ScopeDoesNotExistException(`Invalid scope requested: ${missing}`);
  }

  async deleteClient(poolId: string, clientId: string): Promise<void> {
    await this.describeClient(poolId, clientId);
    await this.d.pools.deleteClient(clientId);
    this.directory.forget({ clientId });
  }

  async listClients(poolId: string, maxResults: number, nextToken?: string): Promise<{ items: UserPoolClient[]; next?: string }> {
    await this.directory.pool(poolId);
    return paginate(maxResults, (n) => this.d.pools.listClients(poolId, n, decodePageToken(nextToken)), (c) => c.clientId);
  }

  /** Starts new signing keys; the old ones stay in the JWKS until the longest-lived token they signed expires. */
  async rotateSigningKeys(poolId: string): Promise<void> {
    await this.directory.pool(poolId);
    const clients = await this.d.pools.listClients(poolId, 10_000);
    const longest = Math.max(3600, ...clients.map((c) => Math.max(tokenLifetimes(c).idSeconds, tokenLifetimes(c).accessSeconds)));
    await this.d.keys.rotate(poolId, longest * 1000);
  }
}

function resolveClientSettings(defaults: UserPoolClientSettings, input: Omit<ClientInput, 'ClientName' | 'GenerateSecret'>): UserPoolClientSettings {
  const flows = input.ExplicitAuthFlows?.length ? [...new Set(input.ExplicitAuthFlows.map((f) => LEGACY_FLOWS[f] ?? f))] : [...DEFAULT_AUTH_FLOWS];
  // A validity given without its unit is in Cognito's default unit for it (hours, hours, days).
  const units = {
    AccessToken: input.TokenValidityUnits?.AccessToken ?? (input.AccessTokenValidity !== undefined ? 'hours' : defaults.TokenValidityUnits.AccessToken),
    IdToken: input.TokenValidityUnits?.IdToken ?? (input.IdTokenValidity !== undefined ? 'hours' : defaults.TokenValidityUnits.IdToken),
    RefreshToken: input.TokenValidityUnits?.RefreshToken ?? 'days',
  } as const;
  const settings: UserPoolClientSettings = {
    ...defaults,
    ...input,
    ExplicitAuthFlows: flows,
    TokenValidityUnits: units,
    PreventUserExistenceErrors: input.PreventUserExistenceErrors ?? 'ENABLED',
  };
  assertTokenValidity(settings);
  for (const url of [...(settings.CallbackURLs ?? []), ...(settings.LogoutURLs ?? [])]) assertRedirectUrl(url);
  return settings;
}

const RANGE = {
  access: [300, 86_400],
  id: [300, 86_400],
  refresh: [3_600, 315_360_000],
} as const;

function assertTokenValidity(s: UserPoolClientSettings): void {
  const { idSeconds, accessSeconds, refreshSeconds } = tokenLifetimes({ settings: s } as UserPoolClient);
  const check = (what: string, value: number, [min, max]: readonly [number, number]) => {
    if (value < min || value > max) throw new InvalidParameterException(`${what} token validity must be between ${min} and ${max} seconds.`);
  };
  check('Access', accessSeconds, RANGE.access);
  check('ID', idSeconds, RANGE.id);
  check('Refresh', refreshSeconds, RANGE.refresh);
  if (refreshSeconds <= Math.max(idSeconds, accessSeconds)) {
    throw new InvalidParameterException('Refresh token validity must be greater than the ID and access token validity.');
  }
}

/** Callback and sign-out URLs: absolute, no fragment, https except for localhost (Cognito's rule). */
function assertRedirectUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidParameterException(`Invalid redirect URL: ${url}`);
  }
  if (parsed.hash) throw new InvalidParameterException(`Redirect URL must not contain a fragment: ${url}`);
  const local = parsed.hostname === 'localhost' || parsed.hostname === '127.0.0.1' || parsed.hostname === '[::1]';
  if (parsed.protocol === 'http:' && !local) throw new InvalidParameterException(`Redirect URL must use https unless it is localhost: ${url}`);
  if (parsed.protocol === 'javascript:' || parsed.protocol === 'data:') throw new InvalidParameterException(`Invalid redirect URL: ${url}`);
}
