import type { PageContext } from './types.ts';
import { html } from './escape.ts';
import { form, hasError, hidden, link, notices, pageTitle, renderDocument, submit } from './layout.ts';
import { codeField } from './fields.ts';

/**
 * `/confirm`: POST `confirm?{carry}` with `username` (hidden) and `code`; a second form POSTs `resendCode?{carry}`
 * with `username` (hidden).
 */
export function renderConfirm(ctx: PageContext & { username: string; destination?: string }): string {
  const err = hasError(ctx);
  const sentTo = ctx.destination !== undefined && ctx.destination.trim() !== '';
  const body = html`<h1>Confirm your account</h1>
<p class="lede">${sentTo ? html`We sent a code to <strong>${ctx.destination}</strong>. Enter it below to confirm your account.` : 'Enter the code we sent you to confirm your account.'}</p>
${notices(ctx)}
${form(
  ctx,
  'confirm',
  html`${hidden('username', ctx.username)}
${codeField({ describedByError: err })}
${submit('Confirm account')}`,
)}
<div class="secondary">
<p class="secondary-title">Didn’t receive a code?</p>
${form(ctx, 'resendCode', html`${hidden('username', ctx.username)}
${submit('Resend code', 'secondary')}`, 'Resend code')}
</div>
<div class="links"><p>${link(ctx, 'login', 'Back to sign in')}</p></div>`;
  return renderDocument({ title: pageTitle('Confirm your account', ctx.branding), branding: ctx.branding, nonce: ctx.nonce, body });
}
