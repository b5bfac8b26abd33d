/**
 * The seed 000 example (examples/seed-000-permit-hello) in a real headless Chromium (Debian's package,
 * driven by playwright-core). `tessera serve --demo` runs as its own process and the example app on
 * another loopback port, so the page's code exchange at Tessera's token endpoint is a real
 * cross-origin request that only CORS lets the page read. The browser clicks "Log in", fills in the
 * hosted UI's form, comes back to the app's /callback, and the page itself swaps the code for tokens,
 * syncs the user (POST /api/sync) and calls POST /say_hello and POST /wave_hello with the buttons.
 * Everything is checked from the page: what it shows, its console and its network traffic.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page, type Response } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { allowAppUrl } from '../../examples/support/allow-app-url.ts';
import { DEMO_PERMIT_API_KEY, type RunningApp, startApp } from '../../examples/seed-000-permit-hello/app.ts';
import { freePort, type ServerProcess, startServerProcess } from '../support/process.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOTS = `${ROOT}test-output/screenshots`;
const DESKTOP = { width: 1280, height: 800 };

// The demo data (src/config/demo.yaml).
const POOL_ID = 'us-east-1_TesseraDemo';
const SPA_CLIENT_ID = 'demospa0000000000000000001';
const PASSWORD = 'Passw0rd!';
const REGION = 'us-east-1';
// What demo mode accepts when no admin keys are configured.
const DEMO_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };


function decodeJwt(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** What a page did: its console, uncaught errors, and every request with its answer or failure. */
interface PageRecord {
  console: Array<{ type: string; text: string; url: string }>;
  pageErrors: string[];
  responses: Response[];
  failed: Array<{ method: string; url: string; error: string }>;
  /** Everything above, readable, for assertion messages. */
  describe(): string;
}

function record(page: Page): PageRecord {
  const r: PageRecord = {
    console: [],
    pageErrors: [],
    responses: [],
    failed: [],
    describe: () =>
      [
        ...r.console.map((m) => `console.${m.type}: ${m.text}${m.url ? ` (${m.url})` : ''}`),
        ...r.pageErrors.map((e) => `page error: ${e}`),
        ...r.failed.map((f) => `failed: ${f.method} ${f.url}: ${f.error}`),
        ...r.responses.map((res) => `${res.request().method()} ${res.url()} → ${res.status()}`),
      ].join('\n'),
  };
  page.on('console', (m) => r.console.push({ type: m.type(), text: m.text(), url: m.location().url }));
  page.on('pageerror', (e) => r.pageErrors.push(e.message));
  page.on('response', (res) => r.responses.push(res));
  page.on('requestfailed', (req) => r.failed.push({ method: req.method(), url: req.url(), error: req.failure()?.errorText ?? 'unknown' }));
  return r;
}

describe('example: seed 000 in a headless Chromium, with the app and Tessera on different origins', () => {
  let dataDir: string;
  let tessera: ServerProcess;
  let app: RunningApp;
  let browser: Browser;
  let appOrigin: string;
  let tokenUrl: string;
  const appLog: string[] = [];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-example-000-browser-'));
    // A known port, so that the issuer (publicUrl) names it; empty admin keys keep demo mode's test/test.
    const port = await freePort();
    [tessera, browser] = await Promise.all([
      startServerProcess(['--port', String(port), '--demo', '--db', `sqlite:${join(dataDir, 'tessera.db')}`], { TESSERA_ACCESS_KEY_ID: '', TESSERA_SECRET_ACCESS_KEY: '' }),
      chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }),
    ]);
    expect(tessera.url).toBe(`http://127.0.0.1:${port}`);
    // The app on a free port of its own: the browser knows it as http://127.0.0.1:<that port>.
    app = await startApp({ port: 0, host: '127.0.0.1', tesseraUrl: tessera.url, poolId: POOL_ID, clientId: SPA_CLIENT_ID, permitApiKey: DEMO_PERMIT_API_KEY, log: (m) => appLog.push(m) });
    appOrigin = new URL(app.appUrl).origin;
    tokenUrl = `${tessera.url}/${POOL_ID}/oauth2/token`;
    // Same host, another port: another origin, so the token exchange is cross-origin.
    expect(appOrigin).not.toBe(new URL(tessera.url).origin);
    // The demo SPA client knows http://localhost:8000/callback; this run's app is elsewhere.
    await allowAppUrl({ tesseraUrl: tessera.url, region: REGION, credentials: DEMO_CREDENTIALS, poolId: POOL_ID, clientId: SPA_CLIENT_ID, appUrl: app.appUrl });
  }, 120_000);

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await tessera?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** A fresh browser context (no cookies, no sessionStorage) and a recorded page in it. */
  async function newPage(): Promise<{ page: Page; log: PageRecord }> {
    const context = await browser.newContext({ viewport: DESKTOP });
    context.setDefaultTimeout(15_000);
    contexts.push(context);
    const page = await context.newPage();
    return { page, log: record(page) };
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    await mkdir(SCREENSHOTS, { recursive: true });
    const path = `${SCREENSHOTS}/${name}-${page.viewportSize()!.width}.png`;
    await page.screenshot({ path, fullPage: true });
    console.log(`screenshot: ${relative(ROOT, path)}`);
  }

  /** The page's status line once it has decided whether the user is signed in. */
  async function settledStatus(page: Page): Promise<string> {
    await page.locator('section:not([hidden])').first().waitFor();
    return (await page.getByRole('status').textContent()) ?? '';
  }

  /**
   * The whole sign-in as a user does it: open the app, click "Log in", fill in the hosted UI's form,
   * and wait until the page, back from /callback, shows who is signed in. Checks on the way that the
   * page started the flow with PKCE S256 and a state, and that the page itself exchanged the code at
   * Tessera's token endpoint, from the app's origin, and could read the answer. The demo users admin
   * and viewer are each in the group, and get the Permit role, of their own name.
   */
  async function signIn(page: Page, log: PageRecord, username: string, shot: string): Promise<{ sub: string; groups: unknown }> {
    await page.goto(`${app.appUrl}/`);
    expect(await settledStatus(page), log.describe()).toBe('You are not signed in.');

    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((u) => u.origin === new URL(tessera.url).origin && u.pathname === `/${POOL_ID}/login`);
    const login = new URL(page.url());
    expect(Object.fromEntries(login.searchParams)).toEqual({
      response_type: 'code',
      client_id: SPA_CLIENT_ID,
      state: expect.stringMatching(/^[\w-]{43}$/),
      code_challenge_method: 'S256',
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      redirect_uri: `${app.appUrl}/callback`,
    });
    const state = login.searchParams.get('state')!;
    await screenshot(page, `seed-000-${shot}-login`);

    await page.getByLabel('Username', { exact: true }).fill(username);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.origin === appOrigin);
    expect(await settledStatus(page), log.describe()).toBe('Signed in.');
    expect(await page.locator('#user').textContent()).toBe(`You are signed in as ${username} (groups: ${username}).`);
    // The page dropped the code from its address and spent the verifier; the tokens stay in the tab.
    expect(page.url()).toBe(`${app.appUrl}/`);
    const storage = await page.evaluate(() => Object.fromEntries(Object.entries(sessionStorage)));
    expect(Object.keys(storage)).toEqual(['tokens']);

    // The hosted UI sent the browser back to the app's /callback with a code and the page's state.
    const callback = log.responses.map((res) => new URL(res.url())).find((u) => u.origin === appOrigin && u.pathname === '/callback');
    expect(callback, log.describe()).toBeDefined();
    expect(callback!.searchParams.get('state')).toBe(state);
    const code = callback!.searchParams.get('code');
    expect(code).toBeTruthy();

    // The exchange happened in the page: a fetch from the app's origin to Tessera's token endpoint,
    // as a public client with the verifier and no secret, answered 200 and readable (CORS).
    const exchanges = log.responses.filter((res) => res.url() === tokenUrl);
    expect(exchanges.map((res) => `${res.request().method()} ${res.status()}`), log.describe()).toEqual(['POST 200']);
    const exchange = exchanges[0]!;
    expect(exchange.request().resourceType()).toBe('fetch');
    expect((await exchange.request().allHeaders())['origin']).toBe(appOrigin);
    expect(Object.fromEntries(new URLSearchParams(exchange.request().postData() ?? ''))).toEqual({
      grant_type: 'authorization_code',
      client_id: SPA_CLIENT_ID,
      code,
      code_verifier: expect.stringMatching(/^[\w-]{43}$/),
      redirect_uri: `${app.appUrl}/callback`,
    });
    expect([appOrigin, '*']).toContain((await exchange.allHeaders())['access-control-allow-origin']);
    const tokens = JSON.parse(storage.tokens!) as { id_token: string; access_token: string };
    expect(JSON.stringify(tokens)).toBe(JSON.stringify(await exchange.json()));
    const claims = decodeJwt(tokens.id_token);
    expect(claims).toMatchObject({ 'cognito:username': username, aud: SPA_CLIENT_ID, token_use: 'id', iss: `${tessera.url}/${POOL_ID}` });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ username, client_id: SPA_CLIENT_ID, token_use: 'access', sub: claims.sub });

    // Then the page synced the user with its access token: POST /api/sync, 200, Permit's user with the role.
    const syncs = log.responses.filter((res) => res.url() === `${app.appUrl}/api/sync`);
    expect(syncs.map((res) => `${res.request().method()} ${res.status()}`), log.describe()).toEqual(['POST 200']);
    expect((await syncs[0]!.request().allHeaders())['authorization']).toBe(`Bearer ${tokens.access_token}`);
    expect(await syncs[0]!.json()).toEqual({ key: claims.sub, email: `${username}@example.com`, roles: [{ role: username, tenant: 'default' }] });
    expect(appLog).toContain(`POST /api/sync: synced ${claims.sub} (roles: ${username})`);
    return { sub: claims.sub as string, groups: claims['cognito:groups'] };
  }

  /** Clicks a hello button and returns the line the page adds to its results, and the answer it got. */
  async function clickHello(page: Page, log: PageRecord, action: 'say' | 'wave'): Promise<{ line: string; className: string; status: number; body: string }> {
    const results = page.locator('#results li');
    const before = await results.count();
    const answered = page.waitForResponse((res) => res.url() === `${app.appUrl}/${action}_hello`);
    await page.getByRole('button', { name: `${action === 'say' ? 'Say' : 'Wave'} hello` }).click();
    const response = await answered;
    await page.waitForFunction((n) => document.querySelectorAll('#results li').length > n, before);
    expect(await results.count(), log.describe()).toBe(before + 1);
    // The newest answer is at the top.
    const newest = results.first();
    return { line: (await newest.textContent()) ?? '', className: (await newest.getAttribute('class')) ?? '', status: response.status(), body: await response.text() };
  }

  /**
   * The page's console errors. Chromium fetches /favicon.ico by itself (not the page), and neither
   * Tessera nor the app serves one: its 404, which Chromium reports in the console some of the time, is left out.
   */
  const consoleErrors = (log: PageRecord) => log.console.filter((m) => m.type === 'error' && !(new URL(m.url || 'about:blank').pathname === '/favicon.ico' && /status of 404\b/.test(m.text)));

  /** Console errors other than Chromium's note on an expected error answer (e.g. a 403 from /say_hello). */
  const unexpectedErrors = (log: PageRecord, expectedErrorUrls: string[] = []) =>
    consoleErrors(log).filter((m) => !(expectedErrorUrls.includes(m.url) && /^Failed to load resource: the server responded with a status of 403\b/.test(m.text)));

  it('admin logs in through the hosted UI, the page swaps the code for tokens at Tessera across origins without a CORS error, syncs the user, and may say and wave hello', async () => {
    const { page, log } = await newPage();
    const admin = await signIn(page, log, 'admin', 'admin');
    expect(admin.groups).toEqual(['admin']);

    const say = await clickHello(page, log, 'say');
    expect(say).toEqual({ line: 'POST /say_hello → 200 Permitted! to say hello', className: 'allowed', status: 200, body: 'Permitted! to say hello' });
    const wave = await clickHello(page, log, 'wave');
    expect(wave).toEqual({ line: 'POST /wave_hello → 200 Permitted! to wave hello', className: 'allowed', status: 200, body: 'Permitted! to wave hello' });
    expect(await page.locator('#results li').allTextContents()).toEqual(['POST /wave_hello → 200 Permitted! to wave hello', 'POST /say_hello → 200 Permitted! to say hello']);
    expect(appLog).toContain(`POST /say_hello: permit.check(${admin.sub}, say, hello) = true`);
    expect(appLog).toContain(`POST /wave_hello: permit.check(${admin.sub}, wave, hello) = true`);
    await screenshot(page, 'seed-000-admin-signed-in');

    // Nothing went wrong in the browser: no CORS or CSP error, no failed request, no uncaught error.
    expect(unexpectedErrors(log), log.describe()).toEqual([]);
    expect(log.console.filter((m) => m.type === 'warning'), log.describe()).toEqual([]);
    expect(log.failed, log.describe()).toEqual([]);
    expect(log.pageErrors, log.describe()).toEqual([]);
  });

  it('viewer, in a fresh browser context, may wave hello but is refused saying hello with the 403 the page shows', async () => {
    const { page, log } = await newPage();
    const viewer = await signIn(page, log, 'viewer', 'viewer');
    expect(viewer.groups).toEqual(['viewer']);

    const wave = await clickHello(page, log, 'wave');
    expect(wave).toEqual({ line: 'POST /wave_hello → 200 Permitted! to wave hello', className: 'allowed', status: 200, body: 'Permitted! to wave hello' });
    const say = await clickHello(page, log, 'say');
    expect(say).toEqual({ line: 'POST /say_hello → 403 Not permitted to say hello', className: 'denied', status: 403, body: 'Not permitted to say hello' });
    expect(await page.locator('#results li.denied').allTextContents()).toEqual(['POST /say_hello → 403 Not permitted to say hello']);
    expect(appLog).toContain(`POST /say_hello: permit.check(${viewer.sub}, say, hello) = false`);
    expect(appLog).toContain(`POST /wave_hello: permit.check(${viewer.sub}, wave, hello) = true`);
    await screenshot(page, 'seed-000-viewer-signed-in');

    // The only console error is Chromium's note on the refused say; nothing failed on the way in.
    expect(consoleErrors(log).map((m) => m.url), log.describe()).toEqual([`${app.appUrl}/say_hello`]);
    expect(unexpectedErrors(log, [`${app.appUrl}/say_hello`]), log.describe()).toEqual([]);
    expect(log.console.filter((m) => m.type === 'warning'), log.describe()).toEqual([]);
    expect(log.failed, log.describe()).toEqual([]);
    expect(log.pageErrors, log.describe()).toEqual([]);
  });
});
