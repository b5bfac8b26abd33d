// amazon-cognito-identity-js ships no types for its internals; the SRP tests use its client helper as the reference.
declare module 'amazon-cognito-identity-js/lib/AuthenticationHelper.js';
declare module 'amazon-cognito-identity-js/lib/BigInteger.js';
