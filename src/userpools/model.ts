import type { SrpVerifier } from '../crypto/srp.ts';
/**
 * The user pool domain's types. Field names follow Cognito's own (PascalCase) wherever the value is
 * a Cognito setting, so a pool's settings round-trip through the API without renaming.
 */

export type UserStatus =
  | 'UNCONFIRMED'
  | 'CONFIRMED'
  | 'FORCE_CHANGE_PASSWORD'
  | 'RESET_REQUIRED'
  | 'ARCHIVED'
  | 'COMPROMISED'
  | 'EXTERNAL_PROVIDER'
  | 'UNKNOWN';

export interface PasswordPolicy {
  MinimumLength: number;
  RequireUppercase: boolean;
  RequireLowercase: boolean;
  RequireNumbers: boolean;
  RequireSymbols: boolean;
  TemporaryPasswordValidityDays: number;
  PasswordHistorySize?: number;
}

export interface SchemaAttribute {
  Name: string;
  AttributeDataType: 'String' | 'Number' | 'DateTime' | 'Boolean';
  DeveloperOnlyAttribute?: boolean;
  Mutable?: boolean;
  Required?: boolean;
  StringAttributeConstraints?: { MinLength?: string; MaxLength?: string };
  NumberAttributeConstraints?: { MinValue?: string; MaxValue?: string };
}

export type VerifiableAttribute = 'email' | 'phone_number';

/** Everything about a pool that is configuration, in Cognito's names. */
export interface UserPoolSettings {
  Policies: { PasswordPolicy: PasswordPolicy; SignInPolicy?: { AllowedFirstAuthFactors?: string[] } };
  DeletionProtection?: 'ACTIVE' | 'INACTIVE';
  LambdaConfig?: Record<string, unknown>;
  SchemaAttributes: SchemaAttribute[];
  AutoVerifiedAttributes?: VerifiableAttribute[];
  AliasAttributes?: Array<'email' | 'phone_number' | 'preferred_username'>;
  UsernameAttributes?: VerifiableAttribute[];
  SmsVerificationMessage?: string;
  EmailVerificationMessage?: string;
  EmailVerificationSubject?: string;
  VerificationMessageTemplate?: {
    SmsMessage?: string;
    EmailMessage?: string;
    EmailSubject?: string;
    EmailMessageByLink?: string;
    EmailSubjectByLink?: string;
    DefaultEmailOption?: 'CONFIRM_WITH_LINK' | 'CONFIRM_WITH_CODE';
  };
  SmsAuthenticationMessage?: string;
  UserAttributeUpdateSettings?: { AttributesRequireVerificationBeforeUpdate?: VerifiableAttribute[] };
  MfaConfiguration: 'OFF' | 'ON' | 'OPTIONAL';
  /** SetUserPoolMfaConfig's settings; not UpdateUserPool members, so UpdateUserPool keeps them. */
  SoftwareTokenMfaConfiguration?: { Enabled: boolean };
  EmailMfaConfiguration?: Record<string, unknown>;
  SmsMfaConfiguration?: Record<string, unknown>;
  DeviceConfiguration?: Record<string, unknown>;
  EmailConfiguration?: Record<string, unknown>;
  SmsConfiguration?: Record<string, unknown>;
  UserPoolTags?: Record<string, string>;
  AdminCreateUserConfig: {
    AllowAdminCreateUserOnly: boolean;
    UnusedAccountValidityDays?: number;
    InviteMessageTemplate?: { SMSMessage?: string; EmailMessage?: string; EmailSubject?: string };
  };
  UserPoolAddOns?: Record<string, unknown>;
  UsernameConfiguration?: { CaseSensitive: boolean };
  AccountRecoverySetting?: { RecoveryMechanisms: Array<{ Priority: number; Name: 'verified_email' | 'verified_phone_number' | 'admin_only' }> };
  UserPoolTier?: 'LITE' | 'ESSENTIALS' | 'PLUS';
  /** Hosted UI branding, from declarative config (Tessera's counterpart of Cognito's UI customization). */
  HostedUI?: HostedUiBranding;
}

export interface HostedUiBranding {
  logoUrl?: string;
  primaryColor?: string;
  backgroundColor?: string;
  textColor?: string;
}

export interface UserPool {
  id: string;
  name: string;
  settings: UserPoolSettings;
  createdAt: number;
  updatedAt: number;
}

export type TokenValidityUnit = 'seconds' | 'minutes' | 'hours' | 'days';

export interface UserPoolClientSettings {
  RefreshTokenValidity: number;
  AccessTokenValidity: number;
  IdTokenValidity: number;
  TokenValidityUnits: { AccessToken: TokenValidityUnit; IdToken: TokenValidityUnit; RefreshToken: TokenValidityUnit };
  ReadAttributes?: string[];
  WriteAttributes?: string[];
  ExplicitAuthFlows: string[];
  SupportedIdentityProviders?: string[];
  CallbackURLs?: string[];
  LogoutURLs?: string[];
  DefaultRedirectURI?: string;
  AllowedOAuthFlows?: Array<'code' | 'implicit' | 'client_credentials'>;
  AllowedOAuthScopes?: string[];
  AllowedOAuthFlowsUserPoolClient?: boolean;
  AnalyticsConfiguration?: Record<string, unknown>;
  PreventUserExistenceErrors: 'LEGACY' | 'ENABLED';
  EnableTokenRevocation: boolean;
  EnablePropagateAdditionalUserContextData?: boolean;
  AuthSessionValidity: number;
  RefreshTokenRotation?: { Feature: 'ENABLED' | 'DISABLED'; RetryGracePeriodSeconds?: number };
}

export interface UserPoolClient {
  clientId: string;
  poolId: string;
  name: string;
  secret: string | null;
  settings: UserPoolClientSettings;
  createdAt: number;
  updatedAt: number;
}

export type Attributes = Record<string, string>;

export interface User {
  /** The immutable `sub`, a UUID. */
  id: string;
  poolId: string;
  username: string;
  status: UserStatus;
  enabled: boolean;
  passwordHash: string | null;
  /** The SRP salt and verifier of the same password, for USER_SRP_AUTH; null until one is set. */
  srp: SrpVerifier | null;
  passwordUpdatedAt: number | null;
  /** Every attribute including `sub`, in Cognito's names (`email`, `custom:tier`…). */
  attributes: Attributes;
  createdAt: number;
  updatedAt: number;
}

export interface Group {
  poolId: string;
  name: string;
  description: string | null;
  roleArn: string | null;
  precedence: number | null;
  createdAt: number;
  updatedAt: number;
}

/** One custom scope of a resource server; tokens carry it as `{identifier}/{name}`. */
export interface ResourceServerScope {
  ScopeName: string;
  ScopeDescription: string;
}

/** An OAuth 2.0 resource server of a pool and the custom scopes it defines. */
export interface ResourceServer {
  poolId: string;
  identifier: string;
  name: string;
  scopes: ResourceServerScope[];
  createdAt: number;
  updatedAt: number;
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}
