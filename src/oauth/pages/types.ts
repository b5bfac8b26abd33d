/** Cognito-style UI customization for a pool's hosted pages. Every field is untrusted configuration. */
export interface Branding {
  poolName: string;
  /** http(s) URL or a base64 `data:image/…` URL; anything else is dropped. */
  logoUrl?: string;
  /** Button and link colour: `#rgb`, `#rrggbb`, `rgb(r, g, b)` or a CSS colour name; anything else falls back to the default. */
  primaryColor?: string;
  /** Page background behind the card. Same syntax as `primaryColor`. */
  backgroundColor?: string;
  /** Text colour on the (white) card; ignored when it would not reach WCAG AA contrast (4.5:1) on white. */
  textColor?: string;
}

/** What every form page needs from the route. */
export interface PageContext {
  branding: Branding;
  /** CSP nonce for the one `<style>` element. */
  nonce: string;
  /** Goes into a hidden `_csrf` input in every form. */
  csrfToken: string;
  /** Already URL-encoded query string (no leading `?`) kept on every form action and link; may be empty. */
  carry: string;
  /** Shown in an alert region (`role="alert"`) that the form's inputs reference with `aria-describedby`. */
  error?: string;
  /** Shown in a status region (`role="status"`). */
  info?: string;
}
