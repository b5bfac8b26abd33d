import { randomUUID } from 'node:crypto';
import { resolve, sep } from 'node:path';
import { TesseraError } from '../../errors.ts';
import { invalidJsonOutput, invocationFailed, TIMEOUT_REASON, unrecognizableOutput, UnexpectedLambdaException } from './errors.ts';
import { invokeHttp } from './http-target.ts';
import { parseTarget, type TriggerName } from './lambda-config.ts';
import { invokeModule } from './module-handler.ts';

/** Cognito gives a trigger 5 seconds. */
export const DEFAULT_TRIGGER_TIMEOUT_MS = 5000;

export interface TriggerRunnerOptions {
  /** Directory that relative module paths in LambdaConfig are resolved against (default: the working directory). */
  baseDir?: string;
  /** Default 5000, as in Cognito (which does not let it change); tests shorten it. */
  timeoutMs?: number;
  /** Request ids for the Lambda context (default: random UUIDs). */
  requestId?: () => string;
  /**
   * Directories local module triggers may live in; a module elsewhere is refused. LambdaConfig is
   * writable through the admin API, and running any module on the disk would hand an API caller
   * the server: only the operator names where trigger code comes from. None by default.
   */
  moduleDirs?: string[];
}

/**
 * Runs one trigger target with one event and returns the `response` object of the event it gets
 * back. Failures come out as Cognito words them:
 * - the function threw / called back with an error / answered 4xx-5xx with a message:
 *   UserLambdaValidationException `PreSignUp failed with error <message>.`
 * - no answer in time, endpoint unreachable, module missing, Lambda ARN:
 *   UnexpectedLambdaException `PreSignUp invocation failed due to error <reason>.`
 * - an answer that is not JSON / not an event with a `response` object:
 *   InvalidLambdaResponseException `Invalid lambda function output : Invalid JSON` /
 *   `Unrecognizable lambda output`.
 * Tessera does not retry (Cognito retries some failures; a retried trigger may repeat side effects).
 */
export class TriggerRunner {
  private readonly baseDir: string;
  private readonly timeoutMs: number;
  private readonly requestId: () => string;
  private readonly moduleDirs: string[];

  constructor(options: TriggerRunnerOptions = {}) {
    this.baseDir = options.baseDir ?? process.cwd();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TRIGGER_TIMEOUT_MS;
    this.requestId = options.requestId ?? randomUUID;
    this.moduleDirs = (options.moduleDirs ?? []).map((d) => resolve(d));
  }

  async run(trigger: TriggerName, targetValue: string, event: object): Promise<Record<string, unknown>> {
    const target = parseTarget(targetValue, this.baseDir);
    if (target.kind === 'lambda-arn') {
      throw new UnexpectedLambdaException(
        `${trigger} invocation failed due to error ${target.arn} is an AWS Lambda function, which Tessera cannot invoke: set LambdaConfig.${trigger === 'PreTokenGeneration' ? 'PreTokenGenerationConfig.LambdaArn' : trigger} to an http(s):// URL or a JavaScript/TypeScript module path.`,
      );
    }
    if (target.kind === 'unsupported') {
      throw new UnexpectedLambdaException(`${trigger} invocation failed due to error unsupported trigger target ${target.value}: use an http(s):// URL or a module path.`);
    }
    if (target.kind === 'module' && !this.moduleDirs.some((dir) => target.path.startsWith(dir + sep))) {
      throw new UnexpectedLambdaException(`${trigger} invocation failed due to error local module triggers must live in a directory named by --trigger-modules.`);
    }
    // The function gets its own copy, as serialized JSON, and cannot reach into Tessera's objects.
    const payload = JSON.parse(JSON.stringify(event)) as unknown;
    const controller = new AbortController();
    const deadline = Date.now() + this.timeoutMs;
    const invocation =
      target.kind === 'http'
        ? invokeHttp(trigger, target.url, payload, controller.signal)
        : invokeModule({ trigger, path: target.path, exportName: target.exportName, requestId: this.requestId(), deadline }, payload);
    const output = await withTimeout(invocation, this.timeoutMs, () => {
      controller.abort();
      return invocationFailed(trigger, TIMEOUT_REASON);
    });
    return responseOf(output);
  }
}

/**
 * Races the invocation against the clock. An HTTP request is aborted; a local handler cannot be
 * stopped: its late result is ignored, and a synchronous infinite loop in it blocks the whole
 * process (no timer can fire), which only running it out of process would prevent.
 */
function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => TesseraError): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  // A late failure of abandoned work must not surface as an unhandled rejection.
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The returned event must be JSON whose `response` is an object. */
function responseOf(output: unknown): Record<string, unknown> {
  let json: string | undefined;
  try {
    json = JSON.stringify(output);
  } catch (e) {
    throw invalidJsonOutput(e);
  }
  // What Lambda serializes `undefined` (a handler that returned nothing) as: null.
  if (json === undefined || json === 'null') throw invalidJsonOutput();
  const value = JSON.parse(json) as unknown;
  if (!isPlainObject(value)) throw unrecognizableOutput(new Error('the function did not return an event object'));
  const response = value.response;
  if (!isPlainObject(response)) throw unrecognizableOutput(new Error('the returned event has no response object'));
  return response;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
