import type { PageContext } from './types.ts';
import { html, safeImageUrl } from './escape.ts';
import { form, hasError, hidden, link, notices, pageTitle, renderDocument, submit } from './layout.ts';
import { codeField } from './fields.ts';

const CODE_HINT = 'The 6-digit code your authenticator app shows for this account.';

/**
 * The software-token step (SOFTWARE_TOKEN_MFA): POST `mfa?{carry}` with `username` and `session` (hidden) and `code`.
 * The session is used up by the first code tried, right or wrong, so a wrong code leads back to the login page.
 */
export function renderMfaCode(ctx: PageContext & { username: string; session: string }): string {
  const err = hasError(ctx);
  const body = html`<h1>Enter your authentication code</h1>
<p class="lede">Open your authenticator app and enter the code it shows for this account.</p>
${notices(ctx)}
${form(
  ctx,
  'mfa',
  html`${hidden('username', ctx.username, 'username')}
${hidden('session', ctx.session)}
${codeField({ label: 'Authentication code', hint: CODE_HINT, describedByError: err })}
${submit('Sign in')}`,
)}
<div class="links"><p>${link(ctx, 'login', 'Back to sign in')}</p></div>`;
  return renderDocument({ title: pageTitle('Enter your authentication code', ctx.branding), branding: ctx.branding, nonce: ctx.nonce, body });
}

/** `ABCDEFGH…` → `ABCD EFGH …`: easier to read out and type; authenticator apps ignore the spaces. */
function grouped(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

/**
 * Software-token enrolment inside the sign-in (MFA_SETUP): the new secret as a QR code of its `otpauth://` URI, as
 * text, and as a link for an authenticator app on this device; then POST `mfaSetup?{carry}` with `username`,
 * `session`, `secret` and `secret_mac` (hidden: the secret is shown again if the code is wrong) and `code`.
 */
export function renderMfaSetup(
  ctx: PageContext & {
    username: string;
    session: string;
    /** Base32, as AssociateSoftwareToken returns it. */
    secret: string;
    /** The server's MAC binding the secret to the session. */
    secretMac: string;
    /** The `otpauth://totp/…` URI the QR code encodes. */
    otpauthUri: string;
    /** The QR code as a base64 `data:image/svg+xml` URL (the page CSP allows `data:` images); dropped if it is anything else. */
    qrCode: string;
    /** The account the authenticator app will list. */
    accountName: string;
  },
): string {
  const err = hasError(ctx);
  const qr = safeImageUrl(ctx.qrCode)?.startsWith('data:image/') === true ? ctx.qrCode : undefined;
  const appLink = /^otpauth:\/\/totp\//.test(ctx.otpauthUri) ? ctx.otpauthUri : undefined;
  const body = html`<h1>Set up your authenticator app</h1>
<p class="lede">This account signs in with a code from an authenticator app as well as its password. Add it to your app to continue.</p>
${notices(ctx)}
<ol class="steps">
<li>
<p>Scan this QR code with your authenticator app.</p>
${qr !== undefined && html`<img class="qr" id="totp-qr" src="${qr}" alt="QR code that adds ${ctx.accountName} to an authenticator app">`}
</li>
<li>
<p>Or add the account by hand with this setup key:</p>
<p><code class="secret" id="totp-secret">${grouped(ctx.secret)}</code></p>
<p class="hint">Account: <strong>${ctx.accountName}</strong>. Choose a time-based code if your app asks.${
    appLink !== undefined && html` On this device? <a href="${appLink}">Open it in your authenticator app</a>.`
  }</p>
</li>
<li><p>Enter the 6-digit code your app now shows.</p></li>
</ol>
${form(
  ctx,
  'mfaSetup',
  html`${hidden('username', ctx.username, 'username')}
${hidden('session', ctx.session)}
${hidden('secret', ctx.secret)}
${hidden('secret_mac', ctx.secretMac)}
${codeField({ label: 'Code from your app', hint: CODE_HINT, describedByError: err })}
${submit('Verify and sign in')}`,
)}
<div class="links"><p>${link(ctx, 'login', 'Back to sign in')}</p></div>`;
  return renderDocument({ title: pageTitle('Set up your authenticator app', ctx.branding), branding: ctx.branding, nonce: ctx.nonce, body });
}
