import { DescribeUserPoolCommand, UpdateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConfig } from '../../src/config/apply.ts';
import { ConfigFile } from '../../src/config/schema.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const POOL = 'us-east-1_Branded01';
const CLIENT = 'brandedclient0000000000001';

describe('hosted UI branding from config', () => {
  let s: TestServer;
  const loginUrl = () => `${s.url}/${POOL}/login?response_type=code&client_id=${CLIENT}&redirect_uri=${encodeURIComponent('https://app.example/cb')}&scope=openid`;

  beforeAll(async () => {
    s = await startTestServer();
    await applyConfig(
      s.tessera,
      ConfigFile.parse({
        userPools: [
          {
            name: 'Acme Movies',
            id: POOL,
            HostedUI: { logoUrl: 'https://cdn.example/acme.png', primaryColor: '#7c3aed' },
            clients: [{ name: 'web', id: CLIENT, generateSecret: true, AllowedOAuthFlows: ['code'], AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthScopes: ['openid'], CallbackURLs: ['https://app.example/cb'] }],
          },
        ],
      }),
    );
  });
  afterAll(async () => s?.close());

  it('shows the pool’s name, logo and colour on the login page', async () => {
    const html = await (await fetch(loginUrl())).text();
    expect(html).toContain('Acme Movies');
    expect(html).toContain('https://cdn.example/acme.png');
    expect(html.toLowerCase()).toContain('#7c3aed');
  });

  it('keeps the branding when the pool is updated through the Cognito API, and keeps it out of DescribeUserPool', async () => {
    await s.admin.send(new UpdateUserPoolCommand({ UserPoolId: POOL, MfaConfiguration: 'OFF' }));
    expect((await (await fetch(loginUrl())).text()).toLowerCase()).toContain('#7c3aed');
    const described = await s.admin.send(new DescribeUserPoolCommand({ UserPoolId: POOL }));
    expect(JSON.stringify(described.UserPool)).not.toContain('HostedUI');
  });

  it('refuses unknown branding keys in the config file', () => {
    expect(() => ConfigFile.parse({ userPools: [{ name: 'x', HostedUI: { css: 'body{}' } }] })).toThrow();
  });
});
