/** Why a token was refused. Each consumer words it in its own protocol. */
export type TokenRejection =
  | 'malformed'
  | 'unknown_issuer'
  | 'bad_signature'
  | 'expired'
  | 'wrong_token_use'
  | 'wrong_client'
  | 'revoked'
  | 'user_gone'
  | 'user_disabled';

export class InvalidTokenError extends Error {
  constructor(
    readonly reason: TokenRejection,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidTokenError';
  }
}
