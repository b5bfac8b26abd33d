import { describe, expect, it } from 'vitest';
import { DEFAULT_PASSWORD_POLICY } from '../../src/userpools/defaults.ts';
import { assertPasswordConforms } from '../../src/userpools/password-policy.ts';

const check = (password: string, policy = DEFAULT_PASSWORD_POLICY) => () => assertPasswordConforms(password, policy);

describe('password policy', () => {
  it('accepts a password with every class of character at the minimum length', () => {
    expect(check('Abcdef1!')).not.toThrow();
  });

  it.each([
    ['Ab1!', 'Password not long enough'],
    ['ABCDEFG1!', 'Password must have lowercase characters'],
    ['abcdefg1!', 'Password must have uppercase characters'],
    ['Abcdefgh!', 'Password must have numeric characters'],
    ['Abcdefgh1', 'Password must have symbol characters'],
  ])('refuses %s with Cognito’s message “%s”', (password, why) => {
    expect(check(password)).toThrow(expect.objectContaining({ name: 'InvalidPasswordException', message: `Password did not conform with policy: ${why}` }));
  });

  it('counts a space and each of Cognito’s listed symbols as a symbol', () => {
    for (const symbol of ' ^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+-') expect(check(`Abcdefg1${symbol}`)).not.toThrow();
  });

  it('does not count a letter outside ASCII as a symbol', () => {
    expect(check('Abcdefg1é')).toThrow(/symbol/);
  });

  it('measures length in characters, not UTF-16 units', () => {
    expect(check('A1!😀😀😀😀a', { ...DEFAULT_PASSWORD_POLICY, MinimumLength: 9 })).toThrow(/not long enough/);
  });

  it('applies only the rules the pool turns on', () => {
    expect(check('aaaaaa', { ...DEFAULT_PASSWORD_POLICY, MinimumLength: 6, RequireUppercase: false, RequireNumbers: false, RequireSymbols: false })).not.toThrow();
  });
});
