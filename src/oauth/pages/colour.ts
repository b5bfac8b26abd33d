import { CSS_COLOUR_NAMES } from './colour-names.ts';

/** An sRGB colour with 0–255 channels. */
export interface Rgb {
  readonly r: number;
  readonly g: number;
  readonly b: number;
}

const HEX = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;
const RGB = /^rgb\(\s*(\d{1,3})\s*(?:,\s*|\s+)(\d{1,3})\s*(?:,\s*|\s+)(\d{1,3})\s*\)$/i;

/**
 * Parses a configured colour: `#rgb`, `#rrggbb`, `rgb(r, g, b)` / `rgb(r g b)` with 0–255 integers, or a CSS colour
 * name. Anything else, including every other CSS syntax, gives `undefined`. The stylesheet only ever contains
 * colours re-formatted from the parsed channels (`toHex`), never the configured text itself.
 */
export function parseColour(value: string | undefined): Rgb | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  const hex = HEX.exec(text)?.[1];
  if (hex !== undefined) {
    const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
    return { r: parseInt(full.slice(0, 2), 16), g: parseInt(full.slice(2, 4), 16), b: parseInt(full.slice(4, 6), 16) };
  }
  const rgb = RGB.exec(text);
  if (rgb !== null) {
    const [r, g, b] = [rgb[1], rgb[2], rgb[3]].map(Number) as [number, number, number];
    return r <= 255 && g <= 255 && b <= 255 ? { r, g, b } : undefined;
  }
  const name = text.toLowerCase();
  const named = /^[a-z]{3,20}$/.test(name) && Object.hasOwn(CSS_COLOUR_NAMES, name) ? CSS_COLOUR_NAMES[name] : undefined;
  return named === undefined ? undefined : parseColour(named);
}

/** `#rrggbb`. */
export function toHex({ r, g, b }: Rgb): string {
  return `#${[r, g, b].map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

/** Mixes `amount` (0–1) of `other` into `base`. */
export function mix(base: Rgb, other: Rgb, amount: number): Rgb {
  const m = (a: number, b: number): number => Math.round(a + (b - a) * amount);
  return { r: m(base.r, other.r), g: m(base.g, other.g), b: m(base.b, other.b) };
}

function channel(c: number): number {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

/** WCAG 2 relative luminance. */
export function luminance({ r, g, b }: Rgb): number {
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** WCAG 2 contrast ratio, 1–21. */
export function contrast(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}
