import type { TokenValidityUnit, UserPoolClient } from './model.ts';

const SECONDS: Record<TokenValidityUnit, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };

export function tokenLifetimes(client: UserPoolClient): { idSeconds: number; accessSeconds: number; refreshSeconds: number } {
  const s = client.settings;
  return {
    idSeconds: s.IdTokenValidity * SECONDS[s.TokenValidityUnits.IdToken],
    accessSeconds: s.AccessTokenValidity * SECONDS[s.TokenValidityUnits.AccessToken],
    refreshSeconds: s.RefreshTokenValidity * SECONDS[s.TokenValidityUnits.RefreshToken],
  };
}
