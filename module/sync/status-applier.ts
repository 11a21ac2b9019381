import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { BillingPort, Clock, EventBus } from '../host-context.ts';
import type { ModuleNotifications } from '../notifications.ts';
import type { TransferStatus } from '../../registrar-adapters/types.ts';
import { transitionDomain } from '../domains/domain-status.machine.ts';
import type { SyncOutcome } from './sync-summary.ts';
import type { DomainRow } from '../domains/domain.queries.ts';

/** The columns a sync reads for each domain. */
export type SyncDomainRow = Pick<DomainRow, 'id' | 'domain' | 'client_id' | 'registrar_id' | 'registrar_ref' | 'status' | 'expiry_date' | 'failure_code'>;

export const SYNC_COLUMNS = ['id', 'domain', 'client_id', 'registrar_id', 'registrar_ref', 'status', 'expiry_date', 'failure_code'] as const;

export function normalizeSyncRow(row: Record<string, any>): SyncDomainRow {
  return { ...(row as SyncDomainRow), id: Number(row.id), expiry_date: row.expiry_date === null ? null : Number(row.expiry_date) };
}

/** What the registry says about one of our active domains. */
export interface RegistryFacts {
  sponsoredByUs: boolean;
  expiresAt?: Date;
  gainingRegistrar?: string;
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
      events: EventBus;
      billing: BillingPort;
      notifications: ModuleNotifications;
      logger: Logger;
    },
  ) {}

  async applyTransferStatus(row: SyncDomainRow, status: TransferStatus, ctx: ApplyContext): Promise<Applied> {
    if (row.status !== 'pending' || status.kind === 'pending') return { outcome: 'unchanged' };
    const at = this.deps.clock.now();
    const base = { domain: row.domain, domainId: row.id, clientId: row.client_id, registrarId: row.registrar_id };
    if (status.kind === 'completed') {
      const detail = status.expiryDate.toISOString();
      if (ctx.dryRun) return { outcome: 'completed', detail };
      const applied = await transitionDomain(this.deps.knex, {
        domainId: row.id,
        from: 'pending',
        to: 'active',
        cause: 'transfer.completed',
        actor: ctx.actor,
        detail: `expiry ${detail}`,
        patch: { expiry_date: status.expiryDate.getTime(), failure_code: null, failure_reason: null, last_checked_at: at.getTime() },
        at,
      });
      if (!applied) return { outcome: 'raced' };
      await this.emit('domain.transfer.completed', { ...base, expiryDate: status.expiryDate });
      await this.deps.notifications.send({ kind: 'client', clientId: row.client_id }, 'sync.transfer_completed', { domain: row.domain, expiryDate: detail.slice(0, 10) });
      return { outcome: 'completed', detail };
    }
    const reason = status.reason || 'The transfer was rejected.';
    if (ctx.dryRun) return { outcome: 'cancelled', detail: reason };
    const applied = await transitionDomain(this.deps.knex, {
      domainId: row.id,
      from: 'pending',
      to: 'cancelled',
      cause: 'transfer.rejected',
      actor: ctx.actor,
      detail: reason,
      patch: { failure_code: 'transfer_rejected', failure_reason: reason, last_checked_at: at.getTime() },
      at,
    });
    if (!applied) return { outcome: 'raced' };
    await this.emit('domain.transfer.cancelled', { ...base, reason });
    await this.deps.notifications.send({ kind: 'client', clientId: row.client_id }, 'sync.transfer_cancelled_client', { domain: row.domain, reason });
    await this.deps.notifications.send({ kind: 'admins' }, 'sync.transfer_cancelled_admin', { domain: row.domain, reason, clientId: row.client_id });
    return { outcome: 'cancelled', detail: reason };
  }

  async applyRegistryFacts(row: SyncDomainRow, facts: RegistryFacts, ctx: ApplyContext): Promise<Applied> {
    if (row.status !== 'active') return { outcome: 'unchanged' };
    if (!facts.sponsoredByUs) return this.transferredAway(row, facts, ctx);
    const newExpiry = facts.expiresAt?.getTime();
    if (newExpiry === undefined || newExpiry === row.expiry_date) return { outcome: 'unchanged' };
    const detail = `${row.expiry_date === null ? 'none' : new Date(row.expiry_date).toISOString()} → ${facts.expiresAt!.toISOString()}`;
    if (ctx.dryRun) return { outcome: 'expiry_changed', detail };
    // Not a status change, but conditional all the same: only the writer that saw the old value wins.
    const updated = await this.deps
      .knex('dt_domains')
      .where({ id: row.id, status: 'active' })
      .where((q) => (row.expiry_date === null ? q.whereNull('expiry_date') : q.where('expiry_date', row.expiry_date)))
      .update({ expiry_date: newExpiry, updated_at: this.deps.clock.now().getTime() });
    if (updated !== 1) return { outcome: 'raced' };
    await this.emit('domain.expiry.changed', {
      domain: row.domain,
      domainId: row.id,
      clientId: row.client_id,
      registrarId: row.registrar_id,
      oldExpiryDate: row.expiry_date === null ? null : new Date(row.expiry_date),
      newExpiryDate: facts.expiresAt,
    });
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
    const applied = await transitionDomain(this.deps.knex, {
      domainId: row.id,
      from: 'active',
      to: 'transferred_away',
      cause: 'sync.transferred_away',
      actor: ctx.actor,
      detail: [detail, `${invoicesCancelled} renewal invoice(s) cancelled`].filter(Boolean).join('; '),
      patch: { auto_renew: false, last_checked_at: at.getTime() },
      at,
    });
    if (!applied) return { outcome: 'raced' };
    await this.emit('domain.transferred_away', {
      domain: row.domain,
      domainId: row.id,
      clientId: row.client_id,
      registrarId: row.registrar_id,
      gainingRegistrar: facts.gainingRegistrar ?? null,
      renewalInvoicesCancelled: invoicesCancelled,
    });
    const params = { domain: row.domain, clientId: row.client_id, invoices: invoicesCancelled };
    await this.deps.notifications.send({ kind: 'client', clientId: row.client_id }, 'sync.transferred_away_client', params);
    await this.deps.notifications.send({ kind: 'admins' }, 'sync.transferred_away_admin', params);
    return { outcome: 'transferred_away', detail };
  }

  /** The change is committed; a failing host hook is logged, not allowed to undo the run. */
  private async emit(event: string, payload: Record<string, unknown>): Promise<void> {
    try {
      await this.deps.events.emit(event, payload);
    } catch (error) {
      this.deps.logger.error({ err: error, event, domain: payload.domain }, 'a host hook failed after a sync change');
    }
  }
}
