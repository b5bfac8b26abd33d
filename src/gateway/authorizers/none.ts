import type { AuthorizerFactory } from './types.ts';

/** A public route: anyone may call it, and the upstream is told of no identity. */
export const noneAuthorizer: AuthorizerFactory<'none'> = async () => ({
  type: 'none',
  authorize: async () => ({ allow: true, principal: '', headers: {}, determining: ['none'] }),
});
