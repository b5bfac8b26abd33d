import { describe, expect, it } from 'vitest';
import { parseListUsersFilter } from '../../src/userpools/list-users-filter.ts';

describe('ListUsers filter', () => {
  it('parses equality and prefix filters with or without spaces', () => {
    expect(parseListUsersFilter('email = "a@example.com"')).toEqual({ attribute: 'email', op: '=', value: 'a@example.com' });
    expect(parseListUsersFilter('family_name^="Red"')).toEqual({ attribute: 'family_name', op: '^=', value: 'Red' });
    expect(parseListUsersFilter('cognito:user_status = "FORCE_CHANGE_PASSWORD"')).toMatchObject({ attribute: 'cognito:user_status' });
  });

  it('treats an absent or blank filter as no filter', () => {
    expect(parseListUsersFilter(undefined)).toBeUndefined();
    expect(parseListUsersFilter('   ')).toBeUndefined();
  });

  it('unescapes quotes and backslashes inside the value', () => {
    expect(parseListUsersFilter('name = "say \\"hi\\" \\\\o/"')?.value).toBe('say "hi" \\o/');
  });

  it('refuses attributes Cognito cannot search', () => {
    expect(() => parseListUsersFilter('custom:tier = "gold"')).toThrow(expect.objectContaining({ name: 'InvalidParameterException', message: 'Invalid search attribute: custom:tier' }));
  });

  it.each(['email', 'email = a@example.com', 'email == "x"', 'email = "x" and name = "y"', 'email = "unterminated', '= "x"'])('refuses the malformed filter %s', (filter) => {
    expect(() => parseListUsersFilter(filter)).toThrow(expect.objectContaining({ name: 'InvalidParameterException' }));
  });
});
