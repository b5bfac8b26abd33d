/** User pool Lambda triggers: Cognito's events, run on http(s) endpoints or local modules. */
export { UserPoolTriggers, type PreTokenGenerationCall, type TriggerCall, type UserPoolTriggersOptions } from './user-pool-triggers.ts';
export { TriggerRunner, DEFAULT_TRIGGER_TIMEOUT_MS, type TriggerRunnerOptions } from './trigger-runner.ts';
export { configuredTarget, parseTarget, preTokenGenerationVersion, TRIGGER_NAMES, type PreTokenGenerationVersion, type TriggerName, type TriggerTarget } from './lambda-config.ts';
export { InvalidLambdaResponseException, UnexpectedLambdaException, UserLambdaValidationException } from './errors.ts';
export { awsSdkVersionOf, CLIENT_ID_NOT_APPLICABLE, triggerUserAttributes, UNKNOWN_SDK_VERSION, type StringMap, type TriggerCaller, type TriggerEvent } from './event-common.ts';
export * from './sign-up.ts';
export * from './authentication-events.ts';
export * from './user-migration.ts';
export * from './custom-message.ts';
export * from './custom-auth.ts';
export * from './pre-token-generation.ts';
export * from './claims-override.ts';
