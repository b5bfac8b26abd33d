/** A message carrying a one-time code or an invitation to a user. */
export interface OutgoingMessage {
  poolId: string;
  userId: string | null;
  channel: 'EMAIL' | 'SMS';
  destination: string;
  /** Why it is sent: `signup`, `forgot_password`, `invitation`, `verify_email`… */
  purpose: string;
  subject?: string;
  body: string;
  /** The code in the body, kept apart so tests and the console need not parse text. */
  code?: string;
}

/** Delivers messages. Pluggable: the outbox (default) or SMTP. */
export interface MessageSender {
  send(message: OutgoingMessage): Promise<void>;
}

/** Cognito templates use `{####}` for the code and `{username}` for the user name. */
export function renderTemplate(template: string, values: { code?: string; username?: string }): string {
  return template.replaceAll('{####}', values.code ?? '').replaceAll('{username}', values.username ?? '');
}

/** `a***@example.com` / `+*******1234`, as Cognito's CodeDeliveryDetails show destinations. */
export function maskDestination(channel: 'EMAIL' | 'SMS', destination: string): string {
  if (channel === 'EMAIL') {
    const at = destination.indexOf('@');
    return at > 0 ? `${destination[0]}***${destination.slice(at)}` : '***';
  }
  return `+${'*'.repeat(Math.max(0, destination.length - 5))}${destination.slice(-4)}`;
}
