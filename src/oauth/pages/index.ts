/**
 * The hosted UI pages: pure functions from page state to a complete HTML document. No client-side script; one
 * `<style nonce>` element; every form POSTs to a relative URL that keeps the carried query, with a `_csrf` field.
 */
export type { Branding, PageContext } from './types.ts';
export { renderLogin } from './login.ts';
export { renderSignup } from './signup.ts';
export { renderConfirm } from './confirm.ts';
export { renderForgotPassword, renderConfirmForgotPassword } from './forgot-password.ts';
export { renderNewPassword } from './new-password.ts';
export { renderMfaCode, renderMfaSetup } from './mfa.ts';
export { otpauthUri, qrCodeDataUrl } from './qr-code.ts';
export { renderError, renderSignedOut } from './messages.ts';
