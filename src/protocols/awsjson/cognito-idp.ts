import { z } from 'zod';
import { InvalidParameterException } from '../../errors.ts';
import type { UserPools } from '../../userpools/index.ts';
import { op, type ServiceTable } from './operation.ts';
import {
  AttributeList,
  ClientId,
  ClientMetadata,
  ClientSettingsShape,
  Code,
  CreatePoolShape,
  GroupName,
  Limit,
  ListResourceServersLimit,
  MaxResults,
  PageToken,
  Password,
  PoolSettingsShape,
  ResourceServerIdentifier,
  ResourceServerShape,
  SecretHash,
  StringMap,
  Token,
  UserPoolId,
  Username,
} from './cognito-shapes.ts';
import { adminGetUserToWire, clientSummaryToWire, clientToWire, groupToWire, resourceServerToWire, userPoolSummaryToWire, userPoolToWire, userToWire } from './cognito-wire.ts';

const AuthFlow = z.enum(['USER_SRP_AUTH', 'REFRESH_TOKEN_AUTH', 'REFRESH_TOKEN', 'CUSTOM_AUTH', 'ADMIN_NO_SRP_AUTH', 'USER_PASSWORD_AUTH', 'ADMIN_USER_PASSWORD_AUTH', 'USER_AUTH']);
const ChallengeName = z.enum([
  'SMS_MFA',
  'EMAIL_OTP',
  'SOFTWARE_TOKEN_MFA',
  'SELECT_MFA_TYPE',
  'MFA_SETUP',
  'PASSWORD_VERIFIER',
  'CUSTOM_CHALLENGE',
  'SELECT_CHALLENGE',
  'DEVICE_SRP_AUTH',
  'DEVICE_PASSWORD_VERIFIER',
  'ADMIN_NO_SRP_AUTH',
  'NEW_PASSWORD_REQUIRED',
  'SMS_OTP',
  'PASSWORD',
  'WEB_AUTHN',
  'PASSWORD_SRP',
]);
const Session = z.string().min(20).max(2048);

const pool = { UserPoolId };
const MfaSettings = z.object({ Enabled: z.boolean().optional(), PreferredMfa: z.boolean().optional() }).optional();

/** GetUser / AdminGetUser's MFA members, present only when something is enabled, as Cognito answers. */
function mfaSettingsToWire(m: { enabled: string[]; preferred?: string }) {
  return { ...(m.enabled.length > 0 && { UserMFASettingList: m.enabled }), ...(m.preferred && { PreferredMfaSetting: m.preferred }) };
}

/** MFA enrolment takes the user from an access token or from an MFA_SETUP session: exactly one. */
function assertOneOf(i: { AccessToken?: string | undefined; Session?: string | undefined }) {
  if (i.AccessToken === undefined && i.Session === undefined) throw new InvalidParameterException("1 validation error detected: Value null at 'accessToken' failed to satisfy constraint: Member must not be null");
  if (i.AccessToken !== undefined && i.Session !== undefined) throw new InvalidParameterException('Only one of AccessToken and Session may be given.');
}

/** SMS, email and WebAuthn factors are not offered yet: turning one on is refused rather than ignored. */
function refuseUnsupportedFactors(i: { SMSMfaSettings?: { Enabled?: boolean; PreferredMfa?: boolean }; EmailMfaSettings?: { Enabled?: boolean; PreferredMfa?: boolean }; WebAuthnMfaSettings?: { Enabled?: boolean; PreferredMfa?: boolean } }) {
  for (const s of [i.SMSMfaSettings, i.EmailMfaSettings, i.WebAuthnMfaSettings]) {
    if (s?.Enabled || s?.PreferredMfa) throw new InvalidParameterException('Only software token MFA is supported by this server yet.');
  }
}
const poolUser = { UserPoolId, Username };

/** The Cognito user pools API (`AWSCognitoIdentityProviderService`), one row per operation. */
export function cognitoIdentityProvider(up: UserPools, region: string): ServiceTable {
  const usersPage = (r: { items: import('../../userpools/model.ts').User[]; next?: string }, attributesToGet?: string[]) => ({
    Users: r.items.map((u) => userToWire(u, attributesToGet)),
    ...(r.next && { PaginationToken: r.next }),
  });
  return {
    targetPrefix: 'AWSCognitoIdentityProviderService',
    signingName: 'cognito-idp',
    jsonVersion: '1.1',
    operations: {
      // Pools
      CreateUserPool: op('sigv4', z.object(CreatePoolShape), async (i) => ({ UserPool: userPoolToWire(await up.pools.createPool(i), region, 0) })),
      DescribeUserPool: op('sigv4', z.object(pool), async (i) => {
        const p = await up.pools.describePool(i.UserPoolId);
        return { UserPool: userPoolToWire(p, region, p.estimatedNumberOfUsers) };
      }),
      UpdateUserPool: op('sigv4', z.object({ ...pool, ...PoolSettingsShape }), async ({ UserPoolId: id, ...rest }) => up.pools.updatePool(id, rest)),
      DeleteUserPool: op('sigv4', z.object(pool), async (i) => up.pools.deletePool(i.UserPoolId)),
      ListUserPools: op('sigv4', z.object({ MaxResults, NextToken: PageToken.optional() }), async (i) => {
        const r = await up.pools.listPools(i.MaxResults, i.NextToken);
        return { UserPools: r.items.map(userPoolSummaryToWire), ...(r.next && { NextToken: r.next }) };
      }),

      // App clients
      CreateUserPoolClient: op('sigv4', z.object({ ...pool, ...ClientSettingsShape, GenerateSecret: z.boolean().optional() }), async ({ UserPoolId: id, ...rest }) => ({
        UserPoolClient: clientToWire(await up.pools.createClient(id, rest)),
      })),
      DescribeUserPoolClient: op('sigv4', z.object({ ...pool, ClientId }), async (i) => ({ UserPoolClient: clientToWire(await up.pools.describeClient(i.UserPoolId, i.ClientId)) })),
      UpdateUserPoolClient: op('sigv4', z.object({ ...pool, ClientId, ...ClientSettingsShape, ClientName: ClientSettingsShape.ClientName.optional() }), async ({ UserPoolId: id, ClientId: cid, ...rest }) => ({
        UserPoolClient: clientToWire(await up.pools.updateClient(id, cid, rest)),
      })),
      DeleteUserPoolClient: op('sigv4', z.object({ ...pool, ClientId }), async (i) => up.pools.deleteClient(i.UserPoolId, i.ClientId)),
      ListUserPoolClients: op('sigv4', z.object({ ...pool, MaxResults: MaxResults.optional(), NextToken: PageToken.optional() }), async (i) => {
        const r = await up.pools.listClients(i.UserPoolId, i.MaxResults ?? 60, i.NextToken);
        return { UserPoolClients: r.items.map(clientSummaryToWire), ...(r.next && { NextToken: r.next }) };
      }),

      // Users, as the administrator
      AdminCreateUser: op(
        'sigv4',
        z.object({
          ...poolUser,
          UserAttributes: AttributeList.optional(),
          ValidationData: AttributeList.optional(),
          TemporaryPassword: Password.optional(),
          ForceAliasCreation: z.boolean().optional(),
          MessageAction: z.enum(['RESEND', 'SUPPRESS']).optional(),
          DesiredDeliveryMediums: z.array(z.enum(['SMS', 'EMAIL'])).max(2).optional(),
          ClientMetadata,
        }),
        async ({ UserPoolId: id, ...rest }) => ({ User: userToWire(await up.users.createUser(id, rest)) }),
      ),
      AdminGetUser: op('sigv4', z.object(poolUser), async (i) => {
        const u = await up.users.getUser(i.UserPoolId, i.Username);
        return { ...adminGetUserToWire(u), ...mfaSettingsToWire(await up.mfa.settingsOf(u.id)) };
      }),
      AdminDeleteUser: op('sigv4', z.object(poolUser), async (i) => up.users.deleteUser(i.UserPoolId, i.Username)),
      AdminDisableUser: op('sigv4', z.object(poolUser), async (i) => up.users.setEnabled(i.UserPoolId, i.Username, false)),
      AdminEnableUser: op('sigv4', z.object(poolUser), async (i) => up.users.setEnabled(i.UserPoolId, i.Username, true)),
      AdminSetUserPassword: op('sigv4', z.object({ ...poolUser, Password, Permanent: z.boolean().optional() }), async (i) =>
        up.users.setPassword(i.UserPoolId, i.Username, i.Password, i.Permanent ?? false),
      ),
      AdminResetUserPassword: op('sigv4', z.object({ ...poolUser, ClientMetadata }), async (i) => up.users.resetPassword(i.UserPoolId, i.Username)),
      AdminUpdateUserAttributes: op('sigv4', z.object({ ...poolUser, UserAttributes: AttributeList, ClientMetadata }), async (i) =>
        up.users.updateAttributes(i.UserPoolId, i.Username, i.UserAttributes),
      ),
      AdminDeleteUserAttributes: op('sigv4', z.object({ ...poolUser, UserAttributeNames: z.array(z.string().min(1).max(32)).max(100) }), async (i) =>
        up.users.deleteAttributes(i.UserPoolId, i.Username, i.UserAttributeNames),
      ),
      AdminConfirmSignUp: op('sigv4', z.object({ ...poolUser, ClientMetadata }), async (i) => up.users.confirmSignUp(i.UserPoolId, i.Username)),
      AdminUserGlobalSignOut: op('sigv4', z.object(poolUser), async (i) => up.users.globalSignOut(i.UserPoolId, i.Username)),
      ListUsers: op(
        'sigv4',
        z.object({ ...pool, AttributesToGet: z.array(z.string().min(1).max(32)).optional(), Limit: Limit.optional(), PaginationToken: PageToken.optional(), Filter: z.string().max(256).optional() }),
        async (i) => usersPage(await up.users.listUsers(i.UserPoolId, { limit: i.Limit || 60, paginationToken: i.PaginationToken, filter: i.Filter }), i.AttributesToGet),
      ),

      // Groups
      CreateGroup: op(
        'sigv4',
        z.object({ ...pool, GroupName, Description: z.string().max(2048).optional(), RoleArn: z.string().min(20).max(2048).optional(), Precedence: z.number().int().min(0).max(2_147_483_647).optional() }),
        async ({ UserPoolId: id, ...rest }) => ({ Group: groupToWire(await up.users.createGroup(id, rest)) }),
      ),
      GetGroup: op('sigv4', z.object({ ...pool, GroupName }), async (i) => ({ Group: groupToWire(await up.users.getGroup(i.UserPoolId, i.GroupName)) })),
      UpdateGroup: op(
        'sigv4',
        z.object({ ...pool, GroupName, Description: z.string().max(2048).optional(), RoleArn: z.string().min(20).max(2048).optional(), Precedence: z.number().int().min(0).max(2_147_483_647).optional() }),
        async ({ UserPoolId: id, ...rest }) => ({ Group: groupToWire(await up.users.updateGroup(id, rest)) }),
      ),
      DeleteGroup: op('sigv4', z.object({ ...pool, GroupName }), async (i) => up.users.deleteGroup(i.UserPoolId, i.GroupName)),
      ListGroups: op('sigv4', z.object({ ...pool, Limit: Limit.optional(), NextToken: PageToken.optional() }), async (i) => {
        const r = await up.users.listGroups(i.UserPoolId, i.Limit || 60, i.NextToken);
        return { Groups: r.items.map(groupToWire), ...(r.next && { NextToken: r.next }) };
      }),
      AdminAddUserToGroup: op('sigv4', z.object({ ...poolUser, GroupName }), async (i) => up.users.addUserToGroup(i.UserPoolId, i.Username, i.GroupName)),
      AdminRemoveUserFromGroup: op('sigv4', z.object({ ...poolUser, GroupName }), async (i) => up.users.removeUserFromGroup(i.UserPoolId, i.Username, i.GroupName)),
      AdminListGroupsForUser: op('sigv4', z.object({ ...poolUser, Limit: Limit.optional(), NextToken: PageToken.optional() }), async (i) => {
        const r = await up.users.listGroupsForUser(i.UserPoolId, i.Username, i.Limit || 60, i.NextToken);
        return { Groups: r.items.map(groupToWire), ...(r.next && { NextToken: r.next }) };
      }),
      ListUsersInGroup: op('sigv4', z.object({ ...pool, GroupName, Limit: Limit.optional(), NextToken: PageToken.optional() }), async (i) => {
        const r = await up.users.listUsersInGroup(i.UserPoolId, i.GroupName, i.Limit || 60, i.NextToken);
        return { Users: r.items.map((u) => userToWire(u)), ...(r.next && { NextToken: r.next }) };
      }),

      // Resource servers (OAuth custom scopes)
      CreateResourceServer: op('sigv4', z.object({ ...pool, ...ResourceServerShape }), async ({ UserPoolId: id, ...rest }) => ({
        ResourceServer: resourceServerToWire(await up.resourceServers.create(id, rest)),
      })),
      DescribeResourceServer: op('sigv4', z.object({ ...pool, Identifier: ResourceServerIdentifier }), async (i) => ({
        ResourceServer: resourceServerToWire(await up.resourceServers.describe(i.UserPoolId, i.Identifier)),
      })),
      UpdateResourceServer: op('sigv4', z.object({ ...pool, ...ResourceServerShape }), async ({ UserPoolId: id, ...rest }) => ({
        ResourceServer: resourceServerToWire(await up.resourceServers.update(id, rest)),
      })),
      DeleteResourceServer: op('sigv4', z.object({ ...pool, Identifier: ResourceServerIdentifier }), async (i) => up.resourceServers.delete(i.UserPoolId, i.Identifier)),
      ListResourceServers: op('sigv4', z.object({ ...pool, MaxResults: ListResourceServersLimit.optional(), NextToken: PageToken.optional() }), async (i) => {
        const r = await up.resourceServers.list(i.UserPoolId, i.MaxResults ?? 50, i.NextToken);
        return { ResourceServers: r.items.map(resourceServerToWire), ...(r.next && { NextToken: r.next }) };
      }),

      // Sign-in
      AdminInitiateAuth: op('sigv4', z.object({ ...pool, ClientId, AuthFlow, AuthParameters: StringMap.optional(), ClientMetadata, ContextData: z.unknown().optional() }), async (i) =>
        up.auth.initiateAuth(i, { admin: true, poolId: i.UserPoolId }),
      ),
      AdminRespondToAuthChallenge: op('sigv4', z.object({ ...pool, ClientId, ChallengeName, Session: Session.optional(), ChallengeResponses: StringMap.optional(), ClientMetadata }), async (i) =>
        up.auth.respondToAuthChallenge(i, { admin: true, poolId: i.UserPoolId }),
      ),
      InitiateAuth: op('none', z.object({ ClientId, AuthFlow, AuthParameters: StringMap.optional(), ClientMetadata, UserContextData: z.unknown().optional(), AnalyticsMetadata: z.unknown().optional() }), async (i) =>
        up.auth.initiateAuth(i, { admin: false }),
      ),
      RespondToAuthChallenge: op('none', z.object({ ClientId, ChallengeName, Session: Session.optional(), ChallengeResponses: StringMap.optional(), ClientMetadata }), async (i) =>
        up.auth.respondToAuthChallenge(i, { admin: false }),
      ),
      GetTokensFromRefreshToken: op(
        'none',
        z.object({ ClientId, RefreshToken: Token, ClientSecret: z.string().min(1).max(64).optional(), DeviceKey: z.string().max(55).optional(), ClientMetadata }),
        async (i) => up.auth.getTokensFromRefreshToken(i),
      ),
      RevokeToken: op('none', z.object({ Token, ClientId, ClientSecret: z.string().min(1).max(64).optional() }), async (i) => up.auth.revokeToken(i)),

      // Sign-up and recovery
      SignUp: op(
        'none',
        z.object({ ClientId, SecretHash: SecretHash.optional(), Username, Password, UserAttributes: AttributeList.optional(), ValidationData: AttributeList.optional(), ClientMetadata }),
        async (i) => up.auth.signUp(i),
      ),
      ConfirmSignUp: op('none', z.object({ ClientId, SecretHash: SecretHash.optional(), Username, ConfirmationCode: Code, ForceAliasCreation: z.boolean().optional(), ClientMetadata }), async (i) =>
        up.auth.confirmSignUp(i),
      ),
      ResendConfirmationCode: op('none', z.object({ ClientId, SecretHash: SecretHash.optional(), Username, ClientMetadata }), async (i) => up.auth.resendConfirmationCode(i)),
      ForgotPassword: op('none', z.object({ ClientId, SecretHash: SecretHash.optional(), Username, ClientMetadata }), async (i) => up.auth.forgotPassword(i)),
      ConfirmForgotPassword: op('none', z.object({ ClientId, SecretHash: SecretHash.optional(), Username, ConfirmationCode: Code, Password, ClientMetadata }), async (i) =>
        up.auth.confirmForgotPassword(i),
      ),

      // A user with their own access token
      GetUser: op('none', z.object({ AccessToken: Token }), async (i) => {
        const u = await up.self.getUser(i.AccessToken);
        return { Username: u.username, UserAttributes: adminGetUserToWire(u).UserAttributes, ...mfaSettingsToWire(await up.mfa.settingsOf(u.id)) };
      }),

      // Multi-factor authentication (software token)
      SetUserPoolMfaConfig: op(
        'sigv4',
        z.object({ ...pool, MfaConfiguration: z.enum(['OFF', 'ON', 'OPTIONAL']).optional(), SoftwareTokenMfaConfiguration: z.object({ Enabled: z.boolean().optional() }).optional(), SmsMfaConfiguration: z.unknown().optional(), EmailMfaConfiguration: z.unknown().optional(), WebAuthnConfiguration: z.unknown().optional() }),
        async (i) => {
          if (i.SmsMfaConfiguration !== undefined || i.EmailMfaConfiguration !== undefined || i.WebAuthnConfiguration !== undefined) throw new InvalidParameterException('Only software token MFA is supported by this server yet.');
          return up.mfa.setPoolConfig(await up.directory.pool(i.UserPoolId), { ...(i.MfaConfiguration && { MfaConfiguration: i.MfaConfiguration }), ...(i.SoftwareTokenMfaConfiguration && { SoftwareTokenMfaConfiguration: i.SoftwareTokenMfaConfiguration }) });
        },
      ),
      GetUserPoolMfaConfig: op('sigv4', z.object(pool), async (i) => up.mfa.poolConfig(await up.directory.pool(i.UserPoolId))),
      AssociateSoftwareToken: op('none', z.object({ AccessToken: Token.optional(), Session: Session.optional() }), async (i) => {
        assertOneOf(i);
        if (i.AccessToken) return { SecretCode: await up.mfa.associate((await up.self.authenticate(i.AccessToken)).user) };
        const { user } = await up.auth.mfaSetupUser(i.Session!);
        return { SecretCode: await up.mfa.associate(user), Session: i.Session };
      }),
      VerifySoftwareToken: op('none', z.object({ AccessToken: Token.optional(), Session: Session.optional(), UserCode: z.string().min(6).max(6), FriendlyDeviceName: z.string().max(256).optional() }), async (i) => {
        assertOneOf(i);
        const { pool: p, user } = i.AccessToken ? await up.self.authenticate(i.AccessToken) : await up.auth.mfaSetupUser(i.Session!);
        // Enrolment inside a required-MFA sign-in turns the token on; otherwise SetUserMFAPreference does.
        await up.mfa.verify(p, user, i.UserCode, i.FriendlyDeviceName, i.Session !== undefined);
        return { Status: 'SUCCESS', ...(i.Session && { Session: i.Session }) };
      }),
      SetUserMFAPreference: op('none', z.object({ AccessToken: Token, SoftwareTokenMfaSettings: MfaSettings, SMSMfaSettings: MfaSettings, EmailMfaSettings: MfaSettings, WebAuthnMfaSettings: MfaSettings }), async (i) => {
        const { user } = await up.self.authenticate(i.AccessToken);
        refuseUnsupportedFactors(i);
        await up.mfa.setPreference(user, i.SoftwareTokenMfaSettings);
      }),
      AdminSetUserMFAPreference: op('sigv4', z.object({ ...poolUser, SoftwareTokenMfaSettings: MfaSettings, SMSMfaSettings: MfaSettings, EmailMfaSettings: MfaSettings, WebAuthnMfaSettings: MfaSettings }), async (i) => {
        refuseUnsupportedFactors(i);
        await up.mfa.setPreference(await up.users.getUser(i.UserPoolId, i.Username), i.SoftwareTokenMfaSettings);
      }),
      UpdateUserAttributes: op('none', z.object({ AccessToken: Token, UserAttributes: AttributeList, ClientMetadata }), async (i) => up.self.updateAttributes(i.AccessToken, i.UserAttributes)),
      ChangePassword: op('none', z.object({ AccessToken: Token, PreviousPassword: Password.optional(), ProposedPassword: Password }), async (i) =>
        up.self.changePassword(i.AccessToken, i.PreviousPassword, i.ProposedPassword),
      ),
      DeleteUser: op('none', z.object({ AccessToken: Token }), async (i) => up.self.deleteUser(i.AccessToken)),
      GlobalSignOut: op('none', z.object({ AccessToken: Token }), async (i) => up.self.globalSignOut(i.AccessToken)),
    },
  };
}
