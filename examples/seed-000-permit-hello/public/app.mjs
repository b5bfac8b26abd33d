// Seed 000's browser app (the seed's frontend/app.mjs): no framework, no bundler.
//
// - "Log in" runs the seed's redirectToLogin: a random state and PKCE code verifier, the verifier kept
//   in sessionStorage under `codeVerifier-${state}`, and the browser sent to the hosted UI's /login
//   with a code request, the S256 challenge and the state.
// - Back at /callback with `code` and `state`, the code is exchanged for tokens at the pool's
//   /oauth2/token from this page, as a public client (client_id and code_verifier, no secret). A
//   state this tab did not start is refused.
// - The access token goes to POST /api/sync, which syncs the user to Permit; the ID token goes to
//   GET /api/id (who am I) and to POST /say_hello and POST /wave_hello, which Permit guards.
//
// The functions are exported so that the example's test can run the same steps outside a browser;
// the page itself is wired up by main() at the bottom.

export const sha256 = async (str) => crypto.subtle.digest('SHA-256', new TextEncoder().encode(str));

export const base64URLEncode = (buffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** 32 random bytes, base64url: a state, or a PKCE code verifier (43 characters, RFC 7636 §4.1). */
export const generateNonce = () => base64URLEncode(crypto.getRandomValues(new Uint8Array(32)));

/** The seed's redirectToLogin without the navigation: where to send the browser. */
export async function loginUrl({ cognitoLoginUrl, clientId }, { storage, redirectUri }) {
  const state = generateNonce();
  const codeVerifier = generateNonce();
  storage.setItem(`codeVerifier-${state}`, codeVerifier);
  const codeChallenge = base64URLEncode(await sha256(codeVerifier));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    state,
    code_challenge_method: 'S256',
    code_challenge: codeChallenge,
    redirect_uri: redirectUri,
  });
  return `${cognitoLoginUrl}/login?${query}`;
}

/** The hosted UI's sign-out, back to this app. */
export const logoutUrl = ({ cognitoLoginUrl, clientId }, { logoutUri }) => `${cognitoLoginUrl}/logout?${new URLSearchParams({ client_id: clientId, logout_uri: logoutUri })}`;

/**
 * Back from the hosted UI: the code is exchanged only for a state this tab started (its verifier is
 * then forgotten, so a callback works once), at the token endpoint, as a public client.
 */
export async function exchangeCode({ cognitoLoginUrl, clientId }, { storage, redirectUri, searchParams }) {
  const error = searchParams.get('error');
  if (error !== null) throw new Error(`The sign-in failed: ${error} ${searchParams.get('error_description') ?? ''}`.trim());
  const state = searchParams.get('state');
  const codeVerifier = state === null ? null : storage.getItem(`codeVerifier-${state}`);
  if (state !== null) storage.removeItem(`codeVerifier-${state}`);
  const code = searchParams.get('code');
  if (codeVerifier === null || code === null) throw new Error('Unexpected code: this sign-in was not started in this tab.');
  const res = await fetch(`${cognitoLoginUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: clientId, code, code_verifier: codeVerifier, redirect_uri: redirectUri }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`The token endpoint answered ${res.status}: ${body.error ?? ''} ${body.error_description ?? ''}`.trim());
  return body;
}

/** One call to the backend (at `apiBase`, '' in the page) with a token; resolves with the status and the body as text. */
export async function callApi(apiBase, method, path, token, body) {
  const headers = new Headers();
  if (token) headers.set('authorization', `Bearer ${token}`);
  if (body !== undefined) headers.set('content-type', 'application/json');
  const res = await fetch(`${apiBase}${path}`, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
  return { status: res.status, ok: res.ok, text: await res.text() };
}

/** After a sign-in: the user is synced to Permit, with the access token (the seed's POST /api/sync). */
export const syncUser = (apiBase, tokens) => callApi(apiBase, 'POST', '/api/sync', tokens.access_token);

/** Who the ID token says the user is (GET /api/id). */
export const whoAmI = (apiBase, tokens) => callApi(apiBase, 'GET', '/api/id', tokens.id_token);

/** POST /say_hello or /wave_hello with the ID token, as the seed's buttons do. */
export const hello = (apiBase, action, tokens) => callApi(apiBase, 'POST', `/${action}_hello`, tokens.id_token, { message: 'hello' });

const TOKENS = 'tokens';

async function main() {
  const $ = (id) => document.getElementById(id);
  const status = (message) => ($('status').textContent = message);
  const config = await (await fetch('/config.json')).json();
  const redirectUri = `${window.location.origin}/callback`;

  $('loginButton').addEventListener('click', async () => {
    window.location = await loginUrl(config, { storage: sessionStorage, redirectUri });
  });
  $('logoutButton').addEventListener('click', () => {
    sessionStorage.removeItem(TOKENS);
    window.location = logoutUrl(config, { logoutUri: window.location.origin });
  });

  const showSignedOut = (message) => {
    status(message);
    $('signed-in').hidden = true;
    $('signed-out').hidden = false;
  };

  const searchParams = new URL(window.location.href).searchParams;
  if (searchParams.get('code') !== null || searchParams.get('error') !== null) {
    window.history.replaceState({}, document.title, '/');
    try {
      status('Signing in…');
      const tokens = await exchangeCode(config, { storage: sessionStorage, redirectUri, searchParams });
      sessionStorage.setItem(TOKENS, JSON.stringify(tokens));
      // After we got the tokens, we sync the user info with Permit.
      const synced = await syncUser('', tokens);
      if (!synced.ok) console.warn(`POST /api/sync answered ${synced.status}: ${synced.text}`);
    } catch (error) {
      // A fetch the browser refused (network, or CORS at the token endpoint) is a TypeError.
      return showSignedOut(error instanceof TypeError ? `Could not reach the token endpoint (${error.message}).` : error.message);
    }
  }

  const tokens = JSON.parse(sessionStorage.getItem(TOKENS) ?? 'null');
  if (!tokens) return showSignedOut('You are not signed in.');
  const me = await whoAmI('', tokens);
  if (!me.ok) {
    sessionStorage.removeItem(TOKENS);
    return showSignedOut(`Your session ended (${me.text}). Please log in again.`);
  }
  const payload = JSON.parse(me.text);
  status('Signed in.');
  $('user').textContent = `You are signed in as ${payload['cognito:username']} (groups: ${(payload['cognito:groups'] ?? []).join(', ') || 'none'}).`;
  $('signed-out').hidden = true;
  $('signed-in').hidden = false;

  for (const action of ['say', 'wave']) {
    $(`${action}Hello`).addEventListener('click', async () => {
      const result = await hello('', action, tokens);
      const item = document.createElement('li');
      item.className = result.ok ? 'allowed' : 'denied';
      item.textContent = `POST /${action}_hello → ${result.status} ${result.text}`;
      $('results').prepend(item);
    });
  }
}

if (typeof document !== 'undefined') {
  main().catch((error) => {
    console.error(error);
    document.getElementById('status').textContent = `Something went wrong: ${error.message}`;
  });
}
