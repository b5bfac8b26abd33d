import nodemailer, { type Transporter } from 'nodemailer';
import type { MessageSender, OutgoingMessage } from './message-sender.ts';

export interface SmtpOptions {
  host: string;
  port: number;
  secure?: boolean;
  user?: string;
  password?: string;
  from: string;
}

/** Delivers email through an SMTP server. SMS has no transport here and is refused loudly. */
export class SmtpSender implements MessageSender {
  private readonly transport: Transporter;

  constructor(private readonly options: SmtpOptions) {
    this.transport = nodemailer.createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure ?? options.port === 465,
      ...(options.user && { auth: { user: options.user, pass: options.password ?? '' } }),
    });
  }

  async send(m: OutgoingMessage): Promise<void> {
    if (m.channel !== 'EMAIL') throw new Error('the SMTP sender delivers email only; configure no SMTP to use the outbox for SMS');
    await this.transport.sendMail({ from: this.options.from, to: m.destination, subject: m.subject ?? 'Tessera', text: m.body });
  }
}
