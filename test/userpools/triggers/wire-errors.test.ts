import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { toAwsError } from '../../../src/protocols/awsjson/errors.ts';
import { InvalidLambdaResponseException, UnexpectedLambdaException, UserLambdaValidationException } from '../../../src/userpools/triggers/errors.ts';

const warnings: unknown[] = [];
const log = { warn: (o: unknown) => warnings.push(o), error: () => undefined } as unknown as FastifyBaseLogger;

describe('trigger errors on the AWS JSON wire', () => {
  it.each([
    { error: new UserLambdaValidationException('PreSignUp failed with error Nope.'), type: 'UserLambdaValidationException' },
    { error: new UnexpectedLambdaException('PreSignUp invocation failed due to error Socket timeout while invoking Lambda function.'), type: 'UnexpectedLambdaException' },
    { error: new InvalidLambdaResponseException('Unrecognizable lambda output'), type: 'InvalidLambdaResponseException' },
  ])('reach clients as $type with status 400 and their message', ({ error, type }) => {
    expect(toAwsError(error, log)).toEqual({ status: 400, type, message: error.message });
  });

  it('keep their cause for the log, not for the client', () => {
    const cause = new Error('connect ECONNREFUSED 10.0.0.7:8080');
    const reply = toAwsError(new UnexpectedLambdaException('PreSignUp invocation failed due to error ECONNREFUSED.', { cause }), log);
    expect(reply.message).not.toContain('10.0.0.7');
    expect(warnings).toContainEqual({ err: cause, code: 'UnexpectedLambdaException' });
  });
});
