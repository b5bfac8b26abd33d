import { Permit, PermitApiError } from 'permitio';
import { expect } from 'vitest';

/** Permit's error body (`PermitApiError.message` is its `message`). */
export interface PermitErrorBody {
  error_code?: string;
  title?: string;
  message?: string;
  [field: string]: unknown;
}

/** A real `permitio` client with the PDP and the API both at `url`; its own logging is silenced. */
export function permitClient(url: string, token: string): Permit {
  return new Permit({ token, pdp: url, apiUrl: url, log: { level: 'silent' } });
}

/** Awaits a management call that must fail and returns the `PermitApiError` the SDK threw, with its status and body. */
export async function expectPermitApiError(call: Promise<unknown>, status: number): Promise<{ error: PermitApiError<PermitErrorBody>; body: PermitErrorBody }> {
  const error = await call.then(
    (value) => {
      throw new Error(`expected a PermitApiError with status ${status}, but the call succeeded with ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
  expect(error, `expected a PermitApiError, got ${String(error)}`).toBeInstanceOf(PermitApiError);
  const apiError = error as PermitApiError<PermitErrorBody>;
  const body = apiError.response?.data as PermitErrorBody;
  expect(apiError.response?.status, `status ${apiError.response?.status}, body ${JSON.stringify(body)}`).toBe(status);
  return { error: apiError, body };
}

/** Awaits a call that must fail and returns what it threw. */
export async function thrownBy(call: Promise<unknown>): Promise<Error> {
  const error = await call.then(
    (value) => {
      throw new Error(`expected the call to fail, but it succeeded with ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

/** A request straight to Tessera's Permit routes, for what the SDK does not show (status codes, the scope). */
export async function permitRaw(url: string, method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url + path, {
    method,
    headers: { ...(opts.token !== undefined && { authorization: `Bearer ${opts.token}` }), ...(opts.body !== undefined && { 'content-type': 'application/json' }) },
    ...(opts.body !== undefined && { body: JSON.stringify(opts.body) }),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: kept as text */
  }
  return { status: res.status, body };
}
