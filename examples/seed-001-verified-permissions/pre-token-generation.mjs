// Seed 001's pre token generation trigger, as a Lambda function would be written: it looks the
// user's cost center up and adds it to the ID token as the claim `costCenter`, which Verified
// Permissions then sees as `principal.costCenter`.
//
// Tessera runs it as a local module (LambdaConfig names this file, and `tessera serve
// --trigger-modules` names its folder) or behind an HTTP endpoint (trigger-endpoint.ts). On AWS the
// same handler would be a Lambda function.

/**
 * The store the seed's function queries (DynamoDB there): each user's cost center by username.
 * Edit it and sign in again: the next ID token carries the new value (Tessera reloads a changed module).
 */
export const COST_CENTERS = {
  john: 'Finance1234',
  jane: 'Engineering42',
};

/** Cognito's pre token generation event in, the same event with `response` filled out. */
export const handler = async (event) => {
  // The pool's usernames are case-insensitive, so is the store's key.
  const key = String(event.userName).toLowerCase();
  const costCenter = Object.hasOwn(COST_CENTERS, key) ? COST_CENTERS[key] : undefined;
  // A user the store does not know gets no claim (and so no Finance access).
  if (costCenter === undefined) return event;
  // Not named `custom`, `cognito` or `dev`: Verified Permissions fails requests with those claim names.
  const claims = { costCenter };
  // Event version 1 (LambdaVersion V1_0) answers for the ID token only; versions 2 and 3 name the token.
  event.response =
    event.version === '1'
      ? { claimsOverrideDetails: { claimsToAddOrOverride: claims } }
      : { claimsAndScopeOverrideDetails: { idTokenGeneration: { claimsToAddOrOverride: claims } } };
  return event;
};
