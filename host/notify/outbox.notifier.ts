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
    const addresses = await this.recipients(notification);
    const now = this.clock.now().getTime();
    const [id] = await this.knex('host_outbox').insert({
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
    });
    if (!this.transport || !addresses.length) return;
    try {
      await this.transport.sendMail({ from: this.smtp.from, to: addresses, subject: notification.subject, text: notification.text });
      await this.knex('host_outbox').where({ id }).update({ status: 'sent', sent_at: this.clock.now().getTime() });
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      this.logger.warn({ outboxId: Number(id), template: notification.template, error: message }, 'notification mail failed');
      await this.knex('host_outbox').where({ id }).update({ status: 'failed', error: message.slice(0, 2000) });
    }
  }

  async list(limit = 200): Promise<OutboxRow[]> {
    return this.knex<OutboxRow>('host_outbox').orderBy('id', 'desc').limit(limit);
  }

  close(): void {
    this.transport?.close();
  }

  private async recipients(notification: Notification): Promise<string[]> {
    if (notification.to.kind === 'admins') return this.accounts.adminEmails();
    const clientId = Number(notification.to.clientId);
    if (!Number.isInteger(clientId)) return [];
    const client = await this.accounts.getClientRow(clientId);
    return client ? [client.email] : [];
  }
}
