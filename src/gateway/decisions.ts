import type { Tessera } from '../app.ts';

export interface GatewayDecision {
  routeKey: string;
  method: string;
  rawPath: string;
  principal: string;
  allow: boolean;
  /** What decided; the authorizer type when nothing more specific did. */
  determining: string[];
  errors: string[];
  /** `performance.now()` when authorization began. */
  started: number;
}

/** Every gateway decision in the one decision log, scoped by route key, so "why was this denied?" has an answer here too. */
export function recordDecision(t: Tessera, authorizerType: string, d: GatewayDecision): void {
  t.decisions.record({
    engine: 'gateway',
    scope: d.routeKey,
    principal: d.principal,
    action: d.method,
    resource: d.rawPath,
    decision: d.allow ? 'ALLOW' : 'DENY',
    determiningPolicies: d.determining.length > 0 ? d.determining : [authorizerType],
    errors: d.errors,
    latencyMicros: Math.round((performance.now() - d.started) * 1000),
  });
}
