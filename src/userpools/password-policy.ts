import { InvalidPasswordException } from '../errors.ts';
import type { PasswordPolicy } from './model.ts';

// The special characters Cognito counts as symbols (its documented list, space included).
const SYMBOLS = new Set('^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+- ');

/** Throws Cognito's InvalidPasswordException message for the first rule the password breaks. */
export function assertPasswordConforms(password: string, policy: PasswordPolicy): void {
  const fail = (why: string) => {
    throw new InvalidPasswordException(`Password did not conform with policy: ${why}`);
  };
  if ([...password].length < policy.MinimumLength) fail('Password not long enough');
  if (policy.RequireLowercase && !/[a-z]/.test(password)) fail('Password must have lowercase characters');
  if (policy.RequireUppercase && !/[A-Z]/.test(password)) fail('Password must have uppercase characters');
  if (policy.RequireNumbers && !/[0-9]/.test(password)) fail('Password must have numeric characters');
  if (policy.RequireSymbols && ![...password].some((c) => SYMBOLS.has(c))) fail('Password must have symbol characters');
}
