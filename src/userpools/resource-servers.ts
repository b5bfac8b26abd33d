import { InvalidParameterException, ResourceNotFoundException } from '../errors.ts';
import type { ResourceServerRepository } from '../store/repositories/resource-servers.ts';
import type { UserPoolDeps } from './context.ts';
import type { ResourceServer, ResourceServerScope } from './model.ts';
import { decodePageToken, paginate } from './pagination.ts';
import { assertBelow, QUOTAS } from './quotas.ts';
import type { UserDirectory } from './user-directory.ts';

/** The scopes every pool has without a resource server; anything else must be `{identifier}/{scope}`. */
export const STANDARD_SCOPES: ReadonlySet<string> = new Set(['openid', 'email', 'phone', 'profile', 'aws.cognito.signin.user.admin']);

/**
 * Cognito's constraints on resource servers (API model: ResourceServerType, ResourceServerScopeType).
 * The AWS JSON adapter checks request shapes with the same patterns; the domain checks them again
 * because declarative config reaches it without passing the adapter.
 */
export const RESOURCE_SERVER_LIMITS = {
  identifier: { max: 256, pattern: /^[\x21\x23-\x5B\x5D-\x7E]+$/, source: '[\\x21\\x23-\\x5B\\x5D-\\x7E]+' },
  name: { max: 256, pattern: /^[\w\s+=,.@-]+$/, source: '[\\w\\s+=,.@-]+' },
  scopeName: { max: 256, pattern: /^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+$/, source: '[\\x21\\x23-\\x2E\\x30-\\x5B\\x5D-\\x7E]+' },
  scopeDescription: { max: 256 },
  scopesPerServer: 100,
} as const;

export interface ResourceServerInput {
  Identifier: string;
  Name: string;
  Scopes?: ResourceServerScope[];
}

/** Every custom scope of a pool, as tokens and clients name it: `{identifier}/{scopeName}`. */
export async function customScopesOf(repository: ResourceServerRepository, poolId: string): Promise<Set<string>> {
  const servers = await repository.list(poolId, 10_000);
  return new Set(servers.flatMap((s) => s.scopes.map((scope) => `${s.identifier}/${scope.ScopeName}`)));
}

/** OAuth 2.0 resource servers of a pool and the custom scopes they define. */
export class ResourceServerAdmin {
  constructor(
    private readonly d: UserPoolDeps,
    private readonly directory: UserDirectory,
  ) {}

  async create(poolId: string, input: ResourceServerInput): Promise<ResourceServer> {
    assertValid(input);
    await this.directory.pool(poolId);
    if (await this.d.resourceServers.find(poolId, input.Identifier)) {
      throw new InvalidParameterException(`${input.Identifier} already exists in user pool ${poolId}.`);
    }
    assertBelow(await this.d.resourceServers.count(poolId), QUOTAS.resourceServersPerPool, 'resource servers per user pool');
    const now = this.d.clock.now();
    const server: ResourceServer = { poolId, identifier: input.Identifier, name: input.Name, scopes: copyScopes(input.Scopes), createdAt: now, updatedAt: now };
    await this.d.resourceServers.insert(server);
    return server;
  }

  async describe(poolId: string, identifier: string): Promise<ResourceServer> {
    await this.directory.pool(poolId);
    const server = await this.d.resourceServers.find(poolId, identifier);
    if (!server) throw new ResourceNotFoundException(`Resource server ${identifier} does not exist.`);
    return server;
  }

  /** Replaces the name and the whole list of scopes; scopes left out are gone (Cognito's rule). */
  async update(poolId: string, input: ResourceServerInput): Promise<ResourceServer> {
    assertValid(input);
    const server = await this.describe(poolId, input.Identifier);
    server.name = input.Name;
    server.scopes = copyScopes(input.Scopes);
    server.updatedAt = this.d.clock.now();
    await this.d.resourceServers.update(server);
    return server;
  }

  /** Clients that allow the server's scopes keep them in their settings; tokens simply stop carrying them. */
  async delete(poolId: string, identifier: string): Promise<void> {
    await this.describe(poolId, identifier);
    await this.d.resourceServers.delete(poolId, identifier);
  }

  async list(poolId: string, limit: number, nextToken?: string): Promise<{ items: ResourceServer[]; next?: string }> {
    await this.directory.pool(poolId);
    return paginate(limit, (n) => this.d.resourceServers.list(poolId, n, decodePageToken(nextToken)), (s) => s.identifier);
  }

  /** For the OAuth layer: every `{identifier}/{scopeName}` of the pool (empty for a pool without any, or none at all). */
  async customScopes(poolId: string): Promise<Set<string>> {
    return customScopesOf(this.d.resourceServers, poolId);
  }
}

function copyScopes(scopes: ResourceServerScope[] | undefined): ResourceServerScope[] {
  return (scopes ?? []).map((s) => ({ ScopeName: s.ScopeName, ScopeDescription: s.ScopeDescription }));
}

/** Worded like the adapter's schema failures, so a refusal reads the same whichever layer makes it. */
function invalid(path: string, constraint: string): InvalidParameterException {
  return new InvalidParameterException(`1 validation error detected: Value at '${path}' failed to satisfy constraint: ${constraint}`);
}

function assertString(value: string, path: string, limits: { max: number; pattern?: RegExp; source?: string }): void {
  if (value.length < 1) throw invalid(path, 'Member must have length greater than or equal to 1');
  if (value.length > limits.max) throw invalid(path, `Member must have length less than or equal to ${limits.max}`);
  if (limits.pattern && !limits.pattern.test(value)) throw invalid(path, `Member must satisfy regular expression pattern: ${limits.source}`);
}

function assertValid(input: ResourceServerInput): void {
  const L = RESOURCE_SERVER_LIMITS;
  assertString(input.Identifier, 'identifier', L.identifier);
  assertString(input.Name, 'name', L.name);
  const scopes = input.Scopes ?? [];
  if (scopes.length > L.scopesPerServer) throw invalid('scopes', `Member must have length less than or equal to ${L.scopesPerServer}`);
  const seen = new Set<string>();
  scopes.forEach((scope, i) => {
    assertString(scope.ScopeName, `scopes.${i + 1}.member.scopeName`, L.scopeName);
    assertString(scope.ScopeDescription, `scopes.${i + 1}.member.scopeDescription`, L.scopeDescription);
    if (seen.has(scope.ScopeName)) throw new InvalidParameterException(`Duplicate scope name ${scope.ScopeName} in resource server ${input.Identifier}.`);
    seen.add(scope.ScopeName);
  });
}
