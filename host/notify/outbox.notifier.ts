import type { Knex } from 'knex';
import type { Logger } from 'pino';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Clock, Notification, Notifier } from '../../module/index.ts';
import type { AccountRepository } from '../accounts/account.repository.ts';

export interface OutboxRow {
  id: number;
  recipient_kind: string;
  client_id: number | null;
  to_addresses: string | null;
  template: string;
  subject: string;
  body: string;
  params: string;
  status: 'recorded' | 'sent' | 'failed' | 'undeliverable';
  error: string | null;
  created_at: number;
  sent_at: number | null;
}

const OUTBOX_CHUNK = 200;

/**
 * Every notification lands in the outbox table first, so nothing the module says is lost even
 * without mail. With SMTP configured it is also sent, and the row records how that went.
 * A mail failure never fails the caller: the module's workflow must not depend on SMTP.
 */
export class OutboxNotifier implements Notifier {
  private readonly transport: Transporter | undefined;

  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
    private readonly accounts: AccountRepository,
    private readonly logger: Logger,
    private readonly smtp: { url?: string; from: string } = { from: 'domain-transfers@localhost' },
  ) {
    this.transport = smtp.url ? nodemailer.createTransport(smtp.url) : undefined;
  }

  async notify(notification: Notification): Promise<void> {
    await this.notifyMany([notification]);
  }

  /** One insert for the whole batch; with SMTP, rows go in one by one so each records its mail. */
  async notifyMany(notifications: Notification[]): Promise<void> {
    const addresses = await this.recipients(notifications);
    const now = this.clock.now().getTime();
    const rows = notifications.map((notification, i) => outboxRow(notification, addresses[i]!, now));
    if (!this.transport) {
      // Chunks keep each statement within SQLite's 500-term compound SELECT limit; one chunk is
      // one statement, atomic without a transaction around it.
      if (rows.length <= OUTBOX_CHUNK) await this.knex('host_outbox').insert(rows);
      else await this.knex.batchInsert('host_outbox', rows, OUTBOX_CHUNK);
      return;
    }
    for (const [i, row] of rows.entries()) {
      const [id] = await this.knex('host_outbox').insert(row);
      if (addresses[i]!.length) await this.send(Number(id), notifications[i]!, addresses[i]!);
    }
  }

  private async send(id: number, notification: Notification, to: string[]): Promise<void> {
    try {
      await this.transport!.sendMail({ from: this.smtp.from, to, subject: notification.subject, text: notification.text });
      await this.knex('host_outbox').where({ id }).update({ status: 'sent', sent_at: this.clock.now().getTime() });
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      this.logger.warn({ outboxId: id, template: notification.template, error: message }, 'notification mail failed');
      await this.knex('host_outbox').where({ id }).update({ status: 'failed', error: message.slice(0, 2000) });
    }
  }

  async list(limit = 200): Promise<OutboxRow[]> {
    return this.knex<OutboxRow>('host_outbox').orderBy('id', 'desc').limit(limit);
  }

  close(): void {
    this.transport?.close();
  }

  /** Each notification's addresses: admins read once, clients in one query. */
  private async recipients(notifications: Notification[]): Promise<string[][]> {
    const admins = notifications.some((n) => n.to.kind === 'admins') ? await this.accounts.adminEmails() : [];
    const clientIds = notifications.map((n) => (n.to.kind === 'client' ? Number(n.to.clientId) : NaN)).filter((id) => Number.isInteger(id));
    const emails = await this.accounts.clientEmails(clientIds);
    return notifications.map((n) => {
      if (n.to.kind === 'admins') return admins;
      const email = emails.get(Number(n.to.clientId));
      return email ? [email] : [];
    });
  }
}

function outboxRow(notification: Notification, addresses: string[], now: number) {
  return {
    recipient_kind: notification.to.kind,
    client_id: notification.to.kind === 'client' ? (Number(notification.to.clientId) || null) : null,
    to_addresses: addresses.join(', ') || null,
    template: notification.template.slice(0, 64),
    subject: notification.subject.slice(0, 255),
    body: notification.text,
    params: JSON.stringify(notification.params ?? {}),
    status: addresses.length ? 'recorded' : 'undeliverable',
    error: addresses.length ? null : 'no recipient address',
    created_at: now,
  };
}
