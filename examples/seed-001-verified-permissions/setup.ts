/**
 * Seed 001's world, built through the AWS SDKs exactly as it would be built on AWS: a user pool whose
 * pre token generation trigger adds each user's cost center to their ID token as `costCenter`, an app
 * client, John and Jane, and a Verified Permissions policy store whose identity source is the pool,
 * holding the seed's policy.
 */
import { fileURLToPath } from 'node:url';
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolCommand,
  InitiateAuthCommand,
  UpdateUserPoolCommand,
  type UpdateUserPoolCommandInput,
  type UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import { CreateIdentitySourceCommand, CreatePolicyCommand, CreatePolicyStoreCommand, VerifiedPermissionsClient } from '@aws-sdk/client-verifiedpermissions';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Seed001Options {
  /** Tessera's base URL, the endpoint of both SDK clients. */
  tesseraUrl: string;
  region?: string;
  /** Admin credentials (SigV4). */
  credentials: Credentials;
  /**
   * The pre token generation trigger's target: this folder's module (the default; Tessera must run
   * with `--trigger-modules` naming its folder) or an http(s):// URL serving the same handler.
   */
  preTokenGeneration?: string;
}

/** example_image.png in the seed. */
export const FILE_ID = 'a8f3f048-ded7-4a95-89ca-e283644e1898';
export const PRINCIPAL_ENTITY_TYPE = 'ExampleCorp::User';
/** Their cost centers are not pool attributes: the trigger looks them up (pre-token-generation.mjs). */
export const USERS = [{ username: 'john' }, { username: 'jane' }] as const;
/** The trigger as a local module: LambdaConfig names this path. */
export const TRIGGER_MODULE = fileURLToPath(new URL('./pre-token-generation.mjs', import.meta.url));
/** The folder `tessera serve --trigger-modules` must name for Tessera to load TRIGGER_MODULE. */
export const TRIGGER_MODULES_DIR = fileURLToPath(new URL('.', import.meta.url));
/** For this local demo only. */
export const PASSWORD = 'Seed-001!Passw0rd';

export interface Seed001 {
  poolId: string;
  poolArn: string;
  clientId: string;
  /** Where the pool's pre token generation trigger runs. */
  preTokenGeneration: string;
  policyStoreId: string;
  identitySourceId: string;
  policyId: string;
  /** The policy as stored. */
  statement: string;
}

/**
 * The seed's policy: read and write example_image.png for Finance people signed in through this app's
 * client. `principal.costCenter` is the trigger's claim. (The seed's text says `actions in
 * [Action::"readFile", "writeFile"]`, which Cedar does not parse: `action`, and both actions qualified.)
 */
export function seedPolicy(clientId: string): string {
  return `permit (
  principal,
  action in [Action::"readFile", Action::"writeFile"],
  resource == ExampleCorp::File::"${FILE_ID}" // example_image.png
) when {
  principal.aud == "${clientId}" &&
  principal.costCenter like "Finance*"
};`;
}

/** The pool settings UpdateUserPool takes that DescribeUserPool returns. */
const UPDATABLE_SETTINGS = [
  'Policies',
  'DeletionProtection',
  'LambdaConfig',
  'AutoVerifiedAttributes',
  'SmsVerificationMessage',
  'EmailVerificationMessage',
  'EmailVerificationSubject',
  'VerificationMessageTemplate',
  'SmsAuthenticationMessage',
  'UserAttributeUpdateSettings',
  'MfaConfiguration',
  'DeviceConfiguration',
  'EmailConfiguration',
  'SmsConfiguration',
  'UserPoolTags',
  'AdminCreateUserConfig',
  'UserPoolAddOns',
  'AccountRecoverySetting',
  'UserPoolTier',
] as const satisfies ReadonlyArray<keyof UpdateUserPoolCommandInput & keyof UserPoolType>;

/**
 * Sets the pool's pre token generation trigger (event version 1: ID token claims), as the console's
 * "Add Lambda trigger" or `aws cognito-idp update-user-pool --lambda-config …` does. UpdateUserPool
 * resets every setting the request leaves out, so the pool's current settings go back with it.
 */
export async function setPreTokenGenerationTrigger(cognito: CognitoIdentityProviderClient, poolId: string, target: string): Promise<void> {
  const pool = (await cognito.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool!;
  const settings: Partial<Pick<UpdateUserPoolCommandInput, (typeof UPDATABLE_SETTINGS)[number]>> = {};
  for (const key of UPDATABLE_SETTINGS) if (pool[key] !== undefined) Object.assign(settings, { [key]: pool[key] });
  await cognito.send(
    new UpdateUserPoolCommand({
      ...settings,
      UserPoolId: poolId,
      // Both keys, naming the same target, as Cognito keeps them.
      LambdaConfig: { ...pool.LambdaConfig, PreTokenGeneration: target, PreTokenGenerationConfig: { LambdaVersion: 'V1_0', LambdaArn: target } },
    }),
  );
}

export async function setUpSeed001(opts: Seed001Options): Promise<Seed001> {
  const region = opts.region ?? 'us-east-1';
  const cognito = new CognitoIdentityProviderClient({ endpoint: opts.tesseraUrl, region, credentials: opts.credentials, maxAttempts: 1 });
  const avp = new VerifiedPermissionsClient({ endpoint: opts.tesseraUrl, region, credentials: opts.credentials, maxAttempts: 1 });
  try {
    // The user pool, with no cost center attribute: the trigger adds the claim at every sign-in.
    const pool = (
      await cognito.send(
        new CreateUserPoolCommand({
          PoolName: 'example-corp',
          UsernameConfiguration: { CaseSensitive: false },
          AutoVerifiedAttributes: ['email'],
          Policies: { PasswordPolicy: { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true } },
        }),
      )
    ).UserPool!;
    const poolId = pool.Id!;
    const poolArn = pool.Arn!;
    const preTokenGeneration = opts.preTokenGeneration ?? TRIGGER_MODULE;
    await setPreTokenGenerationTrigger(cognito, poolId, preTokenGeneration);
    const clientId = (
      await cognito.send(
        new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'files-app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }),
      )
    ).UserPoolClient!.ClientId!;
    for (const { username } of USERS) {
      await cognito.send(
        new AdminCreateUserCommand({
          UserPoolId: poolId,
          Username: username,
          MessageAction: 'SUPPRESS',
          UserAttributes: [
            { Name: 'email', Value: `${username}@example.com` },
            { Name: 'email_verified', Value: 'true' },
          ],
        }),
      );
      await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: username, Password: PASSWORD, Permanent: true }));
    }

    // The policy store, the pool as its identity source (tokens of this app client only), and the policy.
    const policyStoreId = (await avp.send(new CreatePolicyStoreCommand({ validationSettings: { mode: 'OFF' }, description: 'Seed 001: Example Corp. files' }))).policyStoreId!;
    const identitySourceId = (
      await avp.send(
        new CreateIdentitySourceCommand({
          policyStoreId,
          principalEntityType: PRINCIPAL_ENTITY_TYPE,
          configuration: { cognitoUserPoolConfiguration: { userPoolArn: poolArn, clientIds: [clientId], groupConfiguration: { groupEntityType: 'ExampleCorp::UserGroup' } } },
        }),
      )
    ).identitySourceId!;
    const statement = seedPolicy(clientId);
    const policyId = (await avp.send(new CreatePolicyCommand({ policyStoreId, definition: { static: { statement, description: 'Finance may read and write example_image.png' } } }))).policyId!;
    return { poolId, poolArn, clientId, preTokenGeneration, policyStoreId, identitySourceId, policyId, statement };
  } finally {
    cognito.destroy();
    avp.destroy();
  }
}

/** USER_PASSWORD_AUTH, as the app's sign-in page would do it. */
export async function signIn(opts: { tesseraUrl: string; region?: string; clientId: string; username: string; password?: string }) {
  // Public operation: the SDK signs it, but no credentials are needed; any will do.
  const cognito = new CognitoIdentityProviderClient({ endpoint: opts.tesseraUrl, region: opts.region ?? 'us-east-1', credentials: { accessKeyId: 'anonymous', secretAccessKey: 'anonymous' }, maxAttempts: 1 });
  try {
    const r = await cognito.send(
      new InitiateAuthCommand({ ClientId: opts.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: opts.username, PASSWORD: opts.password ?? PASSWORD } }),
    );
    const result = r.AuthenticationResult!;
    return { idToken: result.IdToken!, accessToken: result.AccessToken!, refreshToken: result.RefreshToken! };
  } finally {
    cognito.destroy();
  }
}
