/**
 * Drives Tessera's hosted UI the way a browser would, without one: fetch with manual redirects and
 * a tiny cookie jar, parsing the CSRF token out of the login form.
 */

/** Cookies by name, as a browser would keep them for one site (paths and expiry are simplified). */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  /** Takes the Set-Cookie headers of a response; an empty value or a past expiry deletes. */
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) <= Date.now()));
      if (value === '' || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  clone(): CookieJar {
    const copy = new CookieJar();
    for (const [k, v] of this.cookies) copy.cookies.set(k, v);
    return copy;
  }
}

/** One request with the jar's cookies, no redirect following; Set-Cookie goes back into the jar. */
export async function browserFetch(url: string | URL, jar: CookieJar, init: { method?: string; form?: Record<string, string>; body?: string; headers?: Record<string, string> } = {}): Promise<Response> {
  const headers: Record<string, string> = { ...init.headers };
  if (jar.cookies.size > 0) headers.cookie = jar.header();
  let body: string | undefined = init.body;
  if (init.form) {
    body = new URLSearchParams(init.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const response = await fetch(url, { method: init.method ?? (body !== undefined ? 'POST' : 'GET'), headers, ...(body !== undefined && { body }), redirect: 'manual' });
  jar.store(response);
  return response;
}

/** The Location of a redirect, resolved against the request URL as a browser would. */
export function locationOf(response: Response, requestUrl: string | URL): URL {
  const location = response.headers.get('location');
  if (location === null) throw new Error(`expected a redirect, got ${response.status}`);
  return new URL(location, requestUrl);
}

export interface LoginPage {
  status: number;
  html: string;
  /** The absolute URL the login form posts to. */
  action: URL;
  csrf: string;
}

/** Reads the (first) form's action and `_csrf` token out of a hosted UI page. */
export function parseForm(html: string, pageUrl: string | URL, status = 200): LoginPage {
  const form = /<form method="post" action="([^"]*)"/.exec(html);
  const csrf = /<input type="hidden" name="_csrf" value="([^"]*)">/.exec(html);
  if (!form || !csrf) throw new Error(`no form with a CSRF token in the page (status ${status}):\n${html.slice(0, 2000)}`);
  return { status, html, action: new URL(decodeEntities(form[1]!), pageUrl), csrf: decodeEntities(csrf[1]!) };
}

/** GETs a hosted UI page (following redirects inside the server) and parses its form. */
export async function openLoginPage(url: string | URL, jar: CookieJar): Promise<LoginPage> {
  let current = new URL(url);
  for (let hops = 0; hops < 5; hops++) {
    const response = await browserFetch(current, jar);
    if (response.status >= 300 && response.status < 400) {
      current = locationOf(response, current);
      continue;
    }
    const html = await response.text();
    return parseForm(html, current, response.status);
  }
  throw new Error('too many redirects');
}

/**
 * Starts at an authorization URL (authorize or login) and signs in through the form. Returns the
 * URL the browser is finally sent to (the client's redirect URI with `code` and `state`), or throws
 * with the page shown instead.
 */
export async function signInThroughForm(authorizationUrl: string | URL, username: string, password: string, jar = new CookieJar()): Promise<URL> {
  let current = new URL(authorizationUrl);
  for (let hops = 0; hops < 5; hops++) {
    const response = await browserFetch(current, jar);
    if (response.status < 300 || response.status >= 400) {
      const page = parseForm(await response.text(), current, response.status);
      const posted = await browserFetch(page.action, jar, { form: { _csrf: page.csrf, username, password } });
      if (posted.status !== 302) throw new Error(`the login form answered ${posted.status}:\n${(await posted.text()).slice(0, 3000)}`);
      return locationOf(posted, page.action);
    }
    const next = locationOf(response, current);
    // A redirect away from the server (a signed-in browser) ends the journey without the form.
    if (next.origin !== current.origin || !next.pathname.startsWith(current.pathname.split('/').slice(0, 2).join('/'))) return next;
    current = next;
  }
  throw new Error('too many redirects');
}

export function decodeEntities(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
}
