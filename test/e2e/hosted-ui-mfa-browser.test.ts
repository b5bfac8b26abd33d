import { createHash, randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdminCreateUserCommand, AdminSetUserPasswordCommand, CreateUserPoolClientCommand, CreateUserPoolCommand, SetUserPoolMfaConfigCommand } from '@aws-sdk/client-cognito-identity-provider';
// Codes come from an independent TOTP library, not the one the server uses.
import { generate } from 'otplib';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * Software-token MFA in the hosted UI in a real headless Chromium (Debian's package, driven by playwright-core):
 * enrolment with the QR code and the setup key, the code page on the next sign-in, and screenshots of both.
 * The server runs on a manual clock; codes are computed for its time from the secret the page shows.
 */

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
const POOL_NAME = 'Film Society';
const PASSWORD = 'Corr3ct-Horse!Battery';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOTS = `${ROOT}test-output/screenshots`;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 740 };

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const decodeJwt = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

declare global {
  interface Window {
    cspViolations?: string[];
  }
}

describe('software token MFA in the hosted UI, in a headless Chromium', () => {
  const clock = new ManualClock(Date.now());
  let s: TestServer;
  let browser: Browser;
  let appServer: Server;
  let callbackUrl: string;
  let poolId: string;
  let clientId: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [s, browser] = await Promise.all([startTestServer({ clock }), chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })]);
    for (const client of [s.admin, s.anonymous]) {
      Object.defineProperty(client.config, 'systemClockOffset', { get: () => clock.now() - Date.now(), set: () => {}, configurable: true });
    }
    appServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html lang="en"><head><title>Film Society app</title></head><body><h1>Welcome back</h1></body></html>');
    });
    await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
    callbackUrl = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}/callback`;

    poolId = (await s.admin.send(new CreateUserPoolCommand({ PoolName: POOL_NAME }))).UserPool!.Id!;
    await s.admin.send(new SetUserPoolMfaConfigCommand({ UserPoolId: poolId, MfaConfiguration: 'ON', SoftwareTokenMfaConfiguration: { Enabled: true } }));
    const client = await s.admin.send(
      new CreateUserPoolClientCommand({
        UserPoolId: poolId,
        ClientName: 'film-society-spa',
        AllowedOAuthFlows: ['code'],
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthScopes: ['openid'],
        CallbackURLs: [callbackUrl],
        SupportedIdentityProviders: ['COGNITO'],
      }),
    );
    clientId = client.UserPoolClient!.ClientId!;
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (appServer ? appServer.close(() => resolve()) : resolve()));
    await s?.close();
  });

  /**
   * A fresh browser context and page that record Content-Security-Policy violations two ways: the console
   * messages Chromium logs for them, and `securitypolicyviolation` events (the listener is injected by the
   * driver, which the page's CSP does not govern).
   */
  async function newPage(viewport = DESKTOP): Promise<{ page: Page; consoleViolations: string[] }> {
    const context = await browser.newContext({ viewport });
    context.setDefaultTimeout(10_000);
    contexts.push(context);
    await context.addInitScript(() => {
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.cspViolations!.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const page = await context.newPage();
    const consoleViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) consoleViolations.push(m.text());
    });
    return { page, consoleViolations };
  }

  async function cspViolations(page: Page): Promise<string[]> {
    return page.evaluate(() => window.cspViolations ?? ['(the recorder did not run)']);
  }

  async function createUser(): Promise<string> {
    const username = unique('member');
    await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: username, MessageAction: 'SUPPRESS' }));
    await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: username, Password: PASSWORD, Permanent: true }));
    return username;
  }

  function authorizeRequest(): { url: string; state: string; verifier: string } {
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(12).toString('base64url');
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: callbackUrl,
      state,
      scope: 'openid',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    return { url: `${s.url}/${poolId}/oauth2/authorize?${query.toString()}`, state, verifier };
  }

  /** Waits for the app's callback, checks the state, and exchanges the code: the ID token's claims. */
  async function arrivedWithTokens(page: Page, request: { state: string; verifier: string }): Promise<Record<string, unknown>> {
    await page.waitForURL((u) => u.href.startsWith(callbackUrl), { timeout: 10_000 });
    const query = new URL(page.url()).searchParams;
    expect(query.get('state')).toBe(request.state);
    const res = await fetch(`${s.url}/${poolId}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: clientId, code: query.get('code')!, redirect_uri: callbackUrl, code_verifier: request.verifier }).toString(),
    });
    expect(res.status).toBe(200);
    return decodeJwt(((await res.json()) as { id_token: string }).id_token);
  }

  async function fillLogin(page: Page, username: string): Promise<void> {
    await page.getByLabel('Username', { exact: true }).fill(username);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** The code an authenticator app with this secret shows now, by the server's clock. */
  const codeNow = (secret: string) => generate({ secret, epoch: Math.floor(clock.now() / 1000) });

  /** The setup key as the page shows it, without the spaces that group it. */
  async function displayedSecret(page: Page): Promise<string> {
    const secret = ((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s+/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    return secret;
  }

  async function screenshot(page: Page, name: string): Promise<string> {
    await mkdir(SCREENSHOTS, { recursive: true });
    const path = `${SCREENSHOTS}/${name}-${page.viewportSize()!.width}.png`;
    await page.screenshot({ path, fullPage: true });
    console.log(`screenshot: ${relative(ROOT, path)}`);
    return path;
  }

  it('shows the QR code with no CSP violation, enrols with the code for the displayed secret, and asks for a code on the next sign-in', async () => {
    const username = await createUser();
    const { page, consoleViolations } = await newPage();
    const request = authorizeRequest();
    await page.goto(request.url);
    await fillLogin(page, username);

    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Set up your authenticator app');
    expect(await page.title()).toBe(`Set up your authenticator app – ${POOL_NAME}`);
    const qr = page.getByRole('img', { name: /^QR code/ });
    expect(await qr.isVisible()).toBe(true);
    const box = (await qr.boundingBox())!;
    expect(box.width).toBeGreaterThanOrEqual(150);
    expect(box.height).toBeCloseTo(box.width, 0);
    // The image decoded: a blocked or broken source leaves it with no natural size.
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(await cspViolations(page)).toEqual([]);
    expect(consoleViolations).toEqual([]);
    await screenshot(page, 'mfa-setup');

    const secret = await displayedSecret(page);
    const href = await page.getByRole('link', { name: 'Open it in your authenticator app' }).getAttribute('href');
    expect(new URL(href!).searchParams.get('secret')).toBe(secret);
    await page.getByLabel('Code from your app', { exact: true }).fill(await codeNow(secret));
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    expect(await arrivedWithTokens(page, request)).toMatchObject({ 'cognito:username': username, aud: clientId });

    // The next sign-in, in the same browser, asks for the password and then a code (a new one: the last was used).
    clock.advance(30_000);
    const second = authorizeRequest();
    await page.goto(second.url);
    expect(new URL(page.url()).pathname).toBe(`/${poolId}/login`);
    await fillLogin(page, username);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Enter your authentication code');
    const input = page.getByLabel('Authentication code', { exact: true });
    expect(await input.getAttribute('autocomplete')).toBe('one-time-code');
    expect(await input.getAttribute('inputmode')).toBe('numeric');
    await screenshot(page, 'mfa-code');
    expect(await cspViolations(page)).toEqual([]);
    await input.fill(await codeNow(secret));
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await arrivedWithTokens(page, second)).toMatchObject({ 'cognito:username': username });
    expect(consoleViolations).toEqual([]);
  });

  it('records a CSP violation when one happens, so the clean results above mean something', async () => {
    const username = await createUser();
    const { page, consoleViolations } = await newPage();
    await page.goto(authorizeRequest().url);
    await fillLogin(page, username);
    await page.getByRole('heading', { name: 'Set up your authenticator app' }).waitFor();
    expect(await cspViolations(page)).toEqual([]);
    // An image from a plain-http origin other than the server's: not in img-src.
    await page.evaluate(() => {
      const img = document.createElement('img');
      img.src = 'http://localhost:9/blocked.png';
      document.body.append(img);
    });
    await expect.poll(() => cspViolations(page)).toEqual([expect.stringMatching(/^img-src http:\/\/localhost:9\/blocked\.png/)]);
    await expect.poll(() => consoleViolations.length).toBeGreaterThan(0);
  });

  it('names every input, keeps one h1 and fits a phone screen on the MFA pages, and shows a wrong code clearly, saved as screenshots', async () => {
    const username = await createUser();
    const { page, consoleViolations } = await newPage(PHONE);
    const request = authorizeRequest();
    await page.goto(request.url);
    await fillLogin(page, username);
    await page.getByRole('heading', { name: 'Set up your authenticator app' }).waitFor();

    const checkPage = async (where: string, label: string) => {
      expect(await page.locator('h1').count(), where).toBe(1);
      const inputs = await page.locator('input:not([type=hidden])').evaluateAll((els) => els.map((el) => (el as HTMLInputElement).labels?.[0]?.textContent?.trim() ?? ''));
      expect(inputs, where).toEqual([label]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${where}: no sideways scrolling`).toBe(true);
      expect(await cspViolations(page), where).toEqual([]);
    };
    await checkPage('enrolment page', 'Code from your app');
    expect(await page.getByRole('img', { name: /^QR code/ }).isVisible()).toBe(true);
    await screenshot(page, 'mfa-setup');

    const secret = await displayedSecret(page);
    await page.getByLabel('Code from your app', { exact: true }).fill(await generate({ secret, epoch: Math.floor(clock.now() / 1000) - 300 }));
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/^The code was not accepted\./);
    expect(await displayedSecret(page)).toBe(secret);
    expect(await page.getByLabel('Code from your app', { exact: true }).getAttribute('aria-describedby')).toContain('form-error');
    await screenshot(page, 'mfa-setup-error');

    await page.getByLabel('Code from your app', { exact: true }).fill(await codeNow(secret));
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await arrivedWithTokens(page, request);

    clock.advance(30_000);
    await page.goto(authorizeRequest().url);
    await fillLogin(page, username);
    await page.getByRole('heading', { name: 'Enter your authentication code' }).waitFor();
    await checkPage('code page', 'Authentication code');
    await screenshot(page, 'mfa-code');

    // A wrong code uses up the sign-in: back to the login page, with the reason, and not to the app.
    await page.getByLabel('Authentication code', { exact: true }).fill(await generate({ secret, epoch: Math.floor(clock.now() / 1000) - 300 }));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('The code was not accepted. Sign in again.');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign in');
    expect(page.url().startsWith(callbackUrl)).toBe(false);
    await screenshot(page, 'mfa-code-rejected');
    expect(await cspViolations(page)).toEqual([]);
    expect(consoleViolations).toEqual([]);
  });
});
