import type { Branding, PageContext } from './types.ts';
import { html, safeImageUrl, type SafeHtml, trusted, withCarry } from './escape.ts';
import { resolveTheme } from './theme.ts';
import { stylesheet } from './stylesheet.ts';

/** Id of the error region; inputs reference it with `aria-describedby` while it is shown. */
export const ERROR_ID = 'form-error';

/** `Page – Pool`, or just `Page` when there is no pool name. */
export function pageTitle(page: string, branding: Branding | undefined): string {
  const pool = branding?.poolName.trim() ?? '';
  return pool === '' ? page : `${page} – ${pool}`;
}

/** A whole document: the one `<style nonce>` in the head, a centred card with the pool's logo and name, then `body`. */
export function renderDocument(opts: { title: string; branding: Branding | undefined; nonce: string; body: SafeHtml }): string {
  const { branding } = opts;
  const logo = safeImageUrl(branding?.logoUrl);
  const poolName = branding?.poolName.trim() ?? '';
  const brand =
    logo === undefined && poolName === ''
      ? ''
      : html`<header class="brand">
${logo !== undefined && html`<img class="brand-logo" src="${logo}" alt="" referrerpolicy="no-referrer">`}
${poolName !== '' && html`<p class="brand-name">${poolName}</p>`}
</header>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${opts.title}</title>
<style nonce="${opts.nonce}">${trusted(stylesheet(resolveTheme(branding)))}</style>
</head>
<body>
<main class="page">
<div class="card">
${brand}
${opts.body}
</div>
</main>
</body>
</html>
`.toString();
}

/** The error (`role="alert"`) and info (`role="status"`) regions, each only when there is something to say. */
export function notices(ctx: Pick<PageContext, 'error' | 'info'>): SafeHtml {
  return html`${hasText(ctx.error) && html`<div class="notice notice-error" id="${ERROR_ID}" role="alert"><p>${ctx.error}</p></div>`}
${hasText(ctx.info) && html`<div class="notice notice-info" role="status"><p>${ctx.info}</p></div>`}`;
}

/** Whether the error region is shown, so inputs should point at it. */
export function hasError(ctx: Pick<PageContext, 'error'>): boolean {
  return hasText(ctx.error);
}

function hasText(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

/** A POST form to `action?carry` with the CSRF token as its first field. */
export function form(ctx: Pick<PageContext, 'carry' | 'csrfToken'>, action: string, content: SafeHtml, label?: string): SafeHtml {
  return html`<form method="post" action="${withCarry(action, ctx.carry)}"${label !== undefined && html` aria-label="${label}"`}>
<input type="hidden" name="_csrf" value="${ctx.csrfToken}">
${content}
</form>`;
}

/** A hidden input. */
export function hidden(name: string, value: string, autocomplete?: string): SafeHtml {
  return html`<input type="hidden" name="${name}" value="${value}"${autocomplete !== undefined && html` autocomplete="${autocomplete}"`}>`;
}

/** The primary submit button. */
export function submit(label: string, variant: 'primary' | 'secondary' = 'primary'): SafeHtml {
  return html`<button type="submit" class="button${variant === 'secondary' && ' button-secondary'}">${label}</button>`;
}

/** A relative link that keeps the carried query. */
export function link(ctx: Pick<PageContext, 'carry'>, path: string, text: string): SafeHtml {
  return html`<a href="${withCarry(path, ctx.carry)}">${text}</a>`;
}
