import type { Group, UserPool } from '../model.ts';
import { applyTokenOverride, type TokenClaimsPlan, type TokenCustomization } from './claims-override.ts';
import {
  createAuthChallengeEvent,
  type CreateAuthChallengeInput,
  type CreatedChallenge,
  type DefineAuthChallengeDecision,
  defineAuthChallengeEvent,
  type DefineAuthChallengeInput,
  readCreateAuthChallengeResponse,
  readDefineAuthChallengeResponse,
  readVerifyAuthChallengeResponse,
  verifyAuthChallengeResponseEvent,
  type VerifyAuthChallengeResponseInput,
} from './custom-auth.ts';
import { type CustomMessage, customMessageEvent, type CustomMessageInput, readCustomMessageResponse } from './custom-message.ts';
import { postAuthenticationEvent, type PostAuthenticationInput, preAuthenticationEvent, type PreAuthenticationInput } from './authentication-events.ts';
import type { StringMap } from './event-common.ts';
import { configuredTarget, preTokenGenerationVersion, type TriggerName } from './lambda-config.ts';
import { groupConfigurationOf, preTokenGenerationEvent, readPreTokenGenerationResponse, type TokenGenerationSource } from './pre-token-generation.ts';
import { postConfirmationEvent, type PostConfirmationInput, preSignUpEvent, type PreSignUpInput, type PreSignUpResponse, readEmptyResponse, readPreSignUpResponse } from './sign-up.ts';
import { TriggerRunner, type TriggerRunnerOptions } from './trigger-runner.ts';
import { type MigratedUser, readUserMigrationResponse, userMigrationEvent, type UserMigrationInput } from './user-migration.ts';

/** The caller of the operation that fires a trigger (the pool comes separately). */
export interface TriggerCall {
  /** The username; for UserMigration the name the user typed. */
  userName: string;
  /** The app client, or CLIENT_ID_NOT_APPLICABLE (AdminCreateUser without a client). */
  clientId: string;
  awsSdkVersion?: string;
}

export interface PreTokenGenerationCall {
  source: TokenGenerationSource;
  userAttributes: StringMap;
  /** The user's groups in token order (they give the event's groupConfiguration). */
  groups: Group[];
  /** What Tessera would mint: the trigger's response is applied to it. */
  plan: TokenClaimsPlan;
  clientMetadata?: StringMap;
}

export interface UserPoolTriggersOptions extends TriggerRunnerOptions {
  region: string;
}

/**
 * The user pool's triggers, one method per trigger: each builds Cognito's event, runs the pool's
 * configured target (LambdaConfig) and reads the response. A method returns undefined (or does
 * nothing) when the pool has no such trigger, and throws Cognito's errors when the trigger fails:
 * UserLambdaValidationException, UnexpectedLambdaException, InvalidLambdaResponseException (and
 * InvalidParameterException for a custom message without its placeholders).
 */
export class UserPoolTriggers {
  private readonly runner: TriggerRunner;

  constructor(private readonly options: UserPoolTriggersOptions) {
    this.runner = new TriggerRunner(options);
  }

  has(pool: UserPool, trigger: TriggerName): boolean {
    return configuredTarget(pool.settings.LambdaConfig, trigger) !== undefined;
  }

  async preSignUp(pool: UserPool, call: TriggerCall, input: PreSignUpInput): Promise<PreSignUpResponse | undefined> {
    const response = await this.run(pool, 'PreSignUp', preSignUpEvent(this.caller(pool, call), input));
    return response && readPreSignUpResponse(response, input.source);
  }

  async postConfirmation(pool: UserPool, call: TriggerCall, input: PostConfirmationInput): Promise<void> {
    const response = await this.run(pool, 'PostConfirmation', postConfirmationEvent(this.caller(pool, call), input));
    if (response) readEmptyResponse(response);
  }

  async preAuthentication(pool: UserPool, call: TriggerCall, input: PreAuthenticationInput): Promise<void> {
    const response = await this.run(pool, 'PreAuthentication', preAuthenticationEvent(this.caller(pool, call), input));
    if (response) readEmptyResponse(response);
  }

  async postAuthentication(pool: UserPool, call: TriggerCall, input: PostAuthenticationInput): Promise<void> {
    const response = await this.run(pool, 'PostAuthentication', postAuthenticationEvent(this.caller(pool, call), input));
    if (response) readEmptyResponse(response);
  }

  async customMessage(pool: UserPool, call: TriggerCall, input: CustomMessageInput): Promise<CustomMessage | undefined> {
    const event = customMessageEvent(this.caller(pool, call), input);
    const response = await this.run(pool, 'CustomMessage', event);
    return response && readCustomMessageResponse(response, event.request);
  }

  async userMigration(pool: UserPool, call: TriggerCall, input: UserMigrationInput): Promise<MigratedUser | undefined> {
    const response = await this.run(pool, 'UserMigration', userMigrationEvent(this.caller(pool, call), input));
    return response && readUserMigrationResponse(response, input.source);
  }

  async defineAuthChallenge(pool: UserPool, call: TriggerCall, input: DefineAuthChallengeInput): Promise<DefineAuthChallengeDecision | undefined> {
    const response = await this.run(pool, 'DefineAuthChallenge', defineAuthChallengeEvent(this.caller(pool, call), input));
    return response && readDefineAuthChallengeResponse(response);
  }

  async createAuthChallenge(pool: UserPool, call: TriggerCall, input: CreateAuthChallengeInput): Promise<CreatedChallenge | undefined> {
    const response = await this.run(pool, 'CreateAuthChallenge', createAuthChallengeEvent(this.caller(pool, call), input));
    return response && readCreateAuthChallengeResponse(response);
  }

  async verifyAuthChallengeResponse(pool: UserPool, call: TriggerCall, input: VerifyAuthChallengeResponseInput): Promise<boolean | undefined> {
    const response = await this.run(pool, 'VerifyAuthChallengeResponse', verifyAuthChallengeResponseEvent(this.caller(pool, call), input));
    return response && readVerifyAuthChallengeResponse(response);
  }

  /**
   * Runs the pre token generation trigger in the pool's configured event version and applies its
   * response to the plan. V3_0 alone runs for TokenGeneration_ClientCredentials.
   */
  async preTokenGeneration(pool: UserPool, call: TriggerCall, input: PreTokenGenerationCall): Promise<TokenCustomization | undefined> {
    const lambdaVersion = preTokenGenerationVersion(pool.settings.LambdaConfig);
    if (input.source === 'TokenGeneration_ClientCredentials' && lambdaVersion !== 'V3_0') return undefined;
    const event = preTokenGenerationEvent(this.caller(pool, call), {
      source: input.source,
      lambdaVersion,
      userAttributes: input.userAttributes,
      groupConfiguration: groupConfigurationOf(input.groups),
      scopes: input.plan.scopes,
      ...(input.clientMetadata && { clientMetadata: input.clientMetadata }),
    });
    const response = await this.run(pool, 'PreTokenGeneration', event);
    return response && applyTokenOverride(input.plan, readPreTokenGenerationResponse(response, lambdaVersion));
  }

  private caller(pool: UserPool, call: TriggerCall) {
    return { region: this.options.region, userPoolId: pool.id, ...call };
  }

  private async run(pool: UserPool, trigger: TriggerName, event: object): Promise<Record<string, unknown> | undefined> {
    const target = configuredTarget(pool.settings.LambdaConfig, trigger);
    if (target === undefined) return undefined;
    return this.runner.run(trigger, target, event);
  }
}
