import type { Branding } from './types.ts';
import { html } from './escape.ts';
import { pageTitle, renderDocument } from './layout.ts';

/** A page with no form, for failures that cannot go back to the client (e.g. "Invalid redirect URI"). */
export function renderError(opts: { branding?: Branding; nonce: string; title: string; message: string }): string {
  const body = html`<h1>${opts.title}</h1>
<p class="message">${opts.message}</p>`;
  return renderDocument({ title: pageTitle(opts.title, opts.branding), branding: opts.branding, nonce: opts.nonce, body });
}

/** Shown by `/logout` when there is no sign-out URL to return to. */
export function renderSignedOut(opts: { branding?: Branding; nonce: string }): string {
  const body = html`<h1>You have signed out</h1>
<p class="message">You can close this window.</p>`;
  return renderDocument({ title: pageTitle('Signed out', opts.branding), branding: opts.branding, nonce: opts.nonce, body });
}
