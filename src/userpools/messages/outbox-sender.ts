import type { FastifyBaseLogger } from 'fastify';
import type { OutboxRepository } from '../../store/repositories/outbox.ts';
import type { Clock } from '../../util/clock.ts';
import type { Random } from '../../util/random.ts';
import type { MessageSender, OutgoingMessage } from './message-sender.ts';

/**
 * The default sender for self-hosting, demos and CI: it delivers into the outbox table, which tests
 * and the console read, and to the log. Codes reach the log only from this development sender.
 */
export class OutboxSender implements MessageSender {
  constructor(
    private readonly outbox: OutboxRepository,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly log?: Pick<FastifyBaseLogger, 'info'>,
  ) {}

  async send(m: OutgoingMessage): Promise<void> {
    await this.outbox.insert({
      id: this.random.uuid(),
      poolId: m.poolId,
      userId: m.userId,
      channel: m.channel,
      destination: m.destination,
      purpose: m.purpose,
      subject: m.subject ?? null,
      body: m.body,
      code: m.code ?? null,
      createdAt: this.clock.now(),
    });
    this.log?.info({ poolId: m.poolId, channel: m.channel, destination: m.destination, purpose: m.purpose, code: m.code }, 'message delivered to the outbox');
  }
}
