import { describe, expect, it } from 'vitest';
import {
  type Branding,
  type PageContext,
  renderConfirm,
  renderConfirmForgotPassword,
  renderError,
  renderForgotPassword,
  renderLogin,
  renderNewPassword,
  renderSignedOut,
  renderSignup,
} from '../../../src/oauth/pages/index.ts';
import { css, decodeEntities, type Form, forms, nestingProblems, startTags, type Tag, textOf } from './html-inspect.ts';

const branding: Branding = { poolName: 'Acme Movies' };
const CARRY = 'client_id=abc&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=s1';
const CARRY_IN_HTML = 'client_id=abc&amp;redirect_uri=https%3A%2F%2Fapp.example%2Fcb&amp;state=s1';
const base: PageContext = { branding, nonce: 'NONCE-abc123', csrfToken: 'csrf-token-xyz', carry: CARRY };

interface FormPage {
  name: string;
  title: string;
  render: (ctx: PageContext) => string;
}

const formPages: FormPage[] = [
  { name: 'login', title: 'Sign in', render: (c) => renderLogin({ ...c, username: 'alice', signUpAllowed: true }) },
  {
    name: 'signup',
    title: 'Sign up',
    render: (c) => renderSignup({ ...c, username: 'alice', email: 'a@example.com', phoneNumber: '+12065550100', askEmail: true, askPhone: true, usernameLabel: 'Username' }),
  },
  { name: 'confirm', title: 'Confirm your account', render: (c) => renderConfirm({ ...c, username: 'alice', destination: 'a***@e***' }) },
  { name: 'forgotPassword', title: 'Reset your password', render: (c) => renderForgotPassword({ ...c, username: 'alice' }) },
  {
    name: 'confirmForgotPassword',
    title: 'Set a new password',
    render: (c) => renderConfirmForgotPassword({ ...c, username: 'alice', destination: '+*******0100' }),
  },
  {
    name: 'newPassword',
    title: 'Change your password',
    render: (c) => renderNewPassword({ ...c, username: 'alice', session: 'sess-1', requiredAttributes: ['email', 'given_name', 'custom:team'] }),
  },
];

const documents: { name: string; title: string; html: (b?: Branding) => string }[] = [
  ...formPages.map((p) => ({ name: p.name, title: p.title, html: (b: Branding = branding) => p.render({ ...base, branding: b, error: 'Something went wrong.', info: 'Heads up.' }) })),
  { name: 'error', title: 'Invalid redirect URI', html: (b: Branding | undefined = branding) => renderError({ branding: b, nonce: base.nonce, title: 'Invalid redirect URI', message: 'The redirect URI is not registered for this client.' }) },
  { name: 'signedOut', title: 'Signed out', html: (b: Branding | undefined = branding) => renderSignedOut({ branding: b, nonce: base.nonce }) },
];

const ALLOWED_TAGS = new Set(['html', 'head', 'meta', 'title', 'style', 'body', 'main', 'div', 'header', 'img', 'p', 'h1', 'form', 'input', 'label', 'button', 'a', 'strong']);
const ALLOWED_ATTRS = new Set([
  'lang', 'charset', 'name', 'content', 'nonce', 'class', 'src', 'alt', 'referrerpolicy', 'id', 'role', 'method', 'action', 'aria-label',
  'type', 'value', 'autocomplete', 'inputmode', 'autocapitalize', 'spellcheck', 'required', 'aria-describedby', 'for', 'href',
]);

function visibleInputs(html: string): Tag[] {
  return startTags(html, 'input').filter((t) => t.attrs.type !== 'hidden');
}

function input(form: Form, name: string): Tag {
  const found = form.inputs.filter((t) => t.attrs.name === name);
  expect(found, `input ${name} in form ${form.action}`).toHaveLength(1);
  return found[0]!;
}

function fieldNames(form: Form): string[] {
  return form.inputs.map((t) => t.attrs.name!).filter((n) => n !== '_csrf');
}

function labelText(html: string, id: string): string | undefined {
  const m = new RegExp(`<label for="${id}">([\\s\\S]*?)</label>`).exec(html);
  return m === null ? undefined : decodeEntities(m[1]!);
}

function hrefs(html: string): string[] {
  return startTags(html, 'a').map((t) => t.attrs.href!);
}

describe('every hosted UI page', () => {
  describe.each(documents)('$name', (doc) => {
    const html = doc.html();

    it('is a complete document in English with a viewport and a title naming the page and the pool', () => {
      expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
      expect(startTags(html, 'meta').map((t) => t.attrs)).toContainEqual({ name: 'viewport', content: 'width=device-width, initial-scale=1' });
      expect(startTags(html, 'meta').map((t) => t.attrs)).toContainEqual({ charset: 'utf-8' });
      expect(textOf(html, 'title')).toBe(`${doc.title} – Acme Movies`);
      expect(nestingProblems(html)).toEqual([]);
    });

    it('has exactly one h1 and shows the pool name above it', () => {
      expect(startTags(html, 'h1')).toHaveLength(1);
      expect(textOf(html, 'h1')).toBe(doc.title === 'Signed out' ? 'You have signed out' : doc.title === 'Sign up' ? 'Create an account' : doc.title);
      const brand = html.indexOf('<p class="brand-name">Acme Movies</p>');
      expect(brand).toBeGreaterThan(0);
      expect(brand).toBeLessThan(html.indexOf('<h1>'));
    });

    it('keeps all styling in one style element carrying the nonce, with no script, inline style or external resource', () => {
      expect(html.match(/<style\b/g)).toHaveLength(1);
      expect(startTags(html, 'style')[0]?.attrs).toEqual({ nonce: 'NONCE-abc123' });
      expect(html.indexOf('<style')).toBeLessThan(html.indexOf('</head>'));
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/\sstyle=/i);
      expect(html).not.toMatch(/<link\b/i);
      expect(css(html)).not.toMatch(/@import|url\(|@font-face|expression/i);
      expect(css(html)).toMatch(/--primary:#[0-9a-f]{6}/);
    });

    it('uses only expected elements and attributes, and no event handlers', () => {
      for (const tag of startTags(html)) {
        expect(ALLOWED_TAGS.has(tag.name), tag.raw).toBe(true);
        for (const attr of Object.keys(tag.attrs)) expect(ALLOWED_ATTRS.has(attr), `${attr} in ${tag.raw}`).toBe(true);
      }
    });

    it('styles keyboard focus visibly', () => {
      expect(css(html)).toMatch(/\.button:focus-visible\{outline:3px solid var\(--focus\)/);
      expect(css(html)).toMatch(/a:focus-visible\{outline:3px solid var\(--focus\)/);
      expect(css(html)).toMatch(/\.input:focus\{[^}]*outline:3px solid var\(--focus\)/);
    });

    it('lays out for phones as well as desktops', () => {
      expect(css(html)).toMatch(/\.card\{width:100%;max-width:416px/);
      expect(css(html)).toMatch(/@media \(max-width:480px\)/);
    });
  });
});

describe('every form page', () => {
  describe.each(formPages)('$name', (page) => {
    const withError = page.render({ ...base, error: 'Incorrect username or password.', info: 'Code sent.' });
    const plain = page.render(base);

    it('posts every form to a relative URL that keeps the carried query, with the CSRF token first', () => {
      const all = forms(plain);
      expect(all.length).toBeGreaterThan(0);
      for (const form of all) {
        expect(form.method).toBe('post');
        expect(form.action).toMatch(/^[a-zA-Z]+\?client_id=abc&redirect_uri=https%3A%2F%2Fapp\.example%2Fcb&state=s1$/);
        expect(form.inputs[0]?.attrs).toEqual({ type: 'hidden', name: '_csrf', value: 'csrf-token-xyz' });
        expect(form.buttons.length).toBeGreaterThan(0);
        for (const b of form.buttons) expect(b.attrs.type).toBe('submit');
      }
      expect(plain).toContain(`action="${page.name}?${CARRY_IN_HTML}"`);
    });

    it('leaves the question mark off when there is nothing to carry', () => {
      const html = page.render({ ...base, carry: '' });
      for (const form of forms(html)) expect(form.action).toMatch(/^[a-zA-Z]+$/);
      for (const href of hrefs(html)) expect(href).toMatch(/^[a-zA-Z]+$/);
    });

    it('keeps the carried query on every link, and links only relatively', () => {
      for (const href of hrefs(plain)) expect(href).toMatch(/^[a-zA-Z]+\?client_id=abc&redirect_uri=/);
    });

    it('labels every visible input with a label whose for matches its id, and every label points at an input', () => {
      const ids = startTags(plain).map((t) => t.attrs.id).filter((id) => id !== undefined);
      expect(new Set(ids).size).toBe(ids.length);
      const inputs = visibleInputs(plain);
      expect(inputs.length).toBeGreaterThan(0);
      const labelFors = [...plain.matchAll(/<label for="([^"]+)">/g)].map((m) => m[1]);
      expect(labelFors).toHaveLength(startTags(plain, 'label').length);
      for (const tag of inputs) {
        expect(tag.attrs.id, tag.raw).toBeTruthy();
        expect(labelFors.filter((f) => f === tag.attrs.id), tag.raw).toHaveLength(1);
        expect(labelText(plain, tag.attrs.id!)?.trim()).not.toBe('');
      }
      for (const f of labelFors) expect(inputs.filter((t) => t.attrs.id === f)).toHaveLength(1);
    });

    it('marks every visible input required and gives it an autocomplete token', () => {
      for (const tag of visibleInputs(plain)) {
        expect(tag.attrs, tag.raw).toHaveProperty('required');
        if (!tag.attrs.name!.startsWith('userAttributes.custom:')) expect(tag.attrs.autocomplete, tag.raw).toBeTruthy();
      }
    });

    it('never puts a value on a password input', () => {
      for (const tag of startTags(plain, 'input').filter((t) => t.attrs.type === 'password')) {
        expect(tag.attrs).not.toHaveProperty('value');
        expect(['current-password', 'new-password']).toContain(tag.attrs.autocomplete);
      }
    });

    it('shows an error in an alert region that each visible input references with aria-describedby', () => {
      const alerts = startTags(withError).filter((t) => t.attrs.role === 'alert');
      expect(alerts).toHaveLength(1);
      const alertId = alerts[0]!.attrs.id!;
      expect(withError).toContain('Incorrect username or password.');
      for (const tag of visibleInputs(withError)) expect(tag.attrs['aria-describedby']?.split(' '), tag.raw).toContain(alertId);
    });

    it('shows info in a status region', () => {
      const status = startTags(withError).filter((t) => t.attrs.role === 'status');
      expect(status).toHaveLength(1);
      expect(withError).toMatch(/role="status"><p>Code sent\.<\/p>/);
    });

    it('has no alert region and no dangling aria-describedby without an error', () => {
      expect(plain).not.toContain('role="alert"');
      expect(plain).not.toContain('role="status"');
      const ids = new Set(startTags(plain).map((t) => t.attrs.id));
      for (const tag of startTags(plain)) {
        for (const ref of tag.attrs['aria-describedby']?.split(' ') ?? []) expect(ids.has(ref), `${ref} in ${tag.raw}`).toBe(true);
      }
    });
  });
});

describe('login page', () => {
  const html = renderLogin({ ...base, username: 'alice', signUpAllowed: true });
  const [form] = forms(html);

  it('posts username and password to login', () => {
    expect(forms(html)).toHaveLength(1);
    expect(form!.action).toBe(`login?${CARRY}`);
    expect(fieldNames(form!)).toEqual(['username', 'password']);
    expect(input(form!, 'username').attrs).toMatchObject({ type: 'text', autocomplete: 'username', value: 'alice', autocapitalize: 'none', spellcheck: 'false' });
    expect(input(form!, 'password').attrs).toMatchObject({ type: 'password', autocomplete: 'current-password' });
    expect(form!.buttons.map((b) => b.raw)).toEqual(['<button type="submit" class="button">']);
  });

  it('links to forgot password and sign up, keeping the query', () => {
    expect(hrefs(html)).toEqual([`forgotPassword?${CARRY}`, `signup?${CARRY}`]);
  });

  it('hides the sign-up link when the client does not allow sign-up', () => {
    const closed = renderLogin({ ...base, signUpAllowed: false });
    expect(hrefs(closed)).toEqual([`forgotPassword?${CARRY}`]);
    expect(closed).not.toContain('signup');
  });

  it('leaves the username empty when none is given', () => {
    expect(input(forms(renderLogin({ ...base, signUpAllowed: true }))[0]!, 'username').attrs).not.toHaveProperty('value');
  });
});

describe('sign-up page', () => {
  const render = (askEmail: boolean, askPhone: boolean) =>
    renderSignup({ ...base, username: 'bob', email: 'bob@example.com', phoneNumber: '+12065550100', askEmail, askPhone, usernameLabel: 'Email address' });

  it('posts username, email, phone number and password to signup', () => {
    const [form] = forms(render(true, true));
    expect(form!.action).toBe(`signup?${CARRY}`);
    expect(fieldNames(form!)).toEqual(['username', 'email', 'phone_number', 'password']);
    expect(input(form!, 'email').attrs).toMatchObject({ type: 'email', autocomplete: 'email', value: 'bob@example.com' });
    expect(input(form!, 'phone_number').attrs).toMatchObject({ type: 'tel', autocomplete: 'tel', value: '+12065550100' });
    expect(input(form!, 'password').attrs).toMatchObject({ type: 'password', autocomplete: 'new-password' });
    expect(input(form!, 'username').attrs).toMatchObject({ autocomplete: 'username', value: 'bob' });
  });

  it('asks only for what the pool needs', () => {
    expect(fieldNames(forms(render(false, false))[0]!)).toEqual(['username', 'password']);
    expect(fieldNames(forms(render(true, false))[0]!)).toEqual(['username', 'email', 'password']);
    expect(fieldNames(forms(render(false, true))[0]!)).toEqual(['username', 'phone_number', 'password']);
  });

  it('labels the username as the pool calls it', () => {
    expect(labelText(render(false, false), 'username')).toBe('Email address');
  });

  it('describes the phone number format with a hint tied to the input', () => {
    const html = render(false, true);
    const phone = input(forms(html)[0]!, 'phone_number');
    expect(phone.attrs['aria-describedby']).toBe('phone_number-hint');
    expect(html).toMatch(/<p class="hint" id="phone_number-hint">Include the country code/);
  });

  it('links back to sign in', () => {
    expect(hrefs(render(true, true))).toEqual([`login?${CARRY}`]);
  });
});

describe('confirm page', () => {
  const html = renderConfirm({ ...base, username: 'alice', destination: 'a***@e***' });

  it('posts the hidden username and the code to confirm', () => {
    const [form] = forms(html);
    expect(form!.action).toBe(`confirm?${CARRY}`);
    expect(fieldNames(form!)).toEqual(['username', 'code']);
    expect(input(form!, 'username').attrs).toMatchObject({ type: 'hidden', value: 'alice' });
    expect(input(form!, 'code').attrs).toMatchObject({ type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code' });
  });

  it('has a second form that resends the code', () => {
    const resend = forms(html)[1]!;
    expect(forms(html)).toHaveLength(2);
    expect(resend.action).toBe(`resendCode?${CARRY}`);
    expect(fieldNames(resend)).toEqual(['username']);
    expect(input(resend, 'username').attrs).toMatchObject({ type: 'hidden', value: 'alice' });
    expect(resend.inner).toContain('<button type="submit" class="button button-secondary">Resend code</button>');
  });

  it('says where the code went', () => {
    expect(textOf(html, 'strong')).toBe('a***@e***');
    expect(renderConfirm({ ...base, username: 'alice' })).not.toContain('<strong>');
  });
});

describe('forgot password pages', () => {
  it('asks for the username and posts it to forgotPassword', () => {
    const html = renderForgotPassword({ ...base, username: 'alice' });
    const [form] = forms(html);
    expect(forms(html)).toHaveLength(1);
    expect(form!.action).toBe(`forgotPassword?${CARRY}`);
    expect(fieldNames(form!)).toEqual(['username']);
    expect(input(form!, 'username').attrs).toMatchObject({ type: 'text', autocomplete: 'username', value: 'alice' });
    expect(hrefs(html)).toEqual([`login?${CARRY}`]);
  });

  it('posts the hidden username, code and new password twice to confirmForgotPassword', () => {
    const html = renderConfirmForgotPassword({ ...base, username: 'alice', destination: 'a***@e***' });
    const [form, resend] = forms(html);
    expect(form!.action).toBe(`confirmForgotPassword?${CARRY}`);
    expect(fieldNames(form!)).toEqual(['username', 'code', 'password', 'confirm_password']);
    expect(input(form!, 'username').attrs).toMatchObject({ type: 'hidden', value: 'alice', autocomplete: 'username' });
    expect(input(form!, 'code').attrs).toMatchObject({ inputmode: 'numeric', autocomplete: 'one-time-code' });
    expect(input(form!, 'password').attrs).toMatchObject({ type: 'password', autocomplete: 'new-password' });
    expect(input(form!, 'confirm_password').attrs).toMatchObject({ type: 'password', autocomplete: 'new-password' });
    expect(resend!.action).toBe(`forgotPassword?${CARRY}`);
    expect(fieldNames(resend!)).toEqual(['username']);
    expect(textOf(html, 'strong')).toBe('a***@e***');
  });
});

describe('new password page', () => {
  const html = renderNewPassword({ ...base, username: 'alice', session: 'sess-1', requiredAttributes: ['email', 'phone_number', 'given_name', 'birthdate', 'custom:team_name'] });
  const [form] = forms(html);

  it('posts username, session, both passwords and one input per required attribute to newPassword', () => {
    expect(form!.action).toBe(`newPassword?${CARRY}`);
    expect(fieldNames(form!)).toEqual([
      'username', 'session', 'password', 'confirm_password',
      'userAttributes.email', 'userAttributes.phone_number', 'userAttributes.given_name', 'userAttributes.birthdate', 'userAttributes.custom:team_name',
    ]);
    expect(input(form!, 'username').attrs).toMatchObject({ type: 'hidden', value: 'alice' });
    expect(input(form!, 'session').attrs).toMatchObject({ type: 'hidden', value: 'sess-1' });
    expect(input(form!, 'password').attrs).toMatchObject({ type: 'password', autocomplete: 'new-password' });
    expect(input(form!, 'confirm_password').attrs).toMatchObject({ type: 'password', autocomplete: 'new-password' });
  });

  it('asks for standard attributes with the right input types and autofill tokens', () => {
    expect(input(form!, 'userAttributes.email').attrs).toMatchObject({ type: 'email', autocomplete: 'email', required: '' });
    expect(input(form!, 'userAttributes.phone_number').attrs).toMatchObject({ type: 'tel', autocomplete: 'tel' });
    expect(input(form!, 'userAttributes.given_name').attrs).toMatchObject({ type: 'text', autocomplete: 'given-name' });
    expect(input(form!, 'userAttributes.birthdate').attrs).toMatchObject({ type: 'date', autocomplete: 'bday' });
    expect(labelText(html, input(form!, 'userAttributes.custom:team_name').attrs.id!)).toBe('Team name');
  });

  it('asks for a repeated attribute once', () => {
    const twice = renderNewPassword({ ...base, username: 'u', session: 's', requiredAttributes: ['email', 'email'] });
    expect(fieldNames(forms(twice)[0]!)).toEqual(['username', 'session', 'password', 'confirm_password', 'userAttributes.email']);
  });
});

describe('error and signed-out pages', () => {
  it('omit the pool header and the title suffix when there is no branding', () => {
    const error = renderError({ nonce: 'n', title: 'Invalid redirect URI', message: 'm' });
    const signedOut = renderSignedOut({ nonce: 'n' });
    expect(textOf(error, 'title')).toBe('Invalid redirect URI');
    expect(textOf(signedOut, 'title')).toBe('Signed out');
    for (const html of [error, signedOut]) expect(html).not.toContain('class="brand"');
  });

  it('shows the error title and message with no form', () => {
    const html = renderError({ branding, nonce: 'n', title: 'Invalid redirect URI', message: 'The redirect URI is not registered for this client.' });
    expect(textOf(html, 'h1')).toBe('Invalid redirect URI');
    expect(html).toContain('<p class="message">The redirect URI is not registered for this client.</p>');
    expect(html).not.toContain('<form');
  });

  it('confirms sign-out with no form', () => {
    const html = renderSignedOut({ nonce: 'n' });
    expect(textOf(html, 'h1')).toBe('You have signed out');
    expect(textOf(html, 'title')).toBe('Signed out');
    expect(html).not.toContain('<form');
  });
});

describe('hostile input', () => {
  const SCRIPT = '"><script>alert(1)</script>';
  const SCRIPT_ESCAPED = '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;';
  const evilBranding: Branding = {
    poolName: '<img src=x onerror=alert(1)><b>Pool</b>',
    logoUrl: 'javascript:alert(1)',
    primaryColor: 'red;} body{background:url(//evil)}',
    backgroundColor: 'url(javascript:alert(1))',
    textColor: '#000;}</style><script>alert(1)</script>',
  };
  const evil: PageContext = {
    branding: evilBranding,
    nonce: 'n" onload="alert(1)',
    csrfToken: SCRIPT,
    carry: 'state=x"><script>alert(1)</script>&q=<b>',
    error: '<script>alert("e")</script><b>bad</b>',
    info: '<img src=x onerror=alert(2)>',
  };
  const pages = [
    { name: 'login', html: renderLogin({ ...evil, username: SCRIPT, signUpAllowed: true }) },
    { name: 'signup', html: renderSignup({ ...evil, username: SCRIPT, email: SCRIPT, phoneNumber: SCRIPT, askEmail: true, askPhone: true, usernameLabel: SCRIPT }) },
    { name: 'confirm', html: renderConfirm({ ...evil, username: SCRIPT, destination: SCRIPT }) },
    { name: 'forgotPassword', html: renderForgotPassword({ ...evil, username: SCRIPT }) },
    { name: 'confirmForgotPassword', html: renderConfirmForgotPassword({ ...evil, username: SCRIPT, destination: SCRIPT }) },
    { name: 'newPassword', html: renderNewPassword({ ...evil, username: SCRIPT, session: SCRIPT, requiredAttributes: [SCRIPT, 'email'] }) },
    { name: 'error', html: renderError({ branding: evilBranding, nonce: evil.nonce, title: SCRIPT, message: '<b>bad</b>' }) },
    { name: 'signedOut', html: renderSignedOut({ branding: evilBranding, nonce: evil.nonce }) },
  ];

  describe.each(pages)('$name', ({ name, html }) => {
    it('contains no executable markup and none of the raw payloads', () => {
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toContain(SCRIPT);
      expect(html).not.toContain('<img src=x');
      expect(html).not.toContain('<b>');
      expect(html).not.toMatch(/javascript:/i);
      for (const tag of startTags(html)) expect(Object.keys(tag.attrs).filter((a) => a.startsWith('on')), tag.raw).toEqual([]);
      expect(nestingProblems(html)).toEqual([]);
      for (const tag of startTags(html)) {
        expect(ALLOWED_TAGS.has(tag.name), tag.raw).toBe(true);
        for (const attr of Object.keys(tag.attrs)) expect(ALLOWED_ATTRS.has(attr), `${attr} in ${tag.raw}`).toBe(true);
      }
    });

    it('shows the pool name as escaped text', () => {
      const escaped = '&lt;img src=x onerror=alert(1)&gt;&lt;b&gt;Pool&lt;/b&gt;';
      expect(html).toContain(`<p class="brand-name">${escaped}</p>`);
      expect(html).toMatch(new RegExp(`<title>[^<]* – ${escaped.replace(/[()]/g, '\\$&')}</title>`));
    });

    it('drops the javascript: logo and keeps configured text out of the CSS', () => {
      expect(startTags(html, 'img')).toEqual([]);
      const sheet = css(html);
      expect(sheet).not.toMatch(/evil|url\(|javascript|red;|<\/style|alert/i);
      expect(sheet).toContain('--primary:#2563eb;');
      expect(sheet).toContain('--bg:#f3f4f6;');
      expect(sheet).toContain('--text:#111827;');
      expect(html.match(/<\/style>/g)).toHaveLength(1);
    });

    it('escapes the nonce inside its attribute', () => {
      expect(startTags(html, 'style')[0]!.attrs).toEqual({ nonce: 'n" onload="alert(1)' });
      expect(html).toContain('<style nonce="n&quot; onload=&quot;alert(1)">');
    });

    if (name === 'error') {
      it('escapes the title and message', () => {
        expect(html).toContain(`<h1>${SCRIPT_ESCAPED}</h1>`);
        expect(html).toContain('<p class="message">&lt;b&gt;bad&lt;/b&gt;</p>');
      });
      return;
    }
    if (name === 'signedOut') return;

    it('escapes the CSRF token in every form', () => {
      for (const form of forms(html)) expect(form.inputs[0]!.attrs).toEqual({ type: 'hidden', name: '_csrf', value: SCRIPT });
      expect(html).toContain(`name="_csrf" value="${SCRIPT_ESCAPED}"`);
    });

    it('percent-encodes quotes and angle brackets in the carried query', () => {
      const encoded = 'state=x%22%3E%3Cscript%3Ealert(1)%3C/script%3E&amp;q=%3Cb%3E';
      for (const form of forms(html)) expect(form.action).toBe(`${form.action.split('?')[0]}?${decodeEntities(encoded)}`);
      expect(html).toContain(`?${encoded}"`);
      for (const href of hrefs(html)) expect(href.endsWith(`?${decodeEntities(encoded)}`)).toBe(true);
    });

    it('escapes the error and info text', () => {
      expect(html).toContain('<div class="notice notice-error" id="form-error" role="alert"><p>&lt;script&gt;alert(&quot;e&quot;)&lt;/script&gt;&lt;b&gt;bad&lt;/b&gt;</p></div>');
      expect(html).toContain('role="status"><p>&lt;img src=x onerror=alert(2)&gt;</p>');
    });

    it('escapes the username wherever it appears', () => {
      const usernames = forms(html).flatMap((f) => f.inputs.filter((t) => t.attrs.name === 'username'));
      expect(usernames.length).toBeGreaterThan(0);
      for (const u of usernames) expect(u.attrs.value).toBe(SCRIPT);
      expect(html).toContain(`name="username"`);
      expect(html).toContain(SCRIPT_ESCAPED);
    });

    if (name === 'confirm' || name === 'confirmForgotPassword') {
      it('escapes the destination', () => {
        expect(html).toContain(`<strong>${SCRIPT_ESCAPED}</strong>`);
      });
    }
    if (name === 'signup') {
      it('escapes the username label, email and phone number', () => {
        expect(html).toContain(`<label for="username">${SCRIPT_ESCAPED}</label>`);
        expect(input(forms(html)[0]!, 'email').attrs.value).toBe(SCRIPT);
        expect(input(forms(html)[0]!, 'phone_number').attrs.value).toBe(SCRIPT);
      });
    }
    if (name === 'newPassword') {
      it('escapes the session and attribute names', () => {
        const form = forms(html)[0]!;
        expect(input(form, 'session').attrs.value).toBe(SCRIPT);
        expect(input(form, `userAttributes.${SCRIPT}`).attrs.type).toBe('text');
        expect(html).toContain(`name="userAttributes.${SCRIPT_ESCAPED}"`);
      });
    }
  });

  it('never renders a password value even when the context carries one', () => {
    const sneaky = { ...base, username: 'u', signUpAllowed: true, password: 'hunter2' } as Parameters<typeof renderLogin>[0];
    expect(renderLogin(sneaky)).not.toContain('hunter2');
  });

  it('keeps a hash and a stray percent in the carried query instead of ending it early', () => {
    const html = renderLogin({ ...base, carry: 'state=a#b&x=100%&y=%41', signUpAllowed: false });
    expect(forms(html)[0]!.action).toBe('login?state=a%23b&x=100%25&y=%41');
  });

  it('drops a leading question mark from the carried query', () => {
    const html = renderLogin({ ...base, carry: '?client_id=abc', signUpAllowed: false });
    expect(forms(html)[0]!.action).toBe('login?client_id=abc');
  });
});

describe('logo', () => {
  const logoOf = (logoUrl: string) => startTags(renderSignedOut({ branding: { poolName: 'P', logoUrl }, nonce: 'n' }), 'img')[0]?.attrs;

  it('shows an https logo as decoration beside the pool name, without sending a referrer', () => {
    expect(logoOf('https://cdn.example.com/logo.png')).toEqual({ class: 'brand-logo', src: 'https://cdn.example.com/logo.png', alt: '', referrerpolicy: 'no-referrer' });
  });

  it('accepts a base64 image data URL', () => {
    expect(logoOf('data:image/png;base64,iVBORw0KGgo=')?.src).toBe('data:image/png;base64,iVBORw0KGgo=');
  });

  it.each([
    'javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' javascript:alert(1)', 'java\tscript:alert(1)', 'vbscript:msgbox(1)',
    'data:text/html,<script>alert(1)</script>', 'data:image/svg+xml,<svg onload=alert(1)>', '//evil.example/logo.png', '/logo.png',
    'logo.png', 'https://user:pass@evil.example/logo.png', 'ftp://example.com/logo.png', '',
  ])('drops %j', (logoUrl) => {
    expect(logoOf(logoUrl)).toBeUndefined();
  });

  it('keeps quotes in an https logo URL from leaving the attribute', () => {
    const html = renderSignedOut({ branding: { poolName: 'P', logoUrl: 'https://cdn.example.com/a"onerror="alert(1).png' }, nonce: 'n' });
    expect(startTags(html, 'img')[0]!.attrs.src).toBe('https://cdn.example.com/a%22onerror=%22alert(1).png');
    expect(html).not.toMatch(/\sonerror=/);
  });
});
