import { describe, expect, it } from 'vitest';
import { escapeHtml, html, safeImageUrl, trusted, withCarry } from '../../../src/oauth/pages/escape.ts';

describe('escapeHtml', () => {
  it('escapes the five characters that matter in text and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
  });
});

describe('html template tag', () => {
  it('escapes interpolated strings and keeps the literal markup', () => {
    expect(html`<p title="${'"x"'}">${'<b>'}</p>`.toString()).toBe('<p title="&quot;x&quot;">&lt;b&gt;</p>');
  });

  it('passes nested templates through, joins arrays and renders nothing for false, null and undefined', () => {
    const items = ['<1>', html`<i>2</i>`];
    expect(html`${items}|${false}|${null}|${undefined}|${0}|${html`<br>`}`.toString()).toBe('&lt;1&gt;<i>2</i>||||0|<br>');
  });

  it('trusts only what is explicitly marked trusted', () => {
    expect(html`${trusted('<hr>')}${'<hr>'}`.toString()).toBe('<hr>&lt;hr&gt;');
  });
});

describe('withCarry', () => {
  it('appends an encoded query unchanged', () => {
    expect(withCarry('login', 'client_id=a&redirect_uri=https%3A%2F%2Fx%2Fcb&scope=openid+email')).toBe('login?client_id=a&redirect_uri=https%3A%2F%2Fx%2Fcb&scope=openid+email');
  });

  it('adds no question mark for an empty query', () => {
    expect(withCarry('login', '')).toBe('login');
    expect(withCarry('login', '?')).toBe('login');
  });

  it('percent-encodes characters that cannot stand in a query', () => {
    expect(withCarry('login', 'a="<>` \\^{}|#b')).toBe('login?a=%22%3C%3E%60%20%5C%5E%7B%7D%7C%23b');
    expect(withCarry('login', 'a=é&b=%zz&c=%')).toBe('login?a=%C3%A9&b=%25zz&c=%25');
    expect(withCarry('login', 'a=\uD800')).toBe('login?a=%EF%BF%BD');
    expect(withCarry('login', 'a=1\r\n<script>')).toBe('login?a=1%0D%0A%3Cscript%3E');
  });
});

describe('safeImageUrl', () => {
  it('accepts http(s) URLs, normalised', () => {
    expect(safeImageUrl('https://cdn.example.com/a b.png')).toBe('https://cdn.example.com/a%20b.png');
    expect(safeImageUrl('  HTTPS://CDN.example.com/x.svg ')).toBe('https://cdn.example.com/x.svg');
    expect(safeImageUrl('http://cdn.example.com/x.png')).toBe('http://cdn.example.com/x.png');
  });

  it('accepts base64 image data URLs only', () => {
    expect(safeImageUrl('data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=')).toBe('data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=');
    expect(safeImageUrl('data:image/png;base64,AAA" onerror="x')).toBeUndefined();
    expect(safeImageUrl('data:text/html;base64,PHNjcmlwdD4=')).toBeUndefined();
  });

  it.each(['javascript:alert(1)', 'jav&#x09;ascript:alert(1)', '\u0000javascript:alert(1)', 'file:///etc/passwd', 'blob:https://x/y', 'https://a:b@x/y', '//x/y', undefined])(
    'refuses %j',
    (url) => {
      expect(safeImageUrl(url)).toBeUndefined();
    },
  );
});
