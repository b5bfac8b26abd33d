import { InvalidParameterException } from '../errors.ts';

/** The attributes ListUsers can filter on (Cognito's documented set). */
export const FILTERABLE_ATTRIBUTES = [
  'username',
  'email',
  'phone_number',
  'name',
  'given_name',
  'family_name',
  'preferred_username',
  'cognito:user_status',
  'status',
  'sub',
] as const;

export type FilterableAttribute = (typeof FILTERABLE_ATTRIBUTES)[number];

export interface ListUsersFilter {
  attribute: FilterableAttribute;
  op: '=' | '^=';
  value: string;
}

// attribute, operator, then a double-quoted value in which \" and \\ escape.
const FILTER = /^\s*([a-z_:]+)\s*(\^=|=)\s*"((?:[^"\\]|\\.)*)"\s*$/;

/**
 * Parses `email ^= "ali"` style filters. An empty filter means none. Anything else is refused with
 * Cognito's message rather than silently matching everything.
 */
export function parseListUsersFilter(filter: string | undefined): ListUsersFilter | undefined {
  if (filter === undefined || filter.trim() === '') return undefined;
  const m = FILTER.exec(filter);
  if (!m) throw new InvalidParameterException('Error while parsing filter.');
  const attribute = m[1] as FilterableAttribute;
  if (!FILTERABLE_ATTRIBUTES.includes(attribute)) {
    throw new InvalidParameterException(`Invalid search attribute: ${m[1]}`);
  }
  const value = m[3]!.replace(/\\(.)/g, '$1');
  return { attribute, op: m[2] as '=' | '^=', value };
}
