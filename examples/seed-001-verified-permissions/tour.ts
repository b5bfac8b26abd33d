/**
 * What `npm run example:001` shows: John and Jane sign in, the cost center the trigger put in their
 * ID tokens, then their calls to the app with those tokens.
 */
import { decodeJwt } from 'jose';
import { ROADMAP_ID } from './app.ts';
import { FILE_ID, signIn, USERS } from './setup.ts';

export interface TourStep {
  who: string;
  method: string;
  path: string;
  status: number;
  /** The app's JSON answer (empty for 204). */
  body: { message?: string; decision?: string; principal?: string; determiningPolicies?: string[]; file?: { name: string } };
}

export interface IdTokenCostCenter {
  username: string;
  /** The `costCenter` claim: the pre token generation trigger's. */
  costCenter: unknown;
}

/** Signs each user in and reads the `costCenter` claim of their ID token. */
export async function idTokenCostCenters(opts: { tesseraUrl: string; clientId: string; region?: string }): Promise<IdTokenCostCenter[]> {
  const out: IdTokenCostCenter[] = [];
  for (const { username } of USERS) {
    const { idToken } = await signIn({ tesseraUrl: opts.tesseraUrl, clientId: opts.clientId, username, ...(opts.region && { region: opts.region }) });
    out.push({ username, costCenter: decodeJwt(idToken).costCenter });
  }
  return out;
}

export async function runTour(opts: { tesseraUrl: string; appUrl: string; clientId: string; region?: string }): Promise<TourStep[]> {
  const steps: TourStep[] = [];
  const call = async (who: string, method: string, path: string, token?: string, body?: string) => {
    const response = await fetch(`${opts.appUrl}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(body !== undefined && { body }) });
    const text = await response.text();
    steps.push({ who, method, path, status: response.status, body: text ? (JSON.parse(text) as TourStep['body']) : {} });
  };
  const image = `/files/${FILE_ID}`;
  for (const { username } of USERS) {
    const { idToken, accessToken } = await signIn({ tesseraUrl: opts.tesseraUrl, clientId: opts.clientId, username, ...(opts.region && { region: opts.region }) });
    await call(username, 'GET', image, idToken);
    await call(username, 'PUT', image, idToken, 'a new picture');
    await call(username, 'DELETE', image, idToken);
    await call(username, 'GET', `/files/${ROADMAP_ID}`, idToken);
    // An access token is not an ID token: Verified Permissions refuses it as identityToken.
    await call(`${username} (access token)`, 'GET', image, accessToken);
  }
  await call('nobody', 'GET', image);
  return steps;
}

/** One line per step, e.g. `john    GET    /files/a8f3…  200 ALLOW  ExampleCorp::User::"…" by policy …`. */
export function describeStep(step: TourStep): string {
  const outcome =
    step.status === 200
      ? `ALLOW by policy ${step.body.determiningPolicies?.join(', ')}`
      : step.status === 403
        ? `DENY${step.body.determiningPolicies?.length ? ` by policy ${step.body.determiningPolicies.join(', ')}` : ' (no policy permits it)'}`
        : step.status === 401
          ? 'refused: no valid ID token'
          : (step.body.message ?? '');
  return `${step.who.padEnd(22)} ${step.method.padEnd(6)} ${step.path.padEnd(50)} ${step.status}  ${outcome}`;
}
