/**
 * Seed 001's world, built through the AWS SDKs exactly as it would be built on AWS: a user pool with
 * a `costCenter` custom attribute, an app client, John (Finance1234) and Jane (Engineering42), and a
 * Verified Permissions policy store whose identity source is the pool, holding the seed's policy.
 */
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
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
}

/** example_image.png in the seed. */
export const FILE_ID = 'a8f3f048-ded7-4a95-89ca-e283644e1898';
export const PRINCIPAL_ENTITY_TYPE = 'ExampleCorp::User';
export const USERS = [
  { username: 'john', costCenter: 'Finance1234' },
  { username: 'jane', costCenter: 'Engineering42' },
] as const;
/** For this local demo only. */
export const PASSWORD = 'Seed-001!Passw0rd';

export interface Seed001 {
  poolId: string;
  poolArn: string;
  clientId: string;
  policyStoreId: string;
  identitySourceId: string;
  policyId: string;
  /** The policy as stored. */
  statement: string;
}

/** The seed's policy: read and write example_image.png for Finance people signed in through this app's client. */
export function seedPolicy(clientId: string): string {
  return `permit (
  principal,
  action in [Action::"readFile", Action::"writeFile"],
  resource == ExampleCorp::File::"${FILE_ID}" // example_image.png
) when {
  principal.aud == "${clientId}" &&
  principal["custom:costCenter"] like "Finance*"
};`;
}

export async function setUpSeed001(opts: Seed001Options): Promise<Seed001> {
  const region = opts.region ?? 'us-east-1';
  const cognito = new CognitoIdentityProviderClient({ endpoint: opts.tesseraUrl, region, credentials: opts.credentials, maxAttempts: 1 });
  const avp = new VerifiedPermissionsClient({ endpoint: opts.tesseraUrl, region, credentials: opts.credentials, maxAttempts: 1 });
  try {
    // The user pool: `costCenter` is a custom attribute, so ID tokens carry it as `custom:costCenter`.
    const pool = (
      await cognito.send(
        new CreateUserPoolCommand({
          PoolName: 'example-corp',
          UsernameConfiguration: { CaseSensitive: false },
          Schema: [{ Name: 'costCenter', AttributeDataType: 'String', Mutable: true }],
        }),
      )
    ).UserPool!;
    const poolId = pool.Id!;
    const poolArn = pool.Arn!;
    const clientId = (
      await cognito.send(
        new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'files-app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }),
      )
    ).UserPoolClient!.ClientId!;
    for (const { username, costCenter } of USERS) {
      await cognito.send(
        new AdminCreateUserCommand({
          UserPoolId: poolId,
          Username: username,
          MessageAction: 'SUPPRESS',
          UserAttributes: [
            { Name: 'email', Value: `${username}@example.com` },
            { Name: 'email_verified', Value: 'true' },
            { Name: 'custom:costCenter', Value: costCenter },
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
    return { poolId, poolArn, clientId, policyStoreId, identitySourceId, policyId, statement };
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
