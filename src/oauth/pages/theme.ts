import type { Branding } from './types.ts';
import { contrast, mix, parseColour, type Rgb, toHex } from './colour.ts';

/** The resolved colours of a page, every one a `#rrggbb` string built by `toHex`. */
export interface Theme {
  background: string;
  surface: string;
  text: string;
  muted: string;
  border: string;
  divider: string;
  primary: string;
  onPrimary: string;
  primaryHover: string;
  link: string;
  focus: string;
}

const WHITE: Rgb = { r: 255, g: 255, b: 255 };
const BLACK: Rgb = { r: 0, g: 0, b: 0 };
const SURFACE = WHITE;
const DARK_TEXT: Rgb = { r: 0x11, g: 0x18, b: 0x27 }; // #111827
const DEFAULT_MUTED: Rgb = { r: 0x4b, g: 0x55, b: 0x63 }; // #4b5563, 7.6:1 on white
const DEFAULT_PRIMARY: Rgb = { r: 0x25, g: 0x63, b: 0xeb }; // #2563eb, 5.2:1 with white
const DEFAULT_BACKGROUND: Rgb = { r: 0xf3, g: 0xf4, b: 0xf6 }; // #f3f4f6
const BORDER: Rgb = { r: 0x6b, g: 0x72, b: 0x80 }; // #6b7280, 4.8:1 on white (inputs need 3:1)
const DIVIDER: Rgb = { r: 0xe5, g: 0xe7, b: 0xeb }; // #e5e7eb, decorative only

/** WCAG AA for normal text. */
export const AA_TEXT = 4.5;
/** WCAG AA for user-interface components and focus indicators (1.4.11). */
export const AA_NON_TEXT = 3;

/**
 * Resolves branding into colours. Configured colours that do not parse fall back to the defaults; a text colour
 * that would not reach AA on the white card is ignored; the button label is white or near-black, whichever reaches
 * AA on the primary colour (black where neither does); links and the focus ring use the primary colour only where
 * it is legible on white. The page background carries no text, so any parsed colour is accepted for it.
 */
export function resolveTheme(branding: Branding | undefined): Theme {
  const primary = parseColour(branding?.primaryColor) ?? DEFAULT_PRIMARY;
  const background = parseColour(branding?.backgroundColor) ?? DEFAULT_BACKGROUND;
  const brandText = parseColour(branding?.textColor);
  const text = brandText !== undefined && contrast(brandText, SURFACE) >= AA_TEXT ? brandText : DARK_TEXT;
  const muted = text === DARK_TEXT ? DEFAULT_MUTED : text;
  const onPrimary = buttonLabel(primary);
  const primaryHover = mix(primary, onPrimary === WHITE ? BLACK : WHITE, 0.15);
  return {
    background: toHex(background),
    surface: toHex(SURFACE),
    text: toHex(text),
    muted: toHex(muted),
    border: toHex(BORDER),
    divider: toHex(DIVIDER),
    primary: toHex(primary),
    onPrimary: toHex(onPrimary),
    primaryHover: toHex(primaryHover),
    link: toHex(contrast(primary, SURFACE) >= AA_TEXT ? primary : text),
    focus: toHex(contrast(primary, SURFACE) >= AA_NON_TEXT ? primary : text),
  };
}

/** White when it reaches AA on `primary`, else the dark text colour, else black (some colour always reaches 4.58:1). */
function buttonLabel(primary: Rgb): Rgb {
  if (contrast(WHITE, primary) >= AA_TEXT) return WHITE;
  if (contrast(DARK_TEXT, primary) >= AA_TEXT) return DARK_TEXT;
  return contrast(WHITE, primary) >= contrast(BLACK, primary) ? WHITE : BLACK;
}
