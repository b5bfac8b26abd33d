import { createHash } from 'node:crypto';
import { constantTimeEqual } from '../crypto/constant-time.ts';
import { CodeDeliveryFailureException, CodeMismatchException, ExpiredCodeException, LimitExceededException } from '../errors.ts';
import type { CodePurpose } from '../store/repositories/codes.ts';
import { randomDigits } from '../util/random.ts';
import type { UserPoolDeps } from './context.ts';
import { maskDestination, renderTemplate } from './messages/message-sender.ts';
import type { User, UserPool } from './model.ts';
import type { CustomMessageSource } from './triggers/custom-message.ts';
import { CLIENT_ID_NOT_APPLICABLE, triggerUserAttributes } from './triggers/event-common.ts';

const VALIDITY_MS: Record<CodePurpose, number> = {
  signup: 24 * 3600_000,
  forgot_password: 3600_000,
  verify_email: 24 * 3600_000,
  verify_phone_number: 24 * 3600_000,
};
const MAX_ATTEMPTS = 5;

/** The CustomMessage triggerSource of each kind of code, unless the caller names another (ResendCode, UpdateUserAttribute). */
const DEFAULT_SOURCE: Record<CodePurpose, CustomMessageSource> = {
  signup: 'CustomMessage_SignUp',
  forgot_password: 'CustomMessage_ForgotPassword',
  verify_email: 'CustomMessage_VerifyUserAttribute',
  verify_phone_number: 'CustomMessage_VerifyUserAttribute',
};

export interface CodeDeliveryDetails {
  Destination: string;
  DeliveryMedium: 'EMAIL' | 'SMS';
  AttributeName: 'email' | 'phone_number';
}

function hashCode(userId: string, code: string): string {
  return createHash('sha256').update(`${userId}:${code}`).digest('hex');
}

/** Six-digit one-time codes: issued through the message sender, stored hashed, checked once. */
export class CodeService {
  constructor(private readonly d: UserPoolDeps) {}

  /** Where a code for this user goes: the attribute asked for, else email before phone. */
  channelFor(user: User, prefer?: 'email' | 'phone_number'): CodeDeliveryDetails | undefined {
    const order: Array<'email' | 'phone_number'> = prefer ? [prefer] : ['email', 'phone_number'];
    for (const attr of order) {
      const destination = user.attributes[attr];
      if (destination) {
        const medium = attr === 'email' ? 'EMAIL' : 'SMS';
        return { Destination: maskDestination(medium, destination), DeliveryMedium: medium, AttributeName: attr };
      }
    }
    return undefined;
  }

  /**
   * Issues a code and sends it in the pool's template, or in the message a CustomMessage trigger
   * writes (`source` is its triggerSource; by default the purpose's own).
   */
  async issue(pool: UserPool, user: User, purpose: CodePurpose, via: CodeDeliveryDetails, call: { clientId?: string; source?: CustomMessageSource } = {}): Promise<CodeDeliveryDetails> {
    const code = randomDigits(this.d.random, 6);
    const now = this.d.clock.now();
    await this.d.codes.put({ userId: user.id, purpose, codeHash: hashCode(user.id, code), attempts: 0, createdAt: now, expiresAt: now + VALIDITY_MS[purpose] });
    const s = pool.settings;
    let template =
      via.DeliveryMedium === 'EMAIL'
        ? (s.VerificationMessageTemplate?.EmailMessage ?? s.EmailVerificationMessage ?? 'Your verification code is {####}. ')
        : (s.VerificationMessageTemplate?.SmsMessage ?? s.SmsVerificationMessage ?? 'Your verification code is {####}. ');
    let subject = purpose === 'forgot_password' ? 'Your password reset code' : (s.VerificationMessageTemplate?.EmailSubject ?? s.EmailVerificationSubject ?? 'Your verification code');
    const custom = this.d.triggers?.has(pool, 'CustomMessage')
      ? await this.d.triggers.customMessage(pool, { userName: user.username, clientId: call.clientId ?? CLIENT_ID_NOT_APPLICABLE }, { source: call.source ?? DEFAULT_SOURCE[purpose], userAttributes: triggerUserAttributes(user, pool) })
      : undefined;
    if (custom) {
      template = (via.DeliveryMedium === 'EMAIL' ? custom.emailMessage : custom.smsMessage) ?? template;
      subject = custom.emailSubject ?? subject;
    }
    await this.deliver({
      poolId: pool.id,
      userId: user.id,
      channel: via.DeliveryMedium,
      destination: user.attributes[via.AttributeName]!,
      purpose,
      subject,
      body: renderTemplate(template, { code, username: user.username }),
      code,
    });
    return via;
  }

  private async deliver(message: Parameters<UserPoolDeps['sender']['send']>[0]): Promise<void> {
    try {
      await this.d.sender.send(message);
    } catch (cause) {
      // The transport's own error may name hosts or credentials: it stays in the cause (logged), and
      // the caller hears Cognito's error.
      throw new CodeDeliveryFailureException('Unable to deliver the verification code.', { cause });
    }
  }

  /** Consumes the code if it matches; wrong guesses count, and too many void the code. */
  async consume(user: User, purpose: CodePurpose, code: string): Promise<void> {
    const stored = await this.d.codes.find(user.id, purpose);
    if (!stored) throw new CodeMismatchException('Invalid verification code provided, please try again.');
    if (stored.attempts >= MAX_ATTEMPTS) {
      // Cognito answers too many wrong codes with LimitExceededException (what Amplify's UIs handle).
      // The spent code stays until a new one replaces it, so every further try hears the limit.
      throw new LimitExceededException('Attempt limit exceeded, please try after some time.');
    }
    if (!constantTimeEqual(stored.codeHash, hashCode(user.id, code))) {
      await this.d.codes.countAttempt(user.id, purpose);
      throw new CodeMismatchException('Invalid verification code provided, please try again.');
    }
    if (stored.expiresAt <= this.d.clock.now()) {
      await this.d.codes.delete(user.id, purpose);
      throw new ExpiredCodeException('Invalid code provided, please request a code again.');
    }
    await this.d.codes.delete(user.id, purpose);
  }
}
