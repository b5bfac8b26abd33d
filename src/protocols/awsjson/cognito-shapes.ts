import { z } from 'zod';
import { RESOURCE_SERVER_LIMITS as RS } from '../../userpools/resource-servers.ts';

/** Cognito's member constraints, as its API model states them. */
export const UserPoolId = z.string().min(1).max(55).regex(/^[\w-]+_[0-9a-zA-Z]+$/, "Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+");
export const ClientId = z.string().min(1).max(128).regex(/^[\w+]+$/, 'Member must satisfy regular expression pattern: [\\w+]+');
export const Username = z.string().min(1).max(128).regex(/^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$/u, 'Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+');
export const Password = z.string().min(1).max(256);
export const SecretHash = z.string().min(1).max(128);
export const Token = z.string().min(1).max(8192);
export const GroupName = z.string().min(1).max(128);
export const Code = z.string().min(1).max(2048);
const Bool = z.boolean();
const Str = (max = 2048) => z.string().max(max);
const Int = (min: number, max: number) => z.number().int().min(min).max(max);

export const AttributeList = z.array(z.object({ Name: z.string().min(1).max(32), Value: z.string().max(2048).optional() })).max(100);
export const ClientMetadata = z.record(z.string().max(256), z.string().max(2048)).optional();
export const StringMap = z.record(z.string().max(256), z.string().max(131_072));

const PasswordPolicy = z.object({
  MinimumLength: Int(6, 99).optional(),
  RequireUppercase: Bool.optional(),
  RequireLowercase: Bool.optional(),
  RequireNumbers: Bool.optional(),
  RequireSymbols: Bool.optional(),
  TemporaryPasswordValidityDays: Int(0, 365).optional(),
  PasswordHistorySize: Int(0, 24).optional(),
});

const SchemaAttribute = z.object({
  Name: z.string().min(1).max(20),
  AttributeDataType: z.enum(['String', 'Number', 'DateTime', 'Boolean']).optional(),
  DeveloperOnlyAttribute: Bool.optional(),
  Mutable: Bool.optional(),
  Required: Bool.optional(),
  StringAttributeConstraints: z.object({ MinLength: Str(16).optional(), MaxLength: Str(16).optional() }).optional(),
  NumberAttributeConstraints: z.object({ MinValue: Str(16).optional(), MaxValue: Str(16).optional() }).optional(),
});

const Verifiable = z.enum(['email', 'phone_number']);

/** The settings CreateUserPool and UpdateUserPool share. */
export const PoolSettingsShape = {
  Policies: z.object({ PasswordPolicy: PasswordPolicy.optional(), SignInPolicy: z.object({ AllowedFirstAuthFactors: z.array(Str(32)).max(4).optional() }).optional() }).optional(),
  DeletionProtection: z.enum(['ACTIVE', 'INACTIVE']).optional(),
  LambdaConfig: z.record(z.string(), z.unknown()).optional(),
  AutoVerifiedAttributes: z.array(Verifiable).max(2).optional(),
  SmsVerificationMessage: Str(140).optional(),
  EmailVerificationMessage: Str(20_000).optional(),
  EmailVerificationSubject: Str(140).optional(),
  VerificationMessageTemplate: z
    .object({
      SmsMessage: Str(140).optional(),
      EmailMessage: Str(20_000).optional(),
      EmailSubject: Str(140).optional(),
      EmailMessageByLink: Str(20_000).optional(),
      EmailSubjectByLink: Str(140).optional(),
      DefaultEmailOption: z.enum(['CONFIRM_WITH_LINK', 'CONFIRM_WITH_CODE']).optional(),
    })
    .optional(),
  SmsAuthenticationMessage: Str(140).optional(),
  UserAttributeUpdateSettings: z.object({ AttributesRequireVerificationBeforeUpdate: z.array(Verifiable).optional() }).optional(),
  MfaConfiguration: z.enum(['OFF', 'ON', 'OPTIONAL']).optional(),
  DeviceConfiguration: z.record(z.string(), z.unknown()).optional(),
  EmailConfiguration: z.record(z.string(), z.unknown()).optional(),
  SmsConfiguration: z.record(z.string(), z.unknown()).optional(),
  UserPoolTags: z.record(z.string().max(128), z.string().max(256)).optional(),
  AdminCreateUserConfig: z
    .object({
      AllowAdminCreateUserOnly: Bool.optional(),
      UnusedAccountValidityDays: Int(0, 365).optional(),
      InviteMessageTemplate: z.object({ SMSMessage: Str(140).optional(), EmailMessage: Str(20_000).optional(), EmailSubject: Str(140).optional() }).optional(),
    })
    .optional(),
  UserPoolAddOns: z.record(z.string(), z.unknown()).optional(),
  AccountRecoverySetting: z
    .object({ RecoveryMechanisms: z.array(z.object({ Priority: Int(1, 2), Name: z.enum(['verified_email', 'verified_phone_number', 'admin_only']) })).min(1).max(2) })
    .optional(),
  UserPoolTier: z.enum(['LITE', 'ESSENTIALS', 'PLUS']).optional(),
};

export const CreatePoolShape = {
  PoolName: z.string().min(1).max(128).regex(/^[\w\s+=,.@-]+$/, 'Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+'),
  ...PoolSettingsShape,
  AliasAttributes: z.array(z.enum(['email', 'phone_number', 'preferred_username'])).max(3).optional(),
  UsernameAttributes: z.array(Verifiable).max(2).optional(),
  UsernameConfiguration: z.object({ CaseSensitive: Bool }).optional(),
  Schema: z.array(SchemaAttribute).min(1).max(50).optional(),
};

const Unit = z.enum(['seconds', 'minutes', 'hours', 'days']);
const Url = z.string().min(1).max(1024);

/** The settings CreateUserPoolClient and UpdateUserPoolClient share. */
export const ClientSettingsShape = {
  ClientName: z.string().min(1).max(128).regex(/^[\w\s+=,.@-]+$/, 'Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+'),
  RefreshTokenValidity: Int(0, 315_360_000).optional(),
  AccessTokenValidity: Int(1, 86_400).optional(),
  IdTokenValidity: Int(1, 86_400).optional(),
  TokenValidityUnits: z.object({ AccessToken: Unit.optional(), IdToken: Unit.optional(), RefreshToken: Unit.optional() }).optional(),
  ReadAttributes: z.array(z.string().min(1).max(2048)).max(100).optional(),
  WriteAttributes: z.array(z.string().min(1).max(2048)).max(100).optional(),
  ExplicitAuthFlows: z
    .array(
      z.enum([
        'ADMIN_NO_SRP_AUTH',
        'CUSTOM_AUTH_FLOW_ONLY',
        'USER_PASSWORD_AUTH',
        'ALLOW_ADMIN_USER_PASSWORD_AUTH',
        'ALLOW_CUSTOM_AUTH',
        'ALLOW_USER_PASSWORD_AUTH',
        'ALLOW_USER_SRP_AUTH',
        'ALLOW_REFRESH_TOKEN_AUTH',
        'ALLOW_USER_AUTH',
      ]),
    )
    .max(10)
    .optional(),
  SupportedIdentityProviders: z.array(z.string().min(1).max(32)).max(50).optional(),
  CallbackURLs: z.array(Url).max(100).optional(),
  LogoutURLs: z.array(Url).max(100).optional(),
  DefaultRedirectURI: Url.optional(),
  AllowedOAuthFlows: z.array(z.enum(['code', 'implicit', 'client_credentials'])).max(3).optional(),
  AllowedOAuthScopes: z.array(z.string().min(1).max(256)).max(50).optional(),
  AllowedOAuthFlowsUserPoolClient: Bool.optional(),
  AnalyticsConfiguration: z.record(z.string(), z.unknown()).optional(),
  PreventUserExistenceErrors: z.enum(['LEGACY', 'ENABLED']).optional(),
  EnableTokenRevocation: Bool.optional(),
  EnablePropagateAdditionalUserContextData: Bool.optional(),
  AuthSessionValidity: Int(3, 15).optional(),
  RefreshTokenRotation: z.object({ Feature: z.enum(['ENABLED', 'DISABLED']), RetryGracePeriodSeconds: Int(0, 60).optional() }).optional(),
};

export const Limit = Int(0, 60);
export const MaxResults = Int(1, 60);
export const PageToken = z.string().min(1).max(4096);

const pattern = (limits: { pattern: RegExp; source: string }) => [limits.pattern, `Member must satisfy regular expression pattern: ${limits.source}`] as const;

/** ResourceServerType and ResourceServerScopeType members. */
export const ResourceServerIdentifier = z.string().min(1).max(RS.identifier.max).regex(...pattern(RS.identifier));
export const ResourceServerShape = {
  Identifier: ResourceServerIdentifier,
  Name: z.string().min(1).max(RS.name.max).regex(...pattern(RS.name)),
  Scopes: z
    .array(z.object({ ScopeName: z.string().min(1).max(RS.scopeName.max).regex(...pattern(RS.scopeName)), ScopeDescription: z.string().min(1).max(RS.scopeDescription.max) }))
    .max(RS.scopesPerServer)
    .optional(),
};
export const ListResourceServersLimit = Int(1, 50);
