import type { PasswordPolicy, SchemaAttribute, UserPoolClientSettings, UserPoolSettings } from './model.ts';

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = {
  MinimumLength: 8,
  RequireUppercase: true,
  RequireLowercase: true,
  RequireNumbers: true,
  RequireSymbols: true,
  TemporaryPasswordValidityDays: 7,
};

const str = (Name: string, extra: Partial<SchemaAttribute> = {}): SchemaAttribute => ({
  Name,
  AttributeDataType: 'String',
  DeveloperOnlyAttribute: false,
  Mutable: true,
  Required: false,
  StringAttributeConstraints: { MinLength: '0', MaxLength: '2048' },
  ...extra,
});

/** Cognito's standard attributes, as DescribeUserPool lists them. */
export const STANDARD_ATTRIBUTES: SchemaAttribute[] = [
  str('sub', { Mutable: false, Required: true, StringAttributeConstraints: { MinLength: '1', MaxLength: '2048' } }),
  str('name'),
  str('given_name'),
  str('family_name'),
  str('middle_name'),
  str('nickname'),
  str('preferred_username'),
  str('profile'),
  str('picture'),
  str('website'),
  str('email'),
  { Name: 'email_verified', AttributeDataType: 'Boolean', DeveloperOnlyAttribute: false, Mutable: true, Required: false },
  str('gender'),
  str('birthdate', { StringAttributeConstraints: { MinLength: '10', MaxLength: '10' } }),
  str('zoneinfo'),
  str('locale'),
  str('phone_number'),
  { Name: 'phone_number_verified', AttributeDataType: 'Boolean', DeveloperOnlyAttribute: false, Mutable: true, Required: false },
  str('address'),
  { Name: 'updated_at', AttributeDataType: 'Number', DeveloperOnlyAttribute: false, Mutable: true, Required: false, NumberAttributeConstraints: { MinValue: '0' } },
  str('identities', { Mutable: true }),
];

export const STANDARD_ATTRIBUTE_NAMES = new Set(STANDARD_ATTRIBUTES.map((a) => a.Name));

export function defaultPoolSettings(): UserPoolSettings {
  return {
    Policies: { PasswordPolicy: { ...DEFAULT_PASSWORD_POLICY } },
    DeletionProtection: 'INACTIVE',
    SchemaAttributes: STANDARD_ATTRIBUTES.map((a) => ({ ...a })),
    MfaConfiguration: 'OFF',
    AdminCreateUserConfig: { AllowAdminCreateUserOnly: false, UnusedAccountValidityDays: 7 },
    AccountRecoverySetting: {
      RecoveryMechanisms: [
        { Priority: 1, Name: 'verified_email' },
        { Priority: 2, Name: 'verified_phone_number' },
      ],
    },
    EmailVerificationMessage: 'Your verification code is {####}. ',
    EmailVerificationSubject: 'Your verification code',
    SmsVerificationMessage: 'Your verification code is {####}. ',
    VerificationMessageTemplate: {
      EmailMessage: 'Your verification code is {####}. ',
      EmailSubject: 'Your verification code',
      SmsMessage: 'Your verification code is {####}. ',
      DefaultEmailOption: 'CONFIRM_WITH_CODE',
    },
    UserPoolTier: 'ESSENTIALS',
  };
}

/** Cognito's flows for a client created without `ExplicitAuthFlows`. */
export const DEFAULT_AUTH_FLOWS = ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH'];

export function defaultClientSettings(): UserPoolClientSettings {
  return {
    RefreshTokenValidity: 30,
    AccessTokenValidity: 60,
    IdTokenValidity: 60,
    TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
    ExplicitAuthFlows: [...DEFAULT_AUTH_FLOWS],
    AllowedOAuthFlowsUserPoolClient: false,
    PreventUserExistenceErrors: 'ENABLED',
    EnableTokenRevocation: true,
    AuthSessionValidity: 3,
  };
}
