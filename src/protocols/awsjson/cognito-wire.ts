import { toAttributeList } from '../../userpools/attributes.ts';
import type { Group, ResourceServer, User, UserPool, UserPoolClient } from '../../userpools/model.ts';

/** AWS JSON carries timestamps as epoch seconds (numbers), which the SDKs turn into Dates. */
export const epochSeconds = (ms: number): number => ms / 1000;

export function userPoolToWire(pool: UserPool, region: string, estimatedNumberOfUsers?: number) {
  // HostedUI is Tessera's own setting; Cognito clients do not expect it in UserPoolType.
  const { SchemaAttributes, HostedUI: _branding, ...settings } = pool.settings;
  return {
    Id: pool.id,
    Name: pool.name,
    Arn: `arn:aws:cognito-idp:${region}:000000000000:userpool/${pool.id}`,
    ...settings,
    SchemaAttributes,
    LastModifiedDate: epochSeconds(pool.updatedAt),
    CreationDate: epochSeconds(pool.createdAt),
    ...(estimatedNumberOfUsers !== undefined && { EstimatedNumberOfUsers: estimatedNumberOfUsers }),
  };
}

export function userPoolSummaryToWire(pool: UserPool) {
  return {
    Id: pool.id,
    Name: pool.name,
    LambdaConfig: pool.settings.LambdaConfig ?? {},
    LastModifiedDate: epochSeconds(pool.updatedAt),
    CreationDate: epochSeconds(pool.createdAt),
  };
}

export function clientToWire(client: UserPoolClient) {
  return {
    UserPoolId: client.poolId,
    ClientName: client.name,
    ClientId: client.clientId,
    ...(client.secret !== null && { ClientSecret: client.secret }),
    LastModifiedDate: epochSeconds(client.updatedAt),
    CreationDate: epochSeconds(client.createdAt),
    ...client.settings,
  };
}

export function clientSummaryToWire(client: UserPoolClient) {
  return { ClientId: client.clientId, UserPoolId: client.poolId, ClientName: client.name };
}

/** UserType: ListUsers, AdminCreateUser, ListUsersInGroup. */
export function userToWire(user: User, attributesToGet?: string[]) {
  const attributes = attributesToGet ? Object.fromEntries(Object.entries(user.attributes).filter(([k]) => attributesToGet.includes(k))) : user.attributes;
  return {
    Username: user.username,
    Attributes: toAttributeList(attributes),
    UserCreateDate: epochSeconds(user.createdAt),
    UserLastModifiedDate: epochSeconds(user.updatedAt),
    Enabled: user.enabled,
    UserStatus: user.status,
  };
}

/** AdminGetUser's flat shape. */
export function adminGetUserToWire(user: User) {
  return {
    Username: user.username,
    UserAttributes: toAttributeList(user.attributes),
    UserCreateDate: epochSeconds(user.createdAt),
    UserLastModifiedDate: epochSeconds(user.updatedAt),
    Enabled: user.enabled,
    UserStatus: user.status,
  };
}

export function groupToWire(group: Group) {
  return {
    GroupName: group.name,
    UserPoolId: group.poolId,
    ...(group.description !== null && { Description: group.description }),
    ...(group.roleArn !== null && { RoleArn: group.roleArn }),
    ...(group.precedence !== null && { Precedence: group.precedence }),
    LastModifiedDate: epochSeconds(group.updatedAt),
    CreationDate: epochSeconds(group.createdAt),
  };
}

/** ResourceServerType: Cognito returns no timestamps for resource servers. */
export function resourceServerToWire(server: ResourceServer) {
  return {
    UserPoolId: server.poolId,
    Identifier: server.identifier,
    Name: server.name,
    Scopes: server.scopes.map((s) => ({ ScopeName: s.ScopeName, ScopeDescription: s.ScopeDescription })),
  };
}
