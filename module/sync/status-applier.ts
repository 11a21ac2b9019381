import type { Knex } from 'knex';
import type { AuthCodeLifecycle } from '../transfer-out/auth-code-lifecycle.ts';
import type { Logger } from 'pino';
import type { BillingPort, Clock } from '../host-context.ts';
import type { ModuleNotifications, QueuedNotification } from '../notifications.ts';
import type { PendingTransferOut, TransferStatus } from '../../registrar-adapters/types.ts';
import { recordPendingTransferOut } from '../transfer-out/pending-transfer-out.ts';
import { transitionDomain, type TransitionRequest } from '../domains/domain-status.machine.ts';
import { transactionRetryingDeadlocks } from '../database.ts';
import type { EventOutbox } from '../events/event-outbox.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { PaidOrder, PaidTransferSettlements, SettlementCause } from '../billing/settlements.ts';
import { orderRefs, type HostOrderRefs, type OutgoingEvent } from '../events/domain-events.ts';
import type { SyncOutcome } from './sync-summary.ts';
import type { DomainRow } from '../domains/domain.queries.ts';
import { AwaitingTransfers } from './awaiting-transfer.ts';

/** The columns a sync reads for each domain. */
export type SyncDomainRow = Pick<
  DomainRow,
  'id' | 'domain' | 'client_id' | 'registrar_id' | 'registrar_ref' | 'status' | 'expiry_date' | 'failure_code' | 'transfer_out_gaining' | 'transfer_out_requested_at' | 'awaiting'
>;

export const SYNC_COLUMNS = ['id', 'domain', 'client_id', 'registrar_id', 'registrar_ref', 'status', 'expiry_date', 'failure_code', 'transfer_out_gaining', 'transfer_out_requested_at', 'awaiting'] as const;

export function normalizeSyncRow(row: Record<string, any>): SyncDomainRow {
  return { ...(row as SyncDomainRow), id: Number(row.id), expiry_date: row.expiry_date === null ? null : Number(row.expiry_date) };
}

/** What a change tells the host (hooks) and people (messages), and whether its order's payment is settled. */
type News = {
  events: OutgoingEvent[];
  messages: QueuedNotification[];
  settle?: { cause: SettlementCause; reason: string };
  /** More to write with the change, in its transaction (the auth code's lifecycle). */
  also?: (trx: Knex.Transaction) => Promise<void>;
};

/** The transfer order a domain came in with, when it came in with one. */
type DomainOrder = HostOrderRefs & { order?: PaidOrder };

/** What the registry says about one of our active domains. */
export interface RegistryFacts {
  sponsoredByUs: boolean;
  expiresAt?: Date;
  gainingRegistrar?: string;
  /** A transfer-out another registrar asked for, when the registrar reports it. */
  pendingTransferOut?: PendingTransferOut | null;
}

export interface ApplyContext {
  /** History actor, e.g. `sync:run-7`, `push:sandbox`. */
  actor: string;
  dryRun: boolean;
}

export interface Applied {
  outcome: SyncOutcome;
  detail?: string;
}

/**
 * Turns a registrar's answer into a domain change. The 05:00 run, the pending cadence and
 * registry push all come through here, so a completion is applied the same way whoever saw
 * it first; the status machine's conditional update makes the others no-ops (`raced`).
 */
export class StatusApplier {
  constructor(
    private readonly deps: {
      knex: Knex;
      clock: Clock;
      outbox: EventOutbox;
      queue: JobQueue;
      settlements: PaidTransferSettlements;
      billing: BillingPort;
      notifications: ModuleNotifications;
      logger: Logger;
      codes: AuthCodeLifecycle;
    },
  ) {
    this.awaiting = new AwaitingTransfers(deps);
  }

  /** Pending transfers that wait on a person: the registrant's email, a corrected code. */
  private readonly awaiting: AwaitingTransfers;

  async applyTransferStatus(row: SyncDomainRow, status: TransferStatus, ctx: ApplyContext): Promise<Applied> {
    if (row.status !== 'pending') return { outcome: 'unchanged' };
    const { awaiting } = this;
    if (status.kind === 'pending') {
      if (!ctx.dryRun) await awaiting.noteAwaiting(row, status.awaiting ?? null);
      return { outcome: 'unchanged', detail: status.awaiting };
    }
    if (status.kind === 'rejected' && status.code === 'auth_code_invalid') {
      // Refused codes are not an end: the order waits for a corrected one.
      if (!ctx.dryRun) await awaiting.awaitCorrectedCode(row, status.reason, ctx.actor);
      return { outcome: 'unchanged', detail: `${status.code}: ${status.reason}` };
    }
    const at = this.deps.clock.now();
    if (status.kind === 'completed') {
      const detail = status.expiryDate.toISOString();
      if (ctx.dryRun) return { outcome: 'completed', detail };
      const applied = await this.transition(
        row,
        {
          domainId: row.id,
          from: 'pending',
          to: 'active',
          cause: 'transfer.completed',
          actor: ctx.actor,
          detail: `expiry ${detail}`,
          patch: { expiry_date: status.expiryDate.getTime(), failure_code: null, failure_reason: null, last_checked_at: at.getTime() },
          at,
        },
        ({ order, ...refs }): News => ({
          events: [{ name: 'domain.transfer.completed', facts: { ...this.facts(row, refs), expiryDate: detail } }],
          messages: [{ to: { kind: 'client', clientId: row.client_id }, template: 'sync.transfer_completed', params: { domain: row.domain, expiryDate: detail.slice(0, 10) } }],
          also: (trx) => this.deps.codes.transferInCompleted(trx, row.domain, row.registrar_id, ctx.actor),
        }),
      );
      return applied ? { outcome: 'completed', detail } : { outcome: 'raced' };
    }
    const reason = status.reason || 'The transfer was rejected.';
    if (ctx.dryRun) return { outcome: 'cancelled', detail: reason };
    const applied = await this.transition(
      row,
      {
        domainId: row.id,
        from: 'pending',
        to: 'cancelled',
        cause: 'transfer.rejected',
        actor: ctx.actor,
        detail: reason,
        patch: { failure_code: 'transfer_rejected', failure_reason: reason, last_checked_at: at.getTime() },
        at,
      },
      ({ order, ...refs }): News => ({
        // Only a paid order reaches the registry, so a rejected one was paid.
        events: [{ name: 'domain.transfer.cancelled', facts: { ...this.facts(row, refs), cancelledBy: 'registry', reason, paid: order !== undefined } }],
        settle: { cause: 'rejected', reason },
        messages: [
          { to: { kind: 'client', clientId: row.client_id }, template: 'sync.transfer_cancelled_client', params: { domain: row.domain, reason } },
          { to: { kind: 'admins' }, template: 'sync.transfer_cancelled_admin', params: { domain: row.domain, reason, clientId: row.client_id } },
        ],
      }),
    );
    return applied ? { outcome: 'cancelled', detail: reason } : { outcome: 'raced' };
  }

  async applyRegistryFacts(row: SyncDomainRow, facts: RegistryFacts, ctx: ApplyContext): Promise<Applied> {
    if (row.status !== 'active') return { outcome: 'unchanged' };
    if (!facts.sponsoredByUs) return this.transferredAway(row, facts, ctx);
    if (facts.pendingTransferOut !== undefined && !ctx.dryRun) {
      await recordPendingTransferOut(this.deps.knex, row.id, row, facts.pendingTransferOut);
      // A transfer-out we knew of is gone and the domain is still ours: rejected or cancelled.
      if (facts.pendingTransferOut === null && row.transfer_out_gaining) await this.deps.codes.transferOutEnded(row.domain, row.registrar_id);
    }
    const newExpiry = facts.expiresAt?.getTime();
    if (newExpiry === undefined || newExpiry === row.expiry_date) return { outcome: 'unchanged' };
    const detail = `${row.expiry_date === null ? 'none' : new Date(row.expiry_date).toISOString()} → ${facts.expiresAt!.toISOString()}`;
    if (ctx.dryRun) return { outcome: 'expiry_changed', detail };
    const at = this.deps.clock.now();
    const changed = await transactionRetryingDeadlocks(this.deps.knex, async (trx) => {
      // Not a status change, but conditional all the same: only the writer that saw the old value wins.
      const updated = await trx('dt_domains')
        .where({ id: row.id, status: 'active' })
        .where((q) => (row.expiry_date === null ? q.whereNull('expiry_date') : q.where('expiry_date', row.expiry_date)))
        .update({ expiry_date: newExpiry, updated_at: at.getTime() });
      if (updated !== 1) return false;
      const previousExpiryDate = row.expiry_date === null ? null : new Date(row.expiry_date).toISOString();
      const event: OutgoingEvent = { name: 'domain.expiry.changed', facts: { ...this.facts(row, await this.refsOf(trx, row.id)), previousExpiryDate, expiryDate: facts.expiresAt!.toISOString() } };
      await this.deps.outbox.record(trx, [event], at);
      return true;
    });
    if (!changed) return { outcome: 'raced' };
    this.deps.queue.wake();
    return { outcome: 'expiry_changed', detail };
  }

  /**
   * The billing side goes first: both calls are idempotent, so if one fails the domain stays
   * active and the next run does it all again, instead of a departed domain left auto-renewing.
   */
  private async transferredAway(row: SyncDomainRow, facts: RegistryFacts, ctx: ApplyContext): Promise<Applied> {
    const detail = facts.gainingRegistrar ? `now at ${facts.gainingRegistrar}` : undefined;
    if (ctx.dryRun) return { outcome: 'transferred_away', detail };
    await this.deps.billing.setAutoRenew(row.client_id, row.domain, false);
    const invoicesCancelled = await this.deps.billing.cancelUnpaidRenewalInvoices(row.client_id, row.domain);
    const at = this.deps.clock.now();
    const params = { domain: row.domain, clientId: row.client_id, invoices: invoicesCancelled };
    const applied = await this.transition(
      row,
      {
        domainId: row.id,
        from: 'active',
        to: 'transferred_away',
        cause: 'sync.transferred_away',
        actor: ctx.actor,
        detail: [detail, `${invoicesCancelled} renewal invoice(s) cancelled`].filter(Boolean).join('; '),
        patch: { auto_renew: false, last_checked_at: at.getTime() },
        at,
      },
      ({ order, ...refs }): News => ({
        events: [{ name: 'domain.transferred_away', facts: { ...this.facts(row, refs), gainingRegistrar: facts.gainingRegistrar ?? null, renewalInvoicesCancelled: invoicesCancelled } }],
        messages: [
          { to: { kind: 'client', clientId: row.client_id }, template: 'sync.transferred_away_client', params },
          { to: { kind: 'admins' }, template: 'sync.transferred_away_admin', params },
        ],
        also: (trx) => this.deps.codes.transferredAway(trx, row.domain),
      }),
    );
    return applied ? { outcome: 'transferred_away', detail } : { outcome: 'raced' };
  }

  /**
   * A status change, the hooks that report it and the messages about it, in one transaction:
   * a change is never recorded without its news, nor the news without the change.
   */
  private async transition(
    row: SyncDomainRow,
    request: TransitionRequest,
    news: (order: DomainOrder) => News,
  ): Promise<boolean> {
    const applied = await transactionRetryingDeadlocks(this.deps.knex, async (trx) => {
      if (!(await transitionDomain(trx, request))) return false;
      const order = await this.orderOf(trx, row.id);
      const { events, messages, settle, also } = news(order);
      await also?.(trx);
      await this.deps.outbox.record(trx, events, request.at);
      await this.deps.notifications.enqueue(trx, messages);
      if (settle && order.order) await this.deps.settlements.record(trx, order.order, settle.cause, settle.reason, request.at);
      return true;
    });
    if (applied) this.deps.queue.wake();
    return applied;
  }

  /** The order the domain came in with (and the host's ids of it), if it came in with one. */
  private async orderOf(trx: Knex.Transaction, domainId: number): Promise<DomainOrder> {
    const order = await trx('dt_transfer_orders as o')
      .join('dt_domains as d', 'd.transfer_order_id', 'o.id')
      .where('d.id', domainId)
      .first('o.id', 'o.order_id', 'o.order_item_id', 'o.invoice_id', 'o.client_id', 'o.domain', 'o.amount_minor', 'o.currency');
    if (!order) return orderRefs(undefined);
    return { ...orderRefs(order), order: { ...order, id: Number(order.id), amount_minor: Number(order.amount_minor) } };
  }

  private async refsOf(trx: Knex.Transaction, domainId: number): Promise<HostOrderRefs> {
    const { order: _order, ...refs } = await this.orderOf(trx, domainId);
    return refs;
  }

  private facts(row: SyncDomainRow, refs: HostOrderRefs) {
    return { domain: row.domain, clientId: row.client_id, registrarId: row.registrar_id, ...refs };
  }
}
