import type { PageContext } from './types.ts';
import { html } from './escape.ts';
import { form, hasError, hidden, link, notices, pageTitle, renderDocument, submit } from './layout.ts';
import { codeField, passwordField, usernameField } from './fields.ts';

/** `/forgotPassword`: POST `forgotPassword?{carry}` with `username`. */
export function renderForgotPassword(ctx: PageContext & { username?: string }): string {
  const err = hasError(ctx);
  const body = html`<h1>Reset your password</h1>
<p class="lede">Enter your username and we will send you a code to reset your password.</p>
${notices(ctx)}
${form(
  ctx,
  'forgotPassword',
  html`${usernameField({ value: ctx.username, describedByError: err })}
${submit('Send code')}`,
)}
<div class="links"><p>${link(ctx, 'login', 'Back to sign in')}</p></div>`;
  return renderDocument({ title: pageTitle('Reset your password', ctx.branding), branding: ctx.branding, nonce: ctx.nonce, body });
}

/**
 * `/confirmForgotPassword`: POST `confirmForgotPassword?{carry}` with `username` (hidden), `code`, `password`,
 * `confirm_password`; a second form POSTs `forgotPassword?{carry}` with `username` (hidden) to send a new code.
 */
export function renderConfirmForgotPassword(ctx: PageContext & { username: string; destination?: string }): string {
  const err = hasError(ctx);
  const sentTo = ctx.destination !== undefined && ctx.destination.trim() !== '';
  const body = html`<h1>Set a new password</h1>
<p class="lede">${sentTo ? html`We sent a code to <strong>${ctx.destination}</strong>. Enter it and choose a new password.` : 'Enter the code we sent you and choose a new password.'}</p>
${notices(ctx)}
${form(
  ctx,
  'confirmForgotPassword',
  html`${hidden('username', ctx.username, 'username')}
${codeField({ describedByError: err })}
${passwordField({ id: 'password', name: 'password', label: 'New password', autocomplete: 'new-password', describedByError: err })}
${passwordField({ id: 'confirm_password', name: 'confirm_password', label: 'Confirm new password', autocomplete: 'new-password', describedByError: err })}
${submit('Change password')}`,
)}
<div class="secondary">
<p class="secondary-title">Didn’t receive a code?</p>
${form(ctx, 'forgotPassword', html`${hidden('username', ctx.username)}
${submit('Resend code', 'secondary')}`, 'Resend code')}
</div>
<div class="links"><p>${link(ctx, 'login', 'Back to sign in')}</p></div>`;
  return renderDocument({ title: pageTitle('Set a new password', ctx.branding), branding: ctx.branding, nonce: ctx.nonce, body });
}
