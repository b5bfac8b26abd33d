/**
 * The demo clients accept `http://localhost:8000/callback`. When the app runs elsewhere (another
 * PORT or APP_URL, or a test on a free port), its callback and sign-out URLs are added to the client
 * through the Cognito admin API, as one would in the AWS console.
 */
import { CognitoIdentityProviderClient, DescribeUserPoolClientCommand, UpdateUserPoolClientCommand } from '@aws-sdk/client-cognito-identity-provider';

export interface AllowAppUrlOptions {
  tesseraUrl: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  poolId: string;
  clientId: string;
  appUrl: string;
}

/** Adds `{appUrl}/callback` and `{appUrl}` to the client's callback and sign-out URLs, keeping every other setting. */
export async function allowAppUrl(o: AllowAppUrlOptions): Promise<void> {
  const admin = new CognitoIdentityProviderClient({ endpoint: o.tesseraUrl, region: o.region, credentials: o.credentials, maxAttempts: 1 });
  try {
    const { UserPoolClient: client } = await admin.send(new DescribeUserPoolClientCommand({ UserPoolId: o.poolId, ClientId: o.clientId }));
    if (!client) throw new Error(`no client ${o.clientId} in ${o.poolId}`);
    const callback = `${o.appUrl}/callback`;
    if (client.CallbackURLs?.includes(callback) && client.LogoutURLs?.includes(o.appUrl)) return;
    // UpdateUserPoolClient resets what it is not given, so everything is passed back.
    const { ClientSecret: _secret, CreationDate: _created, LastModifiedDate: _modified, UserPoolId: _pool, ClientId: _id, ...settings } = client;
    await admin.send(
      new UpdateUserPoolClientCommand({
        ...settings,
        UserPoolId: o.poolId,
        ClientId: o.clientId,
        CallbackURLs: [...new Set([...(client.CallbackURLs ?? []), callback])],
        LogoutURLs: [...new Set([...(client.LogoutURLs ?? []), o.appUrl])],
      }),
    );
  } finally {
    admin.destroy();
  }
}
