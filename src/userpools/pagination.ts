import { InvalidParameterException } from '../errors.ts';

/** Opaque page tokens: the last key of the previous page, so pages stay stable under inserts. */
export function encodePageToken(lastKey: string): string {
  return Buffer.from(JSON.stringify({ k: lastKey })).toString('base64url');
}

export function decodePageToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { k?: unknown };
    // Keys we issue never hold U+0000, which PostgreSQL cannot even compare against.
    if (typeof parsed.k === 'string' && !parsed.k.includes('\0')) return parsed.k;
  } catch {
    // fall through to the refusal below
  }
  throw new InvalidParameterException('Invalid pagination token.');
}

/** Fetches one more row than asked, to know whether a next page exists without a count. */
export async function paginate<T>(limit: number, fetch: (n: number) => Promise<T[]>, keyOf: (item: T) => string): Promise<{ items: T[]; next?: string }> {
  const rows = await fetch(limit + 1);
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, next: encodePageToken(keyOf(items[items.length - 1]!)) };
}
