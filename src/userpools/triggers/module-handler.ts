import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { functionFailed, invocationFailed } from './errors.ts';

/** The subset of Lambda's Node.js context object a trigger handler may use. */
export interface LambdaContext {
  functionName: string;
  functionVersion: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
  /** Legacy completion calls, still used by older handlers (and AWS's own examples). */
  done(error?: unknown, result?: unknown): void;
  succeed(result?: unknown): void;
  fail(error?: unknown): void;
}

type Handler = (event: unknown, context: LambdaContext, callback: (error?: unknown, result?: unknown) => void) => unknown;

/** Thrown inside this module when the handler itself failed, to keep it apart from our own faults. */
class HandlerFailure {
  constructor(readonly error: unknown) {}
}

/** Lambda's errorMessage for what a handler threw or called back with. */
export function errorMessageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

export interface ModuleInvocation {
  trigger: string;
  path: string;
  exportName: string;
  requestId: string;
  deadline: number;
}

/**
 * Loads the module (reloaded when the file changes, kept loaded otherwise: a warm Lambda container)
 * and calls its handler the way Lambda's Node.js runtime does: an async handler's promise, a
 * callback `(event, context, callback)`, `context.succeed/fail/done`, or a plain return value.
 * A handler returning undefined without a promise waits for one of the completion calls.
 */
export async function invokeModule(target: ModuleInvocation, event: unknown): Promise<unknown> {
  const handler = await loadHandler(target);
  const name = basename(target.path, extname(target.path));
  try {
    return await callHandler(handler, event, {
      functionName: name,
      functionVersion: '$LATEST',
      memoryLimitInMB: '128',
      awsRequestId: target.requestId,
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: `tessera/${target.requestId}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, target.deadline - Date.now()),
      done: () => undefined,
      succeed: () => undefined,
      fail: () => undefined,
    });
  } catch (e) {
    if (e instanceof HandlerFailure) throw functionFailed(target.trigger, errorMessageOf(e.error), e.error);
    throw e;
  }
}

async function loadHandler(target: ModuleInvocation): Promise<Handler> {
  let mtime: number;
  try {
    const info = await stat(target.path);
    if (!info.isFile()) throw new Error(`${target.path} is not a file`);
    mtime = info.mtimeMs;
  } catch (e) {
    // Lambda's answer when the function does not exist.
    throw invocationFailed(target.trigger, 'ResourceNotFoundException', e);
  }
  let mod: Record<string, unknown>;
  try {
    const url = pathToFileURL(target.path);
    url.searchParams.set('mtime', String(Math.trunc(mtime)));
    mod = (await import(url.href)) as Record<string, unknown>;
  } catch (e) {
    // A module that fails to load is the function's own error (Lambda's Runtime.ImportModuleError).
    throw functionFailed(target.trigger, errorMessageOf(e), e);
  }
  const fallback = mod.default as Record<string, unknown> | ((...args: unknown[]) => unknown) | undefined;
  const candidate =
    mod[target.exportName] ?? (typeof fallback === 'object' && fallback !== null ? fallback[target.exportName] : undefined) ?? (target.exportName === 'handler' && typeof fallback === 'function' ? fallback : undefined);
  if (typeof candidate !== 'function') {
    throw functionFailed(target.trigger, `${basename(target.path, extname(target.path))}.${target.exportName} is undefined or not exported`);
  }
  return candidate as Handler;
}

function callHandler(handler: Handler, event: unknown, context: LambdaContext): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: unknown, result: unknown): void => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) reject(new HandlerFailure(error));
      else resolve(result);
    };
    context.done = (error, result) => finish(error, result);
    context.succeed = (result) => finish(undefined, result);
    context.fail = (error) => finish(error ?? 'handler failed', undefined);
    let returned: unknown;
    try {
      returned = handler(event, context, (error, result) => finish(error, result));
    } catch (e) {
      finish(e ?? 'handler threw', undefined);
      return;
    }
    if (isThenable(returned)) {
      returned.then(
        (result) => finish(undefined, result),
        (e: unknown) => finish(e ?? 'handler rejected', undefined),
      );
    } else if (returned !== undefined) {
      finish(undefined, returned);
    }
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
