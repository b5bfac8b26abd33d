import { readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TesseraError } from '../../../src/errors.ts';
import { preSignUpEvent, type PreSignUpEvent } from '../../../src/userpools/triggers/sign-up.ts';
import { TriggerRunner } from '../../../src/userpools/triggers/trigger-runner.ts';
import { expectError } from '../../support/expect-error.ts';
import { recordedCalls, resetRecordedCalls } from './recorded-calls.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const caller = { region: 'us-east-1', userPoolId: 'us-east-1_Runner1', userName: 'alice', clientId: 'client123' };

function signUpEvent(): PreSignUpEvent {
  return preSignUpEvent(caller, { source: 'PreSignUp_SignUp', userAttributes: { email: 'alice@example.com' } });
}

const runner = new TriggerRunner({ baseDir: FIXTURES, moduleDirs: [FIXTURES], timeoutMs: 300 });


describe('running a local module handler', () => {
  beforeEach(() => {
    resetRecordedCalls();
  });

  it('calls an async handler with the event and returns the response it filled in', async () => {
    const event = signUpEvent();
    const response = await runner.run('PreSignUp', './handlers.mjs', event);
    expect(response).toEqual({ autoConfirmUser: true, autoVerifyEmail: false, autoVerifyPhone: false });
    expect(recordedCalls()).toHaveLength(1);
    expect(recordedCalls()[0]!.event).toEqual(signUpEvent());
  });

  it('gives the handler a copy, so its changes to the request do not reach the caller', async () => {
    const event = signUpEvent();
    await runner.run('PreSignUp', './handlers.mjs', event);
    expect(event.request.userAttributes.email).toBe('alice@example.com');
  });

  it('gives the handler a Lambda context with the module name and the time left', async () => {
    await runner.run('PreSignUp', './handlers.mjs', signUpEvent());
    const call = recordedCalls()[0]!;
    expect(call.functionName).toBe('handlers');
    expect(call.remainingMs).toBeGreaterThan(0);
    expect(call.remainingMs).toBeLessThanOrEqual(300);
  });

  it('resolves an absolute module path as well as a relative one', async () => {
    const response = await runner.run('PreSignUp', `${FIXTURES}handlers.mjs#preSignUp`, signUpEvent());
    expect(response.autoVerifyEmail).toBe(true);
  });

  it('accepts a file URL as the module path', async () => {
    const response = await runner.run('PreSignUp', new URL('./fixtures/handlers.mjs#preSignUp', import.meta.url).href, signUpEvent());
    expect(response.autoVerifyEmail).toBe(true);
  });

  it('calls the export named after # instead of handler', async () => {
    const response = await runner.run('PreSignUp', './handlers.mjs#preSignUp', signUpEvent());
    expect(response).toEqual({ autoConfirmUser: false, autoVerifyEmail: true, autoVerifyPhone: false });
  });

  it('waits for a CommonJS callback-style handler to call back', async () => {
    const response = await runner.run('PreSignUp', './callback-handler.cjs', signUpEvent());
    expect(response).toEqual({ autoConfirmUser: true, autoVerifyEmail: true, autoVerifyPhone: false });
  });

  it('waits for a handler that completes with context.succeed', async () => {
    const response = await runner.run('PreSignUp', './handlers.mjs#contextSucceed', signUpEvent());
    expect(response.autoConfirmUser).toBe(true);
  });

  it('takes the value a synchronous handler returns', async () => {
    const response = await runner.run('PreSignUp', './handlers.mjs#syncReturn', signUpEvent());
    expect(response.autoVerifyPhone).toBe(true);
  });

  it('loads a TypeScript module', async () => {
    const event = { ...signUpEvent(), request: { userAttributes: { 'custom:tenant': 'acme' } } };
    const response = await runner.run('PreTokenGeneration', './typed-handler.ts', event);
    expect(response).toEqual({ claimsOverrideDetails: { claimsToAddOrOverride: { tenant: 'acme' }, claimsToSuppress: ['email'] } });
  });
});

describe('a handler that fails', () => {
  it('is a UserLambdaValidationException in Cognito words when it throws', async () => {
    const error = await expectError(
      runner.run('PreSignUp', './handlers.mjs#thrower', signUpEvent()),
      'UserLambdaValidationException',
      'PreSignUp failed with error Registration from this domain is not allowed..',
    );
    expect(error).toBeInstanceOf(TesseraError);
    expect((error as TesseraError).status).toBe(400);
  });

  it('is a UserLambdaValidationException when it throws synchronously', async () => {
    await expectError(runner.run('PreAuthentication', './handlers.mjs#syncThrower', signUpEvent()), 'UserLambdaValidationException', 'PreAuthentication failed with error thrown synchronously.');
  });

  it('is a UserLambdaValidationException carrying the string a handler rejected with', async () => {
    await expectError(runner.run('UserMigration', './handlers.mjs#stringRejection', signUpEvent()), 'UserLambdaValidationException', 'UserMigration failed with error Bad password.');
  });

  it('is a UserLambdaValidationException carrying the error a handler called back with', async () => {
    await expectError(runner.run('UserMigration', './handlers.mjs#callbackError', signUpEvent()), 'UserLambdaValidationException', 'UserMigration failed with error Bad password.');
  });

  it('is a UserLambdaValidationException when it completes with context.done and an error', async () => {
    await expectError(runner.run('PreSignUp', './handlers.mjs#contextDoneWithError', signUpEvent()), 'UserLambdaValidationException', 'PreSignUp failed with error done with an error.');
  });

  it('is a UserLambdaValidationException when its module throws while loading', async () => {
    await expectError(runner.run('PreSignUp', './init-failure.mjs', signUpEvent()), 'UserLambdaValidationException', 'PreSignUp failed with error cannot connect to the legacy directory.');
  });

  it('is a UserLambdaValidationException naming the missing export, as Lambda does', async () => {
    await expectError(runner.run('PreSignUp', './no-handler.mjs', signUpEvent()), 'UserLambdaValidationException', 'PreSignUp failed with error no-handler.handler is undefined or not exported.');
  });

  it('is an UnexpectedLambdaException when the module does not exist', async () => {
    await expectError(runner.run('PreSignUp', './missing.mjs', signUpEvent()), 'UnexpectedLambdaException', 'PreSignUp invocation failed due to error ResourceNotFoundException.');
  });

  it('times out as an UnexpectedLambdaException, without waiting for the handler', async () => {
    const started = Date.now();
    await expectError(
      runner.run('PostAuthentication', './handlers.mjs#slow', signUpEvent()),
      'UnexpectedLambdaException',
      'PostAuthentication invocation failed due to error Socket timeout while invoking Lambda function.',
    );
    expect(Date.now() - started).toBeLessThan(1200);
  });
});

describe('a handler that answers something other than the event', () => {
  it('is refused as invalid JSON when an async handler returns nothing', async () => {
    await expectError(runner.run('PostConfirmation', './handlers.mjs#returnsNothing', signUpEvent()), 'InvalidLambdaResponseException', 'Invalid lambda function output : Invalid JSON');
  });

  it('is refused as unrecognizable when it returns a number', async () => {
    await expectError(runner.run('PreSignUp', './handlers.mjs#returnsNumber', signUpEvent()), 'InvalidLambdaResponseException', 'Unrecognizable lambda output');
  });

  it('is refused as unrecognizable when the event it returns has no response', async () => {
    await expectError(runner.run('PreSignUp', './handlers.mjs#noResponse', signUpEvent()), 'InvalidLambdaResponseException', 'Unrecognizable lambda output');
  });

  it('is refused as unrecognizable when its response is not an object', async () => {
    await expectError(runner.run('PreSignUp', './handlers.mjs#responseString', signUpEvent()), 'InvalidLambdaResponseException', 'Unrecognizable lambda output');
  });
});

describe('targets that cannot run here', () => {
  it('refuses a Lambda ARN with a message saying what to configure instead', async () => {
    const error = await expectError(
      runner.run('PreSignUp', 'arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up', signUpEvent()),
      'UnexpectedLambdaException',
      /^PreSignUp invocation failed due to error arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up is an AWS Lambda function, which Tessera cannot invoke: set LambdaConfig\.PreSignUp to an http\(s\):\/\/ URL or a JavaScript\/TypeScript module path\.$/,
    );
    expect((error as TesseraError).status).toBe(400);
  });

  it('names PreTokenGenerationConfig.LambdaArn when the pre token generation target is an ARN', async () => {
    await expectError(runner.run('PreTokenGeneration', 'arn:aws:lambda:us-east-1:123456789012:function:claims', signUpEvent()), 'UnexpectedLambdaException', /set LambdaConfig\.PreTokenGenerationConfig\.LambdaArn to/);
  });

  it('refuses a URL scheme other than http and https', async () => {
    await expectError(runner.run('PreSignUp', 'ftp://example.com/trigger', signUpEvent()), 'UnexpectedLambdaException', /unsupported trigger target ftp:\/\/example\.com\/trigger/);
  });
});

describe('running an HTTP endpoint', () => {
  let server: Server;
  let base: string;
  const received: Array<{ path: string; contentType: string | undefined; body: unknown }> = [];

  function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const event = JSON.parse(text) as PreSignUpEvent;
    received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(text) as unknown });
    switch (req.url) {
      case '/confirm':
        event.response.autoConfirmUser = true;
        return reply(res, 200, JSON.stringify(event));
      case '/lambda-error-400':
        return reply(res, 400, JSON.stringify({ errorType: 'Error', errorMessage: 'Email domain not allowed' }));
      case '/message-500':
        return reply(res, 500, JSON.stringify({ message: 'database unavailable' }));
      case '/text-403':
        return reply(res, 403, 'Forbidden by policy', { 'content-type': 'text/plain' });
      case '/empty-502':
        return reply(res, 502, '');
      case '/rie-error':
        // What the Lambda runtime interface emulator answers for a handler that threw.
        return reply(res, 200, JSON.stringify({ errorType: 'Error', errorMessage: 'thrown in the container', trace: ['Error: thrown in the container'] }));
      case '/function-error-header':
        return reply(res, 200, JSON.stringify({ errorMessage: 'flagged', errorType: 'Error' }), { 'x-amz-function-error': 'Unhandled' });
      case '/not-json':
        return reply(res, 200, '<html>oops</html>', { 'content-type': 'text/html' });
      case '/wrong-shape':
        return reply(res, 200, JSON.stringify({ ...event, response: ['autoConfirmUser'] }));
      case '/slow':
        setTimeout(() => reply(res, 200, JSON.stringify(event)), 1500);
        return;
      default:
        return reply(res, 404, '');
    }
  }

  beforeAll(async () => {
    server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('POSTs the event as JSON and reads the response of the event it gets back', async () => {
    const event = signUpEvent();
    const response = await runner.run('PreSignUp', `${base}/confirm`, event);
    expect(response).toEqual({ autoConfirmUser: true, autoVerifyEmail: false, autoVerifyPhone: false });
    const call = received.find((r) => r.path === '/confirm')!;
    expect(call.contentType).toBe('application/json');
    expect(call.body).toEqual(event);
  });

  it('turns a 4xx carrying a Lambda error message into a UserLambdaValidationException', async () => {
    await expectError(runner.run('PreSignUp', `${base}/lambda-error-400`, signUpEvent()), 'UserLambdaValidationException', 'PreSignUp failed with error Email domain not allowed.');
  });

  it('turns a 5xx carrying a message into a UserLambdaValidationException', async () => {
    await expectError(runner.run('PreSignUp', `${base}/message-500`, signUpEvent()), 'UserLambdaValidationException', 'PreSignUp failed with error database unavailable.');
  });

  it('takes a plain-text error body as the message', async () => {
    await expectError(runner.run('PreSignUp', `${base}/text-403`, signUpEvent()), 'UserLambdaValidationException', 'PreSignUp failed with error Forbidden by policy.');
  });

  it('turns an error status without a message into an UnexpectedLambdaException', async () => {
    await expectError(runner.run('PreSignUp', `${base}/empty-502`, signUpEvent()), 'UnexpectedLambdaException', 'PreSignUp invocation failed due to error HTTP 502.');
  });

  it('reads a Lambda error object answered with 200 as the function failing', async () => {
    await expectError(runner.run('PreSignUp', `${base}/rie-error`, signUpEvent()), 'UserLambdaValidationException', 'PreSignUp failed with error thrown in the container.');
  });

  it('reads an answer flagged X-Amz-Function-Error as the function failing', async () => {
    await expectError(runner.run('PreSignUp', `${base}/function-error-header`, signUpEvent()), 'UserLambdaValidationException', 'PreSignUp failed with error flagged.');
  });

  it('refuses an answer that is not JSON', async () => {
    await expectError(runner.run('PreSignUp', `${base}/not-json`, signUpEvent()), 'InvalidLambdaResponseException', 'Invalid lambda function output : Invalid JSON');
  });

  it('refuses an event whose response is not an object', async () => {
    await expectError(runner.run('PreSignUp', `${base}/wrong-shape`, signUpEvent()), 'InvalidLambdaResponseException', 'Unrecognizable lambda output');
  });

  it('times out a slow endpoint as an UnexpectedLambdaException', async () => {
    const started = Date.now();
    await expectError(runner.run('CustomMessage', `${base}/slow`, signUpEvent()), 'UnexpectedLambdaException', 'CustomMessage invocation failed due to error Socket timeout while invoking Lambda function.');
    expect(Date.now() - started).toBeLessThan(1200);
  });

  it('reports an unreachable endpoint as an UnexpectedLambdaException without its address', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expectError(runner.run('PreSignUp', `http://127.0.0.1:${port}/`, signUpEvent()), 'UnexpectedLambdaException', 'PreSignUp invocation failed due to error ECONNREFUSED.');
  });
});

describe('where local module triggers may come from', () => {
  it('refuses a module outside the directories the operator named, even an existing one', async () => {
    const strict = new TriggerRunner({ baseDir: FIXTURES, timeoutMs: 300 });
    const elsewhere = new TriggerRunner({ baseDir: FIXTURES, moduleDirs: [join(FIXTURES, 'nowhere')], timeoutMs: 300 });
    for (const r of [strict, elsewhere]) {
      await expect(r.run('PreSignUp', join(FIXTURES, readdirSync(FIXTURES).find((f) => /\.(mjs|js|ts)$/.test(f))!), { response: {} })).rejects.toMatchObject({
        name: 'UnexpectedLambdaException',
        message: expect.stringContaining('--trigger-modules'),
      });
    }
  });
});
