import { expect } from 'vitest';

/** Awaits a call that must fail, and checks the error the SDK surfaces. */
export async function expectError(call: Promise<unknown>, name: string, message?: string | RegExp): Promise<Error> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error, `expected ${name}, but the call succeeded`).toBeInstanceOf(Error);
  expect(error!.name).toBe(name);
  if (typeof message === 'string') expect(error!.message).toBe(message);
  else if (message) expect(error!.message).toMatch(message);
  return error!;
}
