import { describe, expect, it } from 'vitest';
import { contrast, parseColour, toHex } from '../../../src/oauth/pages/colour.ts';
import { CSS_COLOUR_NAMES } from '../../../src/oauth/pages/colour-names.ts';
import { AA_NON_TEXT, AA_TEXT, resolveTheme } from '../../../src/oauth/pages/theme.ts';
import { stylesheet } from '../../../src/oauth/pages/stylesheet.ts';

const rgb = (hex: string) => parseColour(hex)!;
const ratio = (a: string, b: string) => contrast(rgb(a), rgb(b));

describe('colour parsing', () => {
  it.each([
    ['#abc', '#aabbcc'],
    ['#1A2b3C', '#1a2b3c'],
    ['rgb(10, 20, 30)', '#0a141e'],
    ['rgb(255 0 128)', '#ff0080'],
    ['  teal ', '#008080'],
    ['RebeccaPurple', '#663399'],
  ])('reads %j as %s', (input, hex) => {
    expect(toHex(parseColour(input)!)).toBe(hex);
  });

  it.each([
    'red;} body{background:url(//evil)}', 'red;', 'url(javascript:alert(1))', 'expression(alert(1))', 'var(--x)', 'rgb(300, 0, 0)',
    'rgba(0,0,0,0)', 'hsl(0 100% 50%)', '#abcd', '#12345g', 'transparent', 'currentColor', 'inherit', 'notacolour', 'red blue',
    '</style><script>', '', 'constructor', 'toString', '__proto__',
  ])('refuses %j', (input) => {
    expect(parseColour(input)).toBeUndefined();
  });
});

describe('theme', () => {
  it('meets WCAG AA by default', () => {
    const t = resolveTheme(undefined);
    expect(ratio(t.text, t.surface)).toBeGreaterThanOrEqual(AA_TEXT);
    expect(ratio(t.muted, t.surface)).toBeGreaterThanOrEqual(AA_TEXT);
    expect(ratio(t.onPrimary, t.primary)).toBeGreaterThanOrEqual(AA_TEXT);
    expect(ratio(t.onPrimary, t.primaryHover)).toBeGreaterThanOrEqual(AA_TEXT);
    expect(ratio(t.link, t.surface)).toBeGreaterThanOrEqual(AA_TEXT);
    expect(ratio(t.link, '#f9fafb')).toBeGreaterThanOrEqual(AA_TEXT); // secondary button on hover
    expect(ratio(t.border, t.surface)).toBeGreaterThanOrEqual(AA_NON_TEXT);
    expect(ratio(t.focus, t.surface)).toBeGreaterThanOrEqual(AA_NON_TEXT);
  });

  it('meets WCAG AA in the error and status regions', () => {
    const sheet = stylesheet(resolveTheme(undefined));
    const v = (name: string) => new RegExp(`--${name}:(#[0-9a-f]{6})`).exec(sheet)![1]!;
    expect(ratio(v('error-text'), v('error-bg'))).toBeGreaterThanOrEqual(AA_TEXT);
    expect(ratio(v('info-text'), v('info-bg'))).toBeGreaterThanOrEqual(AA_TEXT);
  });

  it('uses the configured colours, normalised', () => {
    const t = resolveTheme({ poolName: 'P', primaryColor: 'rgb(0, 100, 0)', backgroundColor: '#000', textColor: 'navy' });
    expect(t).toMatchObject({ primary: '#006400', background: '#000000', text: '#000080', muted: '#000080', link: '#006400', focus: '#006400' });
  });

  it('gives every primary colour a button label that reaches AA', () => {
    const candidates = [...Object.values(CSS_COLOUR_NAMES)];
    for (let v = 0; v <= 255; v += 5) candidates.push(toHex({ r: v, g: v, b: v }), toHex({ r: v, g: 255 - v, b: 128 }));
    for (const primary of candidates) {
      const t = resolveTheme({ poolName: 'P', primaryColor: primary });
      expect(ratio(t.onPrimary, t.primary), primary).toBeGreaterThanOrEqual(AA_TEXT);
      expect(ratio(t.onPrimary, t.primaryHover), primary).toBeGreaterThanOrEqual(AA_TEXT);
      expect(ratio(t.link, t.surface), primary).toBeGreaterThanOrEqual(AA_TEXT);
      expect(ratio(t.focus, t.surface), primary).toBeGreaterThanOrEqual(AA_NON_TEXT);
    }
  });

  it('puts a dark label on a light primary colour and keeps links and focus legible', () => {
    const t = resolveTheme({ poolName: 'P', primaryColor: 'gold' });
    expect(t.onPrimary).toBe('#111827');
    expect(t.link).toBe(t.text);
    expect(t.focus).toBe(t.text);
  });

  it('ignores a text colour that would be hard to read on the card', () => {
    expect(resolveTheme({ poolName: 'P', textColor: '#cccccc' }).text).toBe('#111827');
    expect(resolveTheme({ poolName: 'P', textColor: 'yellow' }).text).toBe('#111827');
  });

  it('writes only #rrggbb values into the stylesheet and refuses anything else', () => {
    const sheet = stylesheet(resolveTheme({ poolName: 'P', primaryColor: 'red;}', backgroundColor: 'tomato' }));
    expect(sheet).toContain('--bg:#ff6347;');
    expect(sheet).not.toContain('red;}');
    expect(() => stylesheet({ ...resolveTheme(undefined), primary: 'red;}' })).toThrow(TypeError);
  });
});
