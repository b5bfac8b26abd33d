import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * The hosted UI in a real headless Chromium (Debian's package, driven by playwright-core): the seed 000 SPA flow
 * with PKCE, the forced new-password step, sign-up with the code from the outbox, forgotten passwords, errors,
 * an accessibility smoke check and screenshots of every page at desktop and phone widths.
 */

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
const POOL_NAME = 'Movie Club';
const PASSWORD = 'Corr3ct-Horse!Battery';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOTS = `${ROOT}test-output/screenshots`;
const DOCS_LOGIN = `${ROOT}docs/login.png`;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 740 };

const base64url = (b: Buffer) => b.toString('base64url');
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

function decodeJwt(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('the hosted UI in a headless Chromium', () => {
  let s: TestServer;
  let browser: Browser;
  let appServer: Server;
  let appOrigin: string;
  let callbackUrl: string;
  let poolId: string;
  let clientId: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [s, browser] = await Promise.all([startTestServer(), chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })]);

    // The "app": a page on another port that the hosted UI sends the browser back to.
    appServer = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html lang="en"><head><title>Movie Club app</title></head><body><h1>Welcome back</h1></body></html>');
    });
    await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
    appOrigin = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
    callbackUrl = `${appOrigin}/callback`;

    const pool = await s.admin.send(
      new CreateUserPoolCommand({
        PoolName: POOL_NAME,
        AutoVerifiedAttributes: ['email'],
        Schema: [{ Name: 'email', AttributeDataType: 'String', Required: true, Mutable: true }],
      }),
    );
    poolId = pool.UserPool!.Id!;
    const client = await s.admin.send(
      new CreateUserPoolClientCommand({
        UserPoolId: poolId,
        ClientName: 'movie-club-spa',
        AllowedOAuthFlows: ['code'],
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthScopes: ['openid', 'email'],
        CallbackURLs: [callbackUrl],
        LogoutURLs: [`${appOrigin}/signed-out`],
        SupportedIdentityProviders: ['COGNITO'],
      }),
    );
    clientId = client.UserPoolClient!.ClientId!;
    await s.admin.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'movies-group' }));
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (appServer ? appServer.close(() => resolve()) : resolve()));
    await s?.close();
  });

  /** A fresh browser context (no cookies) and a page in it. */
  async function newPage(viewport = DESKTOP): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport });
    context.setDefaultTimeout(10_000);
    contexts.push(context);
    return { context, page: await context.newPage() };
  }

  /** A confirmed user with a verified email and a permanent password, in `movies-group`. */
  async function createUser(opts: { groups?: string[] } = {}): Promise<{ username: string; email: string }> {
    const username = unique('user');
    const email = `${username}@example.com`;
    await s.admin.send(
      new AdminCreateUserCommand({
        UserPoolId: poolId,
        Username: username,
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'email_verified', Value: 'true' },
        ],
        MessageAction: 'SUPPRESS',
      }),
    );
    await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: username, Password: PASSWORD, Permanent: true }));
    for (const group of opts.groups ?? ['movies-group']) await s.admin.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: username, GroupName: group }));
    return { username, email };
  }

  /** A user in FORCE_CHANGE_PASSWORD, created as an administrator would, with no message sent. */
  async function createTemporaryUser(): Promise<{ username: string; temporaryPassword: string }> {
    const username = unique('newcomer');
    const temporaryPassword = 'Temp0rary!Pass';
    await s.admin.send(
      new AdminCreateUserCommand({
        UserPoolId: poolId,
        Username: username,
        TemporaryPassword: temporaryPassword,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: `${username}@example.com` },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
    return { username, temporaryPassword };
  }

  /** A seed 000 style authorization request with PKCE (S256) and a fresh state. */
  function authorizeRequest(opts: { redirectUri?: string } = {}): { url: string; state: string; verifier: string; redirectUri: string } {
    const verifier = base64url(randomBytes(32));
    const challenge = base64url(createHash('sha256').update(verifier).digest());
    const state = base64url(randomBytes(12));
    const redirectUri = opts.redirectUri ?? callbackUrl;
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      state,
      scope: 'openid email',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    return { url: `${s.url}/${poolId}/oauth2/authorize?${query.toString()}`, state, verifier, redirectUri };
  }

  async function exchange(code: string, verifier: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${s.url}/${poolId}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: callbackUrl, code_verifier: verifier }).toString(),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** Waits for the browser to reach the app and returns the query the hosted UI sent it back with. */
  async function arrivedAtApp(page: Page): Promise<URLSearchParams> {
    await page.waitForURL((u) => u.href.startsWith(callbackUrl), { timeout: 10_000 });
    const url = new URL(page.url());
    expect(url.origin + url.pathname).toBe(callbackUrl);
    return url.searchParams;
  }

  async function fillLogin(page: Page, username: string, password: string): Promise<void> {
    await page.getByLabel('Username', { exact: true }).fill(username);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function latestCode(destination: string): Promise<string> {
    const [message] = await s.tessera.outbox.list({ destination });
    expect(message?.code, `no code was sent to ${destination}`).toMatch(/^\d{6}$/);
    return message!.code!;
  }

  async function screenshot(page: Page, name: string): Promise<string> {
    await mkdir(SCREENSHOTS, { recursive: true });
    const path = `${SCREENSHOTS}/${name}-${page.viewportSize()!.width}.png`;
    await page.screenshot({ path, fullPage: true });
    console.log(`screenshot: ${relative(ROOT, path)}`);
    return path;
  }

  it('signs a user in through the login page and sends the browser back to the app with a code that exchanges for tokens', async () => {
    const { username, email } = await createUser();
    const { page } = await newPage();
    const request = authorizeRequest();

    await page.goto(request.url);
    expect(new URL(page.url()).pathname).toBe(`/${poolId}/login`);
    expect(await page.title()).toBe(`Sign in – ${POOL_NAME}`);
    await expect(page.getByText(POOL_NAME, { exact: true }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign in');

    await fillLogin(page, username, PASSWORD);
    const query = await arrivedAtApp(page);
    expect(query.get('state')).toBe(request.state);
    expect(await page.title()).toBe('Movie Club app');

    const tokens = await exchange(query.get('code')!, request.verifier);
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: 'Bearer' });
    const idToken = decodeJwt(tokens.body.id_token as string);
    expect(idToken).toMatchObject({ email, 'cognito:username': username, aud: clientId, 'cognito:groups': ['movies-group'] });
  });

  it('skips the login form on a second authorize in the same browser session', async () => {
    const { username } = await createUser();
    const { page } = await newPage();
    await page.goto(authorizeRequest().url);
    await fillLogin(page, username, PASSWORD);
    await arrivedAtApp(page);

    const second = authorizeRequest();
    const visited: string[] = [];
    page.on('request', (r) => {
      if (r.isNavigationRequest()) visited.push(new URL(r.url()).pathname);
    });
    await page.goto(second.url);
    const query = await arrivedAtApp(page);
    expect(visited).not.toContain(`/${poolId}/login`);
    expect(query.get('state')).toBe(second.state);
    const tokens = await exchange(query.get('code')!, second.verifier);
    expect(tokens.status).toBe(200);
    expect(decodeJwt(tokens.body.id_token as string)['cognito:username']).toBe(username);
  });

  it('makes an administrator-created user choose a new password, rejecting a weak one, before reaching the app', async () => {
    const { username, temporaryPassword } = await createTemporaryUser();
    const { page } = await newPage();
    const request = authorizeRequest();
    await page.goto(request.url);
    await fillLogin(page, username, temporaryPassword);

    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Change your password');
    await page.getByLabel('New password', { exact: true }).fill('weak');
    await page.getByLabel('Confirm new password', { exact: true }).fill('weak');
    await page.getByRole('button', { name: 'Change password' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/password/i);
    expect(page.url().startsWith(callbackUrl)).toBe(false);

    await page.getByLabel('New password', { exact: true }).fill('N3w-Passw0rd!Strong');
    await page.getByLabel('Confirm new password', { exact: true }).fill('N3w-Passw0rd!Strong');
    await page.getByRole('button', { name: 'Change password' }).click();
    const query = await arrivedAtApp(page);
    expect(query.get('state')).toBe(request.state);
    const tokens = await exchange(query.get('code')!, request.verifier);
    expect(tokens.status).toBe(200);
    expect(decodeJwt(tokens.body.id_token as string)['cognito:username']).toBe(username);
  });

  it('lets a visitor sign up, confirm with the emailed code and sign in', async () => {
    const username = unique('visitor');
    const email = `${username}@example.com`;
    const password = 'Sign-Up!Passw0rd';
    const { page } = await newPage();
    const request = authorizeRequest();
    await page.goto(request.url);

    await page.getByRole('link', { name: 'Sign up' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Create an account');
    await page.getByLabel('Username', { exact: true }).fill(username);
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign up' }).click();

    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Confirm your account');
    await page.getByLabel('Verification code', { exact: true }).fill(await latestCode(email));
    await page.getByRole('button', { name: 'Confirm account' }).click();

    await expect(page.getByRole('status').textContent()).resolves.toMatch(/confirmed/i);
    expect(await page.getByLabel('Username', { exact: true }).inputValue()).toBe(username);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const query = await arrivedAtApp(page);
    expect(query.get('state')).toBe(request.state);
    const tokens = await exchange(query.get('code')!, request.verifier);
    expect(tokens.status).toBe(200);
    expect(decodeJwt(tokens.body.id_token as string)).toMatchObject({ 'cognito:username': username, email, email_verified: true });
  });

  it('resets a forgotten password with the emailed code and signs in with the new one', async () => {
    const { username, email } = await createUser();
    const newPassword = 'Res3t-Passw0rd!Now';
    const { page } = await newPage();
    const request = authorizeRequest();
    await page.goto(request.url);

    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Reset your password');
    await page.getByLabel('Username', { exact: true }).fill(username);
    await page.getByRole('button', { name: 'Send code' }).click();

    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Set a new password');
    await page.getByLabel('Verification code', { exact: true }).fill(await latestCode(email));
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Confirm new password', { exact: true }).fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();

    await expect(page.getByRole('status').textContent()).resolves.toMatch(/password was changed/i);
    await fillLogin(page, username, newPassword);
    const query = await arrivedAtApp(page);
    expect(query.get('state')).toBe(request.state);
    expect((await exchange(query.get('code')!, request.verifier)).status).toBe(200);
  });

  it('shows a wrong password as an alert, keeps the username and stays off the app', async () => {
    const { username } = await createUser();
    const { page } = await newPage();
    const visited: string[] = [];
    page.on('request', (r) => {
      if (r.isNavigationRequest()) visited.push(r.url());
    });
    await page.goto(authorizeRequest().url);
    await fillLogin(page, username, 'Wr0ng-Password!');

    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Incorrect username or password.');
    expect(await page.getByLabel('Username', { exact: true }).inputValue()).toBe(username);
    expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    expect(new URL(page.url()).pathname).toBe(`/${poolId}/login`);
    expect(visited.some((u) => u.startsWith(appOrigin))).toBe(false);
    // The error region describes the inputs, so screen readers announce it with them.
    expect(await page.getByLabel('Username', { exact: true }).getAttribute('aria-describedby')).toContain('form-error');
  });

  it('gives every input an accessible name, one h1 and an English document language on each form page', async () => {
    const [{ username }, temporary] = await Promise.all([createUser(), createTemporaryUser()]);
    const { page } = await newPage();
    const request = authorizeRequest();
    const base = new URL(request.url).search;
    const pagesToCheck: Array<{ name: string; open: () => Promise<unknown>; labels: string[] }> = [
      { name: 'login', open: () => page.goto(request.url), labels: ['Username', 'Password'] },
      { name: 'signup', open: () => page.goto(`${s.url}/${poolId}/signup${base}`), labels: ['Username', 'Email', 'Password'] },
      { name: 'forgot password', open: () => page.goto(`${s.url}/${poolId}/forgotPassword${base}`), labels: ['Username'] },
      {
        name: 'confirm forgot password',
        open: async () => {
          await page.getByLabel('Username', { exact: true }).fill(username);
          await page.getByRole('button', { name: 'Send code' }).click();
          await page.getByRole('heading', { name: 'Set a new password' }).waitFor();
        },
        labels: ['Verification code', 'New password', 'Confirm new password'],
      },
      {
        name: 'new password',
        open: async () => {
          await page.goto(request.url);
          await fillLogin(page, temporary.username, temporary.temporaryPassword);
          await page.getByRole('heading', { name: 'Change your password' }).waitFor();
        },
        labels: ['New password', 'Confirm new password'],
      },
    ];
    for (const p of pagesToCheck) {
      await p.open();
      const where = `${p.name} page`;
      expect(await page.evaluate(() => document.documentElement.lang), where).toBe('en');
      expect(await page.locator('h1').count(), where).toBe(1);
      // Every visible input is named by a label that getByLabel resolves back to it.
      const inputs = await page.locator('input:not([type=hidden])').evaluateAll((els) => els.map((el) => ({ id: el.id, label: (el as HTMLInputElement).labels?.[0]?.textContent?.trim() ?? '' })));
      expect(inputs.map((i) => i.label).sort(), where).toEqual([...p.labels].sort());
      for (const input of inputs) {
        const found = page.getByLabel(input.label, { exact: true });
        expect(await found.count(), `${where}: ${input.label}`).toBe(1);
        expect(await found.getAttribute('id'), `${where}: ${input.label}`).toBe(input.id);
      }
      for (const button of await page.getByRole('button').all()) expect((await button.textContent())?.trim(), where).not.toBe('');
    }
  });

  it('renders every hosted page cleanly at desktop and phone widths, saved as screenshots', async () => {
    const shots: string[] = [];
    const users = await Promise.all([DESKTOP, PHONE].map(async () => ({ user: await createUser(), temporary: await createTemporaryUser() })));
    for (const [i, viewport] of [DESKTOP, PHONE].entries()) {
      const { page } = await newPage(viewport);
      const request = authorizeRequest();
      const search = new URL(request.url).search;
      const { username } = users[i]!.user;
      const temporary = users[i]!.temporary;

      await page.goto(request.url);
      shots.push(await screenshot(page, 'login'));
      await fillLogin(page, username, 'Wr0ng-Password!');
      await page.getByRole('alert').waitFor();
      shots.push(await screenshot(page, 'login-error'));

      await page.goto(`${s.url}/${poolId}/signup${search}`);
      shots.push(await screenshot(page, 'signup'));
      const visitor = unique('visitor');
      await page.getByLabel('Username', { exact: true }).fill(visitor);
      await page.getByLabel('Email', { exact: true }).fill(`${visitor}@example.com`);
      await page.getByLabel('Password', { exact: true }).fill('Sign-Up!Passw0rd');
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.getByRole('heading', { name: 'Confirm your account' }).waitFor();
      shots.push(await screenshot(page, 'confirm'));

      await page.goto(`${s.url}/${poolId}/forgotPassword${search}`);
      shots.push(await screenshot(page, 'forgot-password'));
      await page.getByLabel('Username', { exact: true }).fill(username);
      await page.getByRole('button', { name: 'Send code' }).click();
      await page.getByRole('heading', { name: 'Set a new password' }).waitFor();
      shots.push(await screenshot(page, 'confirm-forgot-password'));

      await page.goto(request.url);
      await fillLogin(page, temporary.username, temporary.temporaryPassword);
      await page.getByRole('heading', { name: 'Change your password' }).waitFor();
      shots.push(await screenshot(page, 'new-password'));

      const response = await page.goto(authorizeRequest({ redirectUri: `${appOrigin}/not-registered` }).url);
      expect(response?.status()).toBe(400);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Invalid redirect URI');
      shots.push(await screenshot(page, 'error'));

      await page.goto(`${s.url}/${poolId}/logout?client_id=${clientId}`);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('You have signed out');
      shots.push(await screenshot(page, 'signed-out'));
    }
    await mkdir(`${ROOT}docs`, { recursive: true });
    await copyFile(`${SCREENSHOTS}/login-${DESKTOP.width}.png`, DOCS_LOGIN);
    console.log(`screenshot: ${relative(ROOT, DOCS_LOGIN)}`);
    expect(shots).toHaveLength(18);
  });
});
