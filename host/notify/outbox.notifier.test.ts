import net from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { AccountRepository } from '../accounts/account.repository.ts';
import { DEMO, seedDemo } from '../test/host.test-support.ts';
import { OutboxNotifier } from './outbox.notifier.ts';

const db = useMigratedDatabase();
const clock = { now: () => new Date('2026-03-02T10:00:00Z') };
const servers: net.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** Just enough SMTP to accept one message, keeping what it received. */
async function fakeSmtp(): Promise<{ url: string; received: string[] }> {
  const received: string[] = [];
  const server = net.createServer((socket) => {
    let inData = false;
    let buffer = '';
    socket.write('220 fake ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let index: number;
      while ((index = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, index);
        buffer = buffer.slice(index + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            socket.write('250 queued\r\n');
          } else received.push(line);
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250 fake\r\n');
        else if (verb === 'DATA') {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `smtp://127.0.0.1:${(server.address() as net.AddressInfo).port}`, received };
}

function notifier(smtpUrl?: string) {
  return new OutboxNotifier(db.knex, clock, new AccountRepository(db.knex, clock), pino({ level: 'silent' }), { url: smtpUrl, from: 'dt@example.com' });
}

const message = { template: 'transfer.failed', subject: 'Transfer of example.com failed', text: 'The registrar said no.', params: { domain: 'example.com' } };

describe('the outbox notifier', () => {
  it('records every notification, addressed to the client or to every admin, when no SMTP is set', async () => {
    await seedDemo(db);
    const client = await db.knex('host_users').where({ email: DEMO.client.email }).first();
    await notifier().notify({ ...message, to: { kind: 'client', clientId: String(client.client_id) } });
    await notifier().notify({ ...message, to: { kind: 'admins' } });
    const rows = await db.knex('host_outbox').orderBy('id');
    expect(rows.map((r) => [r.recipient_kind, r.to_addresses, r.status])).toEqual([
      ['client', 'client@example.com', 'recorded'],
      ['admins', 'admin@example.com', 'recorded'],
    ]);
    expect(JSON.parse(rows[0].params)).toEqual({ domain: 'example.com' });
  });

  it('sends through SMTP when configured and marks the row sent', async () => {
    await seedDemo(db);
    const smtp = await fakeSmtp();
    const sender = notifier(smtp.url);
    await sender.notify({ ...message, to: { kind: 'admins' } });
    sender.close();
    const row = await db.knex('host_outbox').first();
    expect(row.status).toBe('sent');
    expect(smtp.received.join('\n')).toContain('The registrar said no.');
  });

  it('records a failed send without failing the caller', async () => {
    await seedDemo(db);
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(notifier(`smtp://127.0.0.1:${port}`).notify({ ...message, to: { kind: 'admins' } })).resolves.toBeUndefined();
    const row = await db.knex('host_outbox').first();
    expect(row.status).toBe('failed');
    expect(row.error).toMatch(/ECONNREFUSED|connect/i);
  });

  it('keeps a notification for an unknown client as undeliverable', async () => {
    await notifier().notify({ ...message, to: { kind: 'client', clientId: '4242' } });
    expect((await db.knex('host_outbox').first()).status).toBe('undeliverable');
  });
});
