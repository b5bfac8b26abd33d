import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTessera, type Tessera } from '../../src/app.ts';
import { freshDatabase } from '../support/databases.ts';

interface Received {
  to: string[];
  data: string;
}

describe('SMTP message sender', () => {
  const received: Received[] = [];
  let smtp: SMTPServer;
  let port: number;
  let t: Tessera;
  let clientId: string;

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString()));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    port = (smtp.server.address() as { port: number }).port;
    const db = await freshDatabase('sqlite');
    t = await createTessera({ db: db.url, region: 'us-east-1', publicUrl: 'http://x', issuerStyle: 'tessera', smtp: { host: '127.0.0.1', port, secure: false, from: 'Tessera <no-reply@tessera.test>' } });
    const pool = await t.userPools.pools.createPool({ PoolName: 'mail', AutoVerifiedAttributes: ['email'] });
    clientId = (await t.userPools.pools.createClient(pool.id, { ClientName: 'web' })).clientId;
  });
  afterAll(async () => {
    await t?.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('mails the sign-up code to the new user’s address and keeps it out of the outbox', async () => {
    const result = await t.userPools.auth.signUp({ ClientId: clientId, Username: 'gina', Password: 'Passw0rd!', UserAttributes: [{ Name: 'email', Value: 'gina@example.com' }] });
    expect(result.CodeDeliveryDetails).toEqual({ Destination: 'g***@example.com', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
    expect(received).toHaveLength(1);
    expect(received[0]!.to).toEqual(['gina@example.com']);
    const code = /Your verification code is (\d{6})/.exec(received[0]!.data)?.[1];
    expect(code).toMatch(/^\d{6}$/);
    expect(await t.outbox.list()).toEqual([]);
    await t.userPools.auth.confirmSignUp({ ClientId: clientId, Username: 'gina', ConfirmationCode: code! });
    expect((await t.userPools.users.getUser((await t.userPools.directory.client(clientId)).pool.id, 'gina')).status).toBe('CONFIRMED');
  });

  it('answers CodeDeliveryFailureException when the mail server is unreachable', async () => {
    const db = await freshDatabase('sqlite');
    const broken = await createTessera({ db: db.url, region: 'us-east-1', publicUrl: 'http://x', issuerStyle: 'tessera', smtp: { host: '127.0.0.1', port: 1, from: 'x@tessera.test' } });
    try {
      const pool = await broken.userPools.pools.createPool({ PoolName: 'mail', AutoVerifiedAttributes: ['email'] });
      const client = await broken.userPools.pools.createClient(pool.id, { ClientName: 'web' });
      await expect(
        broken.userPools.auth.signUp({ ClientId: client.clientId, Username: 'hal', Password: 'Passw0rd!', UserAttributes: [{ Name: 'email', Value: 'hal@example.com' }] }),
      ).rejects.toMatchObject({ name: 'CodeDeliveryFailureException', message: 'Unable to deliver the verification code.' });
    } finally {
      await broken.close();
    }
  });
});
