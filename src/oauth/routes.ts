import { createHmac } from 'node:crypto';
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Tessera } from '../app.ts';
import { constantTimeEqual } from '../crypto/constant-time.ts';
import { TesseraError } from '../errors.ts';
import { ServerSecretRepository } from '../store/repositories/server-secrets.ts';
import type { User, UserPool, UserPoolClient } from '../userpools/model.ts';
import { computeSecretHash } from '../userpools/secret-hash.ts';
import { CsrfTokens } from './csrf.ts';
import { openIdConfiguration } from './discovery.ts';
import { OAuthError } from './errors.ts';
import { type AuthorizeParams, LOGIN_SESSION_TTL_MS, OAuthService, type ProvenRequest, UnprovenRequestError, type ValidAuthorization } from './oauth-service.ts';
import * as pages from './pages/index.ts';
import { JSON_ROUTES, tokenEndpoints } from './token-endpoints.ts';

const AUTHORIZE_KEYS = ['response_type', 'client_id', 'redirect_uri', 'state', 'scope', 'nonce', 'code_challenge', 'code_challenge_method', 'prompt', 'identity_provider'] as const;
const SESSION_COOKIE = 'tessera_session';
const BROWSER_COOKIE = 'tessera_browser';
const MAX_PARAM = 2048;
const MAX_USERNAME = 128;
/** A challenge session is 86 characters; anything much longer is not one. */
const MAX_SESSION = 1024;

const SESSION_EXPIRED = 'Your session expired. Please try again.';
const SIGN_IN_AGAIN = 'Your sign-in session has expired. Sign in again.';
const ENTER_CODE = 'Enter the 6-digit code from your authenticator app.';
const CODE_REJECTED = 'The code was not accepted. Sign in again.';
const SETUP_CODE_REJECTED = 'The code was not accepted. Check that the time on your device is right, then enter the code your app shows now.';

declare const secondFactorPassed: unique symbol;
/**
 * A user who owes no further factor. Only `afterPassword` (when the pool asks for none) and the MFA routes (after
 * `passSecondFactor`) make one, and `finish` takes nothing else, so no route can sign a user in on a password alone.
 */
type SignedInUser = User & { readonly [secondFactorPassed]: true };

type Params = { poolId: string };
type Form = Record<string, string | undefined>;

/**
 * The hosted UI and the OAuth 2.0 / OIDC endpoints under each pool's issuer path. Thin: each
 * handler reads the request, calls the OAuth service or the user pool domain, and picks the page,
 * redirect or JSON that answers it.
 */
export async function registerOAuth(root: FastifyInstance, t: Tessera): Promise<void> {
  const oauth = new OAuthService(t);
  const secret = await new ServerSecretRepository(t.store.db).getOrCreate('csrf', () => t.random.bytes(32).toString('base64url'), t.clock.now());
  const csrf = new CsrfTokens(secret);
  await root.register(async (app) => {
    await app.register(cookie);
    await app.register(formbody, { bodyLimit: 64 * 1024 });
    routes(app, t, oauth, csrf, createHmac('sha256', secret).update('tessera hosted UI: MFA setup secret').digest());
    tokenEndpoints(app, oauth);
  });
}

function routes(app: FastifyInstance, t: Tessera, oauth: OAuthService, csrf: CsrfTokens, setupKey: Buffer): void {
  const up = t.userPools;
  // RFC 6749 §3.1: no parameter may appear twice. A repeated form field arrives as an array, which
  // no handler expects; a NUL byte is never legitimate and PostgreSQL text refuses it. Refuse both
  // here: invalid_request JSON from the JSON endpoints, the error page from the pages.
  const hasNul = (v: unknown): boolean => (typeof v === 'string' ? v.includes('\u0000') : Array.isArray(v) && v.some(hasNul));
  app.addHook('preHandler', async (request) => {
    const body = request.body !== null && typeof request.body === 'object' ? Object.values(request.body) : [];
    const query = Object.values((request.query ?? {}) as object);
    if (!body.some((v) => typeof v !== 'string') && ![...body, ...query].some(hasNul)) return;
    if (JSON_ROUTES.has(request.routeOptions.url ?? '')) throw Object.assign(new Error('a parameter was repeated or holds a NUL byte'), { statusCode: 400 });
    throw new UnprovenRequestError('Invalid request', 'A parameter of this request is repeated or malformed.');
  });
  const secure = (request: FastifyRequest) => request.protocol === 'https';
  const cookieOptions = (request: FastifyRequest, poolId: string) => ({ path: `/${poolId}`, httpOnly: true, sameSite: 'lax' as const, secure: secure(request) });

  /** The authorize parameters of a request, always from its query string (forms post back to it), bounded in size. */
  const authorizeParams = (request: FastifyRequest): AuthorizeParams => {
    const source = { ...(request.query as Form) };
    const out: AuthorizeParams = {};
    for (const key of AUTHORIZE_KEYS) {
      const value = source[key];
      if (typeof value === 'string' && value.length <= MAX_PARAM) out[key] = value;
      else if (value !== undefined) throw new UnprovenRequestError('Invalid request', `The ${key} parameter is malformed.`);
    }
    return out;
  };
  const carryOf = (p: AuthorizeParams) => new URLSearchParams(Object.entries(p).filter(([, v]) => v !== undefined) as Array<[string, string]>).toString();

  const browserId = (request: FastifyRequest, reply: FastifyReply, poolId: string): string => {
    const existing = request.cookies[BROWSER_COOKIE];
    if (existing && /^[A-Za-z0-9_-]{20,64}$/.test(existing)) return existing;
    const fresh = t.random.bytes(24).toString('base64url');
    void reply.setCookie(BROWSER_COOKIE, fresh, { ...cookieOptions(request, poolId), sameSite: 'strict' });
    return fresh;
  };

  const branding = (pool: UserPool): pages.Branding => {
    return { poolName: pool.name, ...pool.settings.HostedUI };
  };

  /**
   * Forms may end up at the proven client: Chromium applies form-action to the redirects after a
   * submission, so that origin is allowed alongside 'self' once the request proved it.
   */
  const proven = new WeakMap<FastifyReply, string>();
  const sendPage = (reply: FastifyReply, status: number, render: (nonce: string) => string) => {
    const nonce = t.random.bytes(16).toString('base64');
    const redirectOrigin = proven.get(reply);
    const formAction = redirectOrigin ? `'self' ${redirectOrigin}` : `'self'`;
    return reply
      .code(status)
      .headers({
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'self' https: data:; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
        'x-frame-options': 'DENY',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
      })
      .send(render(nonce));
  };

  const errorPage = (reply: FastifyReply, e: UnprovenRequestError, pool = e.pool) =>
    sendPage(reply, 400, (nonce) => pages.renderError({ ...(pool && { branding: branding(pool) }), nonce, title: e.title, message: e.message }));

  /** Proves client and redirect URI, then validates the rest; replies itself on failure. */
  const authorize = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply): Promise<ValidAuthorization | undefined> => {
    let provenRequest: ProvenRequest;
    let params: AuthorizeParams;
    try {
      params = authorizeParams(request);
      provenRequest = await oauth.prove(request.params.poolId, params);
    } catch (e) {
      if (e instanceof UnprovenRequestError) {
        await errorPage(reply, e);
        return undefined;
      }
      throw e;
    }
    const target = new URL(provenRequest.redirectUri);
    // Custom schemes (myapp://callback) have no origin; CSP names them by scheme.
    proven.set(reply, target.origin !== 'null' ? target.origin : target.protocol);
    try {
      return await oauth.validate(provenRequest, params);
    } catch (e) {
      if (e instanceof OAuthError) {
        await reply.redirect(oauth.errorRedirect(provenRequest, e), 302);
        return undefined;
      }
      throw e;
    }
  };

  const pageContext = (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, a: ValidAuthorization, nonce: string, extra: { error?: string; info?: string } = {}): pages.PageContext => ({
    branding: branding(a.pool),
    nonce,
    csrfToken: csrf.issue(browserId(request, reply, a.pool.id), a.pool.id),
    carry: carryOf(authorizeParams(request)),
    ...extra,
  });

  /** Signs the browser in (cookie) and sends it on to the client with a code or tokens. */
  const finish = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, a: ValidAuthorization, user: SignedInUser) => {
    try {
      await up.auth.postAuthentication(a.pool, a.client, user);
    } catch (e) {
      return renderLogin(request, reply, a, 400, { error: message(e), username: user.username });
    }
    const { cookie: value, authTime } = await oauth.startLogin(a.pool, user);
    void reply.setCookie(SESSION_COOKIE, value, { ...cookieOptions(request, a.pool.id), maxAge: LOGIN_SESSION_TTL_MS / 1000 });
    return reply.header('cache-control', 'no-store').redirect(await oauth.complete(a, user, authTime), 302);
  };

  const checkCsrf = (request: FastifyRequest<{ Params: Params }>, form: Form) => csrf.verify(request.cookies[BROWSER_COOKIE], request.params.poolId, form._csrf);

  /** Cognito computes SECRET_HASH in its own hosted UI; so does ours, holding the secret. */
  const secretHashFor = (client: UserPoolClient, username: string) => (client.secret ? computeSecretHash(client.secret, username, client.clientId) : undefined);

  const signUpAllowed = (pool: UserPool) => !pool.settings.AdminCreateUserConfig.AllowAdminCreateUserOnly;
  const usernameLabel = (pool: UserPool) => (pool.settings.UsernameAttributes?.includes('email') ? 'Email address' : pool.settings.UsernameAttributes?.includes('phone_number') ? 'Phone number' : 'Username');

  const renderLogin = (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, a: ValidAuthorization, status = 200, extra: { error?: string; info?: string; username?: string } = {}) =>
    sendPage(reply, status, (nonce) => pages.renderLogin({ ...pageContext(request, reply, a, nonce, extra), ...(extra.username !== undefined && { username: extra.username }), signUpAllowed: signUpAllowed(a.pool) }));

  const message = (e: unknown): string => {
    if (e instanceof TesseraError && e.status < 500) return e.name === 'UserNotFoundException' ? 'Incorrect username or password.' : e.message;
    throw e;
  };

  /**
   * Where a correct password (or a new one) leads: on to the client when the pool asks for no second factor,
   * else the page of the one the user owes (a code, or enrolling an authenticator app first).
   */
  const afterPassword = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, a: ValidAuthorization, user: User, username: string) => {
    const challenge = await up.auth.secondFactorChallenge(a.pool, a.client, user);
    if (challenge === undefined) return finish(request, reply, a, user as SignedInUser);
    const session = challenge.Session ?? '';
    if (challenge.ChallengeName === 'SOFTWARE_TOKEN_MFA') return mfaCodePage(request, reply, a, { username, session });
    if (challenge.ChallengeName === 'MFA_SETUP') return mfaSetupPage(request, reply, a, { username, session });
    throw new Error(`no hosted page for the ${challenge.ChallengeName} challenge`);
  };

  const mfaCodePage = (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, a: ValidAuthorization, p: { username: string; session: string; error?: string; status?: number }) =>
    sendPage(reply, p.status ?? 200, (nonce) => pages.renderMfaCode({ ...pageContext(request, reply, a, nonce, p.error !== undefined ? { error: p.error } : {}), username: p.username, session: p.session }));

  /** Binds a secret shown on the enrolment page to its session, so the form can carry it back to be shown again. */
  const setupMac = (session: string, secret: string) => createHmac('sha256', setupKey).update(`${session}\n${secret}`).digest('base64url');
  const carriedSecret = (session: string, secret: string | undefined, mac: string | undefined): string | undefined =>
    secret !== undefined && mac !== undefined && /^[A-Z2-7]{16,128}$/.test(secret) && mac.length <= 64 && constantTimeEqual(setupMac(session, secret), mac) ? secret : undefined;

  /** The name the authenticator app lists the account under: the email or phone number people sign in with, else the username. */
  const accountNameOf = (pool: UserPool, user: User) => {
    const signInWith = pool.settings.UsernameAttributes ?? [];
    if (signInWith.includes('email') && user.attributes.email) return user.attributes.email;
    if (signInWith.includes('phone_number') && user.attributes.phone_number) return user.attributes.phone_number;
    return user.username;
  };

  /**
   * The enrolment page of an MFA_SETUP session: the secret carried back by the form, or a fresh one
   * (AssociateSoftwareToken inside the session), as text and as a QR code of its otpauth URI.
   */
  const mfaSetupPage = async (
    request: FastifyRequest<{ Params: Params }>,
    reply: FastifyReply,
    a: ValidAuthorization,
    p: { username: string; session: string; secret?: string | undefined; error?: string; status?: number },
  ) => {
    const user = await setupUserOf(a, p.session);
    if (typeof user === 'string') return renderLogin(request, reply, a, 400, { error: user, username: p.username.slice(0, MAX_USERNAME) });
    const secret = p.secret ?? (await up.mfa.associate(user));
    const accountName = accountNameOf(a.pool, user);
    const uri = pages.otpauthUri({ issuer: branding(a.pool).poolName, accountName, secret });
    const qrCode = await pages.qrCodeDataUrl(uri);
    return sendPage(reply, p.status ?? 200, (nonce) =>
      pages.renderMfaSetup({
        ...pageContext(request, reply, a, nonce, p.error !== undefined ? { error: p.error } : {}),
        username: p.username,
        session: p.session,
        secret,
        secretMac: setupMac(p.session, secret),
        otpauthUri: uri,
        qrCode,
        accountName,
      }),
    );
  };

  /** The user of a live MFA_SETUP session of this pool, or the message to show on the login page instead. */
  const setupUserOf = async (a: ValidAuthorization, session: string): Promise<User | string> => {
    try {
      const pending = await up.auth.mfaSetupUser(session);
      return pending.pool.id === a.pool.id && pending.clientId === a.client.clientId ? pending.user : 'Invalid session for the user.';
    } catch (e) {
      return message(e);
    }
  };

  /** The hidden fields of the MFA forms, present and of a sane length. */
  const validChallengeFields = (username: string, session: string) => username !== '' && username.length <= MAX_USERNAME && session !== '' && session.length <= MAX_SESSION;

  // Discovery and keys.
  app.get<{ Params: Params }>('/:poolId/.well-known/openid-configuration', async (request, reply) => {
    const { poolId } = request.params;
    if (!(await up.directory.findPool(poolId))) return reply.code(404).send({ error: 'not_found', error_description: `User pool ${poolId} does not exist.` });
    return reply.header('cache-control', 'public, max-age=300').send(openIdConfiguration(t.tokens.issuer(poolId), t.tokens.endpointsBase(poolId), await up.resourceServers.customScopes(poolId)));
  });

  // Authorization endpoint: straight back to the client when the browser is signed in, else the login page.
  app.get<{ Params: Params }>('/:poolId/oauth2/authorize', async (request, reply) => {
    const a = await authorize(request, reply);
    if (!a) return reply;
    const session = a.forceLogin ? undefined : await oauth.loginOf(a.pool, request.cookies[SESSION_COOKIE]);
    if (session) return reply.header('cache-control', 'no-store').redirect(await oauth.complete(a, session.user, session.authTime), 302);
    // OIDC Core §3.1.2.1: prompt=none must not show a login page; without a session it is login_required.
    if ((request.query as Form).prompt === 'none') return reply.redirect(oauth.errorRedirect(a, new OAuthError('login_required', 'the user is not signed in')), 302);
    // Relative to `/{poolId}/oauth2/authorize`, so one level up: works behind any path prefix.
    return reply.redirect(`../login?${carryOf(authorizeParams(request))}`, 302);
  });

  app.get<{ Params: Params }>('/:poolId/login', async (request, reply) => {
    const a = await authorize(request, reply);
    if (!a) return reply;
    const session = a.forceLogin ? undefined : await oauth.loginOf(a.pool, request.cookies[SESSION_COOKIE]);
    if (session) return reply.header('cache-control', 'no-store').redirect(await oauth.complete(a, session.user, session.authTime), 302);
    if ((request.query as Form).prompt === 'none') return reply.redirect(oauth.errorRedirect(a, new OAuthError('login_required', 'the user is not signed in')), 302);
    return renderLogin(request, reply, a);
  });

  app.post<{ Params: Params; Body: Form }>('/:poolId/login', async (request, reply) => {
    const a = await authorize(request, reply);
    if (!a) return reply;
    const form = request.body ?? {};
    if (!checkCsrf(request, form)) return renderLogin(request, reply, a, 403, { error: 'Your session expired. Please try again.' });
    const username = (form.username ?? '').trim();
    const password = form.password ?? '';
    if (!username || !password || username.length > 128 || password.length > 256) return renderLogin(request, reply, a, 400, { error: 'Enter your username and password.', username: username.slice(0, 128) });
    try {
      const outcome = await up.auth.hostedSignIn(a.pool, a.client, username, password);
      if ('user' in outcome) return await afterPassword(request, reply, a, outcome.user, username);
      const required = JSON.parse(outcome.challenge.ChallengeParameters?.requiredAttributes ?? '[]') as string[];
      return sendPage(reply, 200, (nonce) =>
        pages.renderNewPassword({ ...pageContext(request, reply, a, nonce), username, session: outcome.challenge.Session!, requiredAttributes: required.map((r) => r.replace(/^userAttributes\./, '')) }),
      );
    } catch (e) {
      if (e instanceof TesseraError && e.name === 'UserNotConfirmedException') {
        await up.auth.resendConfirmationCode({ ClientId: a.client.clientId, Username: username, ...withHash(secretHashFor(a.client, username)) }).catch(() => undefined);
        return sendPage(reply, 200, (nonce) => pages.renderConfirm({ ...pageContext(request, reply, a, nonce, { info: 'Your account is not confirmed yet. We sent you a code.' }), username }));
      }
      if (e instanceof TesseraError && e.name === 'PasswordResetRequiredException') {
        await up.auth.forgotPassword({ ClientId: a.client.clientId, Username: username, ...withHash(secretHashFor(a.client, username)) }).catch(() => undefined);
        return sendPage(reply, 200, (nonce) => pages.renderConfirmForgotPassword({ ...pageContext(request, reply, a, nonce, { info: 'Your password must be reset. We sent you a code.' }), username }));
      }
      return renderLogin(request, reply, a, 400, { error: message(e), username });
    }
  });

  app.post<{ Params: Params; Body: Form }>('/:poolId/newPassword', async (request, reply) => {
    const a = await authorize(request, reply);
    if (!a) return reply;
    const form = request.body ?? {};
    const username = form.username ?? '';
    const session = form.session ?? '';
    const attributes: Record<string, string> = {};
    for (const [key, value] of Object.entries(form)) if (key.startsWith('userAttributes.') && typeof value === 'string') attributes[key.slice('userAttributes.'.length)] = value;
    const again = (error: string, status = 400) =>
      sendPage(reply, status, (nonce) => pages.renderNewPassword({ ...pageContext(request, reply, a, nonce, { error }), username, session, requiredAttributes: Object.keys(attributes) }));
    if (!checkCsrf(request, form)) return again('Your session expired. Please sign in again.', 403);
    if ((form.password ?? '') !== (form.confirm_password ?? '')) return again('The passwords do not match.');
    let user: User;
    try {
      user = await up.auth.completeNewPassword(a.pool, a.client, session, username, form.password, attributes);
    } catch (e) {
      return again(message(e));
    }
    // The session is used up now: a failure from here on goes back to the login page, not to a dead form.
    try {
      return await afterPassword(request, reply, a, user, username);
    } catch (e) {
      return renderLogin(request, reply, a, 400, { error: message(e), username: username.slice(0, MAX_USERNAME) });
    }
  });

  // SOFTWARE_TOKEN_MFA: the code from the user's authenticator app.
  app.post<{ Params: Params; Body: Form }>('/:poolId/mfa', async (request, reply) => {
    const a = await authorize(request, reply);
    if (!a) return reply;
    const form = request.body ?? {};
    const username = form.username ?? '';
    const session = form.session ?? '';
    if (!validChallengeFields(username, session)) return renderLogin(request, reply, a, 400, { error: SIGN_IN_AGAIN });
    if (!checkCsrf(request, form)) return mfaCodePage(request, reply, a, { username, session, error: SESSION_EXPIRED, status: 403 });
    // Checked before the session is used up, so a mistyped code can be typed again.
    const code = sixDigits(form.code);
    if (code === undefined) return mfaCodePage(request, reply, a, { username, session, error: ENTER_CODE, status: 400 });
    let user: User;
    try {
      user = await up.auth.passSecondFactor(a.pool, a.client, 'SOFTWARE_TOKEN_MFA', session, username, code);
    } catch (e) {
      // Right or wrong, the code used up the session: the password comes first again.
      return renderLogin(request, reply, a, 400, { error: e instanceof TesseraError && e.name === 'CodeMismatchException' ? CODE_REJECTED : message(e), username });
    }
    return finish(request, reply, a, user as SignedInUser);
  });

  // MFA_SETUP: enrol an authenticator app inside the sign-in (VerifySoftwareToken), then answer the challenge.
  app.post<{ Params: Params; Body: Form }>('/:poolId/mfaSetup', async (request, reply) => {
    const a = await authorize(request, reply);
    if (!a) return reply;
    const form = request.body ?? {};
    const username = form.username ?? '';
    const session = form.session ?? '';
    if (!validChallengeFields(username, session)) return renderLogin(request, reply, a, 400, { error: SIGN_IN_AGAIN });
    // The secret shown before, when the form brings it back untouched; otherwise the page shows a new one.
    const secret = carriedSecret(session, form.secret, form.secret_mac);
    if (!checkCsrf(request, form)) {
      if (secret === undefined) return renderLogin(request, reply, a, 403, { error: 'Your session expired. Please sign in again.', username });
      return mfaSetupPage(request, reply, a, { username, session, secret, error: SESSION_EXPIRED, status: 403 });
    }
    const code = sixDigits(form.code);
    if (code === undefined) return mfaSetupPage(request, reply, a, { username, session, secret, error: ENTER_CODE, status: 400 });
    const user = await setupUserOf(a, session);
    if (typeof user === 'string') return renderLogin(request, reply, a, 400, { error: user, username });
    try {
      await up.mfa.verify(a.pool, user, code, undefined, true);
    } catch (e) {
      // A wrong code leaves the session usable: the same secret again, to try the next code.
      if (e instanceof TesseraError && e.name === 'EnableSoftwareTokenMFAException') return mfaSetupPage(request, reply, a, { username, session, secret, error: SETUP_CODE_REJECTED, status: 400 });
      return renderLogin(request, reply, a, 400, { error: message(e), username });
    }
    let done: User;
    try {
      done = await up.auth.passSecondFactor(a.pool, a.client, 'MFA_SETUP', session, username, undefined);
    } catch (e) {
      return renderLogin(request, reply, a, 400, { error: message(e), username });
    }
    return finish(request, reply, a, done as SignedInUser);
  });

  app.get<{ Params: Params }>('/:poolId/signup', async (request, reply) => {
    const a = await authorize(request, reply);
    if (!a) return reply;
    if (!signUpAllowed(a.pool)) return renderLogin(request, reply, a, 403, { error: 'Sign-up is not available for this application.' });
    return sendPage(reply, 200, (nonce) => pages.renderSignup({ ...pageContext(request, reply, a, nonce), ...signupFields(a.pool) }));
  });

  const signupFields = (pool: UserPool) => ({
    askEmail: !pool.settings.UsernameAttributes?.includes('email'),
    askPhone: Boolean(pool.settings.SchemaAttributes.find((s) => s.Name === 'phone_number')?.Required),
    usernameLabel: usernameLabel(pool),
  });

  app.post<{ Params: Params; Body: Form }>('/:poolId/signup', async (request, reply) => {
    const a = await authorize(request, reply);
    if (!a) return reply;
    const form = request.body ?? {};
    const username = (form.username ?? '').trim();
    const again = (error: string, status = 400) =>
      sendPage(reply, status, (nonce) =>
        pages.renderSignup({ ...pageContext(request, reply, a, nonce, { error }), ...signupFields(a.pool), username, ...(form.email !== undefined && { email: form.email }), ...(form.phone_number !== undefined && { phoneNumber: form.phone_number }) }),
      );
    if (!signUpAllowed(a.pool)) return renderLogin(request, reply, a, 403, { error: 'Sign-up is not available for this application.' });
    if (!checkCsrf(request, form)) return again('Your session expired. Please try again.', 403);
    const attributes = [
      ...(form.email ? [{ Name: 'email', Value: form.email }] : []),
      ...(form.phone_number ? [{ Name: 'phone_number', Value: form.phone_number }] : []),
    ];
    try {
      const result = await up.auth.signUp({ ClientId: a.client.clientId, Username: username, Password: form.password ?? '', UserAttributes: attributes, ...withHash(secretHashFor(a.client, username)) });
      if (!result.CodeDeliveryDetails) return renderLogin(request, reply, a, 200, { info: 'Your account was created. An administrator must confirm it before you can sign in.' });
      return sendPage(reply, 200, (nonce) => pages.renderConfirm({ ...pageContext(request, reply, a, nonce), username, destination: result.CodeDeliveryDetails!.Destination }));
    } catch (e) {
      return again(message(e));
    }
  });

  app.post<{ Params: Params; Body: Form }>('/:poolId/confirm', async (request, reply) => {
    const a = await authorize(request, reply);
    if (!a) return reply;
    const form = request.body ?? {};
    const username = form.username ?? '';
    const again = (error: string, status = 400) => sendPage(reply, status, (nonce) => pages.renderConfirm({ ...pageContext(request, reply, a, nonce, { error }), username }));
    if (!checkCsrf(request, form)) return again('Your session expired. Please try again.', 403);
    try {
      await up.auth.confirmSignUp({ ClientId: a.client.clientId, Username: username, ConfirmationCode: (form.code ?? '').trim(), ...withHash(secretHashFor(a.client, username)) });
      return renderLogin(request, reply, a, 200, { info: 'Your account is confirmed. You can sign in now.', username });
    } catch (e) {
      return again(message(e));
    }
  });

  app.post<{ Params: Params; Body: Form }>('/:poolId/resendCode', async (request, reply) => {
    const a = await authorize(request, reply);
    if (!a) return reply;
    const form = request.body ?? {};
    const username = form.username ?? '';
    const page = (extra: { error?: string; info?: string }, status = 200) => sendPage(reply, status, (nonce) => pages.renderConfirm({ ...pageContext(request, reply, a, nonce, extra), username }));
    if (!checkCsrf(request, form)) return page({ error: 'Your session expired. Please try again.' }, 403);
    try {
      await up.auth.resendConfirmationCode({ ClientId: a.client.clientId, Username: username, ...withHash(secretHashFor(a.client, username)) });
      return page({ info: 'We sent you a new code.' });
    } catch (e) {
      return page({ error: message(e) }, 400);
    }
  });

  app.get<{ Params: Params }>('/:poolId/forgotPassword', async (request, reply) => {
    const a = await authorize(request, reply);
    if (!a) return reply;
    return sendPage(reply, 200, (nonce) => pages.renderForgotPassword(pageContext(request, reply, a, nonce)));
  });

  app.post<{ Params: Params; Body: Form }>('/:poolId/forgotPassword', async (request, reply) => {
    const a = await authorize(request, reply);
    if (!a) return reply;
    const form = request.body ?? {};
    const username = (form.username ?? '').trim();
    if (!checkCsrf(request, form)) return sendPage(reply, 403, (nonce) => pages.renderForgotPassword({ ...pageContext(request, reply, a, nonce, { error: 'Your session expired. Please try again.' }), username }));
    try {
      const result = await up.auth.forgotPassword({ ClientId: a.client.clientId, Username: username, ...withHash(secretHashFor(a.client, username)) });
      return sendPage(reply, 200, (nonce) => pages.renderConfirmForgotPassword({ ...pageContext(request, reply, a, nonce), username, destination: result.CodeDeliveryDetails.Destination }));
    } catch (e) {
      return sendPage(reply, 400, (nonce) => pages.renderForgotPassword({ ...pageContext(request, reply, a, nonce, { error: message(e) }), username }));
    }
  });

  app.post<{ Params: Params; Body: Form }>('/:poolId/confirmForgotPassword', async (request, reply) => {
    const a = await authorize(request, reply);
    if (!a) return reply;
    const form = request.body ?? {};
    const username = form.username ?? '';
    const again = (error: string, status = 400) => sendPage(reply, status, (nonce) => pages.renderConfirmForgotPassword({ ...pageContext(request, reply, a, nonce, { error }), username }));
    if (!checkCsrf(request, form)) return again('Your session expired. Please try again.', 403);
    if ((form.password ?? '') !== (form.confirm_password ?? '')) return again('The passwords do not match.');
    try {
      await up.auth.confirmForgotPassword({ ClientId: a.client.clientId, Username: username, ConfirmationCode: (form.code ?? '').trim(), Password: form.password ?? '', ...withHash(secretHashFor(a.client, username)) });
      return renderLogin(request, reply, a, 200, { info: 'Your password was changed. You can sign in now.', username });
    } catch (e) {
      return again(message(e));
    }
  });

  app.get<{ Params: Params }>('/:poolId/logout', async (request, reply) => {
    const q = request.query as Form;
    const { poolId } = request.params;
    const pool = await up.directory.findPool(poolId);
    if (!pool) return errorPage(reply, new UnprovenRequestError('Unknown user pool', 'This sign-out page does not exist.'));
    const client = typeof q.client_id === 'string' ? await up.pools.describeClient(poolId, q.client_id).catch(() => undefined) : undefined;
    if (!client) return errorPage(reply, new UnprovenRequestError('Invalid request', 'The request names no known client.'), pool);
    const signOut = async () => {
      await oauth.endLogin(request.cookies[SESSION_COOKIE]);
      void reply.clearCookie(SESSION_COOKIE, { path: `/${poolId}` });
    };
    if (typeof q.logout_uri === 'string') {
      if (!(client.settings.LogoutURLs ?? []).includes(q.logout_uri)) return errorPage(reply, new UnprovenRequestError('Invalid sign-out URI', 'The logout_uri is not registered for this client.'), pool);
      await signOut();
      return reply.redirect(q.logout_uri, 302);
    }
    if (typeof q.redirect_uri === 'string') {
      // Cognito's second form: sign out, then start a new sign-in with the same parameters.
      await oauth.prove(poolId, authorizeParams(request));
      await signOut();
      return reply.redirect(`login?${carryOf(authorizeParams(request))}`, 302);
    }
    await signOut();
    return sendPage(reply, 200, (nonce) => pages.renderSignedOut({ branding: branding(pool), nonce }));
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof UnprovenRequestError) return errorPage(reply, error);
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 413 || status === 415 || status === 400) {
      // RFC 6749 §5.2: an unreadable request is invalid_request with 400 at the JSON endpoints.
      const code = JSON_ROUTES.has(request.routeOptions.url ?? '') ? 400 : status;
      return reply.code(code).headers({ 'cache-control': 'no-store', pragma: 'no-cache' }).send({ error: 'invalid_request', error_description: 'The request could not be read.' });
    }
    request.log.error({ err: error }, 'unexpected error in an OAuth endpoint');
    return reply.code(500).send({ error: 'server_error', error_description: 'An internal error occurred.' });
  });
}

/** A 6-digit code as typed, with any spaces or dashes an app shows it with removed; undefined if it is not one. */
function sixDigits(value: string | undefined): string | undefined {
  if (value === undefined || value.length > 32) return undefined;
  const code = value.replace(/[\s-]/g, '');
  return /^[0-9]{6}$/.test(code) ? code : undefined;
}

function withHash(secretHash: string | undefined): { SecretHash?: string } {
  return secretHash ? { SecretHash: secretHash } : {};
}
