import type { Theme } from './theme.ts';

const HEX_COLOUR = /^#[0-9a-f]{6}$/;

/**
 * The page's only CSS. Theme values are CSS custom properties; each is checked to be `#rrggbb` once more here,
 * so no configured text can reach the stylesheet even if `resolveTheme` changes.
 */
export function stylesheet(theme: Theme): string {
  const vars = Object.entries({
    '--bg': theme.background,
    '--surface': theme.surface,
    '--text': theme.text,
    '--muted': theme.muted,
    '--border': theme.border,
    '--divider': theme.divider,
    '--primary': theme.primary,
    '--on-primary': theme.onPrimary,
    '--primary-hover': theme.primaryHover,
    '--link': theme.link,
    '--focus': theme.focus,
  }).map(([name, value]) => {
    if (!HEX_COLOUR.test(value)) throw new TypeError(`theme colour ${name} is not #rrggbb`);
    return `${name}:${value}`;
  });
  return `:root{${vars.join(';')};--error-bg:#fef2f2;--error-border:#fca5a5;--error-text:#991b1b;--info-bg:#eff6ff;--info-border:#93c5fd;--info-text:#1e3a8a;color-scheme:light}
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;min-height:100vh;background:var(--bg);color:var(--text);font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;font-size:1rem;line-height:1.5;-webkit-font-smoothing:antialiased}
.page{display:flex;justify-content:center;align-items:flex-start;min-height:100vh;padding:clamp(16px,8vh,96px) 16px 32px}
.card{width:100%;max-width:416px;background:var(--surface);border:1px solid var(--divider);border-radius:12px;box-shadow:0 1px 2px rgba(16,24,40,.06),0 12px 32px rgba(16,24,40,.08);padding:40px 36px 32px}
.brand{display:flex;flex-direction:column;align-items:center;gap:12px;margin:0 0 24px;text-align:center}
.brand-logo{display:block;max-width:200px;max-height:64px;width:auto;height:auto}
.brand-name{margin:0;font-size:.9375rem;font-weight:600;color:var(--muted);overflow-wrap:anywhere}
h1{margin:0 0 8px;font-size:1.5rem;line-height:1.3;font-weight:650;text-align:center;overflow-wrap:anywhere}
.lede{margin:0 0 24px;color:var(--muted);text-align:center;overflow-wrap:anywhere}
.message{margin:0;color:var(--muted);text-align:center;overflow-wrap:anywhere}
.notice{margin:0 0 20px;padding:12px 14px;border:1px solid;border-radius:8px;font-size:.9375rem;overflow-wrap:anywhere}
.notice-error{background:var(--error-bg);border-color:var(--error-border);color:var(--error-text)}
.notice-info{background:var(--info-bg);border-color:var(--info-border);color:var(--info-text)}
.notice p{margin:0}
form{margin:0}
.field{margin:0 0 16px}
.field label{display:block;margin:0 0 6px;font-size:.9375rem;font-weight:600}
.hint{margin:6px 0 0;font-size:.875rem;color:var(--muted)}
.input{display:block;width:100%;min-height:44px;margin:0;padding:10px 12px;font:inherit;color:var(--text);background:var(--surface);border:1px solid var(--border);border-radius:8px;appearance:none}
.input:focus{border-color:var(--focus);outline:3px solid var(--focus);outline-offset:0}
.code{letter-spacing:.25em;font-variant-numeric:tabular-nums}
.button{display:block;width:100%;min-height:44px;margin:8px 0 0;padding:10px 16px;font:inherit;font-weight:600;line-height:1.5;text-align:center;color:var(--on-primary);background:var(--primary);border:1px solid var(--primary);border-radius:8px;cursor:pointer}
.button:hover{background:var(--primary-hover);border-color:var(--primary-hover)}
.button:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.button-secondary{color:var(--link);background:var(--surface);border-color:var(--border)}
.button-secondary:hover{background:#f9fafb;border-color:var(--text)}
.inline-link{margin:-4px 0 16px;text-align:right;font-size:.9375rem}
.steps{margin:0 0 20px;padding:0 0 0 1.25rem}
.steps li{margin:0 0 12px;padding-left:4px}
.steps li::marker{font-weight:600}
.steps p{margin:0 0 8px}
.steps .hint{margin:0}
.qr{display:block;width:192px;height:192px;max-width:100%;margin:4px auto 8px;background:#ffffff;image-rendering:pixelated}
.secret{display:block;padding:10px 12px;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:1rem;letter-spacing:.04em;text-align:center;color:var(--text);background:#f9fafb;border:1px solid var(--divider);border-radius:8px;overflow-wrap:anywhere;user-select:all}
.secondary{margin:24px 0 0;padding:20px 0 0;border-top:1px solid var(--divider)}
.secondary-title{margin:0 0 4px;text-align:center;font-size:.9375rem;color:var(--muted)}
.links{margin:24px 0 0;padding:20px 0 0;border-top:1px solid var(--divider);text-align:center;font-size:.9375rem;color:var(--muted)}
.links p{margin:0}
.links p+p{margin-top:8px}
a{color:var(--link);text-decoration:underline;text-underline-offset:2px}
a:hover{text-decoration-thickness:2px}
a:focus-visible{outline:3px solid var(--focus);outline-offset:2px;border-radius:2px}
@media (max-width:480px){.page{padding:16px 12px}.card{padding:28px 20px 24px;border-radius:10px}h1{font-size:1.375rem}}
@media (forced-colors:active){.button{border:2px solid ButtonText}.input:focus,.button:focus-visible,a:focus-visible{outline-color:Highlight}}`;
}
