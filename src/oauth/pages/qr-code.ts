import { toString as qrSvg } from 'qrcode';

/**
 * The Key URI authenticator apps read (`otpauth://totp/Issuer:account?secret=…&issuer=Issuer`): issuer and account
 * are percent-encoded (a space as `%20`, a colon in either as `%3A`, so the label splits at the one real colon).
 * SHA-1, 6 digits and 30 seconds are the defaults the URI leaves out, and what the server checks.
 */
export function otpauthUri(opts: { issuer: string; accountName: string; secret: string }): string {
  const issuer = encodeURIComponent(opts.issuer);
  return `otpauth://totp/${issuer}:${encodeURIComponent(opts.accountName)}?secret=${encodeURIComponent(opts.secret)}&issuer=${issuer}`;
}

/**
 * A QR code of `text` as a base64 `data:image/svg+xml` URL for an `<img>`: the page's CSP already allows `data:`
 * images, so nothing else is loosened, and no generated markup is pasted into the page.
 */
export async function qrCodeDataUrl(text: string): Promise<string> {
  const svg = await qrSvg(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 4, color: { dark: '#000000', light: '#ffffff' } });
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}
