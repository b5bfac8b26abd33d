import type { PageContext } from './types.ts';
import { html } from './escape.ts';
import { form, hasError, link, notices, pageTitle, renderDocument, submit } from './layout.ts';
import { field, passwordField, usernameField } from './fields.ts';

/** `/signup`: POST `signup?{carry}` with `username`, `password` and, when asked, `email` and `phone_number`. */
export function renderSignup(
  ctx: PageContext & {
    username?: string;
    email?: string;
    phoneNumber?: string;
    askEmail: boolean;
    askPhone: boolean;
    usernameLabel: string;
  },
): string {
  const err = hasError(ctx);
  const label = ctx.usernameLabel.trim() === '' ? 'Username' : ctx.usernameLabel;
  const body = html`<h1>Create an account</h1>
<p class="lede">Sign up with a new account.</p>
${notices(ctx)}
${form(
  ctx,
  'signup',
  html`${usernameField({ value: ctx.username, label, describedByError: err })}
${
  ctx.askEmail &&
  field({
    id: 'email',
    name: 'email',
    label: 'Email',
    type: 'email',
    autocomplete: 'email',
    inputmode: 'email',
    required: true,
    verbatim: true,
    value: ctx.email,
    describedByError: err,
  })
}
${
  ctx.askPhone &&
  field({
    id: 'phone_number',
    name: 'phone_number',
    label: 'Phone number',
    type: 'tel',
    autocomplete: 'tel',
    required: true,
    value: ctx.phoneNumber,
    hint: 'Include the country code, for example +12065550100.',
    describedByError: err,
  })
}
${passwordField({ id: 'password', name: 'password', label: 'Password', autocomplete: 'new-password', describedByError: err })}
${submit('Sign up')}`,
)}
<div class="links"><p>Already have an account? ${link(ctx, 'login', 'Sign in')}</p></div>`;
  return renderDocument({ title: pageTitle('Sign up', ctx.branding), branding: ctx.branding, nonce: ctx.nonce, body });
}
