import type { PageContext } from './types.ts';
import { html } from './escape.ts';
import { form, hasError, link, notices, pageTitle, renderDocument, submit } from './layout.ts';
import { passwordField, usernameField } from './fields.ts';

/** `/login`: POST `login?{carry}` with `username`, `password`; links to `forgotPassword` and, if allowed, `signup`. */
export function renderLogin(ctx: PageContext & { username?: string; signUpAllowed: boolean }): string {
  const err = hasError(ctx);
  const body = html`<h1>Sign in</h1>
<p class="lede">Sign in with your username and password.</p>
${notices(ctx)}
${form(
  ctx,
  'login',
  html`${usernameField({ value: ctx.username, describedByError: err })}
${passwordField({ id: 'password', name: 'password', label: 'Password', autocomplete: 'current-password', describedByError: err })}
<p class="inline-link">${link(ctx, 'forgotPassword', 'Forgot your password?')}</p>
${submit('Sign in')}`,
)}
${ctx.signUpAllowed && html`<div class="links"><p>Need an account? ${link(ctx, 'signup', 'Sign up')}</p></div>`}`;
  return renderDocument({ title: pageTitle('Sign in', ctx.branding), branding: ctx.branding, nonce: ctx.nonce, body });
}
