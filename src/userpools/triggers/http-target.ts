import { errorMessageOf } from './module-handler.ts';
import { functionFailed, invalidJsonOutput, invocationFailed } from './errors.ts';

/** Lambda's limit on a synchronous invocation's response. */
const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;
/** How much of a plain-text error body becomes the error message. */
const MAX_MESSAGE_CHARS = 1000;

/**
 * POSTs the event as JSON and reads the returned event, Lambda-style. A 4xx/5xx answer carrying a
 * message (Lambda's `{"errorMessage": …}`, `{"message": …}`, `{"error": "…"}` or plain text) is the
 * function's error; so is a 2xx answer flagged `X-Amz-Function-Error` or shaped like Lambda's error
 * object (what the Lambda runtime interface emulator returns), so a function running in a local
 * Lambda container can be the target.
 */
export async function invokeHttp(trigger: string, url: string, event: unknown, signal: AbortSignal): Promise<unknown> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(event), signal });
    text = await readCapped(res);
  } catch (e) {
    if (e instanceof TooLarge) throw invocationFailed(trigger, 'RequestTooLargeException', e);
    // The runner reports a timeout itself; this is every other failure to reach the endpoint.
    throw invocationFailed(trigger, connectionErrorOf(e), e);
  }
  if (!res.ok) {
    const message = errorMessageIn(text);
    if (message !== undefined) throw functionFailed(trigger, message);
    throw invocationFailed(trigger, `HTTP ${res.status}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw invalidJsonOutput(e);
  }
  if (res.headers.has('x-amz-function-error') || isLambdaError(parsed)) {
    throw functionFailed(trigger, errorMessageIn(text) ?? res.headers.get('x-amz-function-error') ?? 'Unhandled');
  }
  return parsed;
}

class TooLarge extends Error {}

async function readCapped(res: Response): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_RESPONSE_BYTES) {
    await res.body?.cancel();
    throw new TooLarge(`response of ${declared} bytes`);
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_RESPONSE_BYTES) throw new TooLarge(`response over ${MAX_RESPONSE_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function isLambdaError(value: unknown): value is { errorMessage: unknown } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.includes('errorMessage') && keys.every((k) => ['errorMessage', 'errorType', 'stackTrace', 'trace', 'requestId', 'cause'].includes(k));
}

/** The error message an error body carries, if any. */
function errorMessageIn(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  try {
    const body = JSON.parse(trimmed) as unknown;
    if (typeof body === 'string') return body === '' ? undefined : body.slice(0, MAX_MESSAGE_CHARS);
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      const b = body as Record<string, unknown>;
      for (const key of ['errorMessage', 'message', 'error']) {
        const value = b[key];
        if (typeof value === 'string' && value !== '') return value.slice(0, MAX_MESSAGE_CHARS);
        if (value !== undefined && value !== null && typeof value !== 'object') return errorMessageOf(value);
      }
      return undefined;
    }
  } catch {
    // Not JSON: the text is the message.
  }
  return trimmed.slice(0, MAX_MESSAGE_CHARS);
}

/** A short reason for a failed connection, without the endpoint's address (end users see it). */
function connectionErrorOf(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'the endpoint could not be reached';
}
