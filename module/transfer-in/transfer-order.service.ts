import { Ajv } from 'ajv';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { BillingPort, Clock, InvoicePaidEvent } from '../host-context.ts';
import type { ModuleConfig } from '../config.ts';
import type { SecretBox } from '../secret-box.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { ModuleNotifications, QueuedNotification } from '../notifications.ts';
import { ConflictError, InputError, NotFoundError } from '../errors.ts';
import { normalizeDomain, validateEppCode } from './domain-name.ts';
import type { TransferEligibility } from './transfer-eligibility.service.ts';
import { noteDomainEvent, transitionDomain } from '../domains/domain-status.machine.ts';
import type { EventOutbox } from '../events/event-outbox.ts';
import type { PaidTransferSettlements } from '../billing/settlements.ts';
import { orderRefs } from '../events/domain-events.ts';

export const TRANSFER_DOMAIN_JOB = 'TransferDomainJob';

const ajv = new Ajv({ strict: true, allErrors: false });
const validateOrderForm = ajv.compile({
  type: 'object',
  required: ['domain', 'eppCode'],
  properties: {
    domain: { type: 'string', maxLength: 300 },
    eppCode: { type: 'string', maxLength: 1000 },
    _csrf: { type: 'string' },
    action: { type: 'string' },
  },
  additionalProperties: false,
});

export interface TransferOrderRow {
  id: number;
  order_item_id: string;
  order_id: string;
  invoice_id: string;
  client_id: string;
  domain: string;
  registrar_id: string;
  amount_minor: number;
  currency: string;
  status: 'awaiting_payment' | 'queued' | 'submitted' | 'failed' | 'cancelled';
  dispatch_count: number;
  /** Corrected codes the client has sent (transferIn.codeResubmissionsPerOrder caps them). */
  code_resubmissions: number;
  epp_code_ciphertext: string | null;
  failure_code: string | null;
  failure_reason: string | null;
  created_at: number;
  updated_at: number;
}

/** The EPP code is bound to the order item and the domain it was given for. */
export function eppCodeAad(order: Pick<TransferOrderRow, 'order_item_id' | 'domain'>): string {
  return `transfer-order:${order.order_item_id}:${order.domain}`;
}

export function transferJobKey(orderItemId: string, dispatch: number): string {
  return `transfer-domain:${orderItemId}:${dispatch}`;
}

/**
 * Transfer-in orders: placing one (validated and checked before any invoice), turning a paid
 * invoice into exactly one job, and dispatching again after a corrected code or an admin retry.
 */
export class TransferOrderService {
  constructor(
    private readonly deps: {
      knex: Knex;
      config: ModuleConfig;
      billing: BillingPort;
      clock: Clock;
      logger: Logger;
      secretBox: SecretBox;
      queue: JobQueue;
      eligibility: TransferEligibility;
      notifications: ModuleNotifications;
      outbox: EventOutbox;
      settlements: PaidTransferSettlements;
    },
  ) {}

  /** Parses the order form; throws InputError (422) naming the field, before anything is written. */
  parseOrderForm(body: unknown): { domain: ReturnType<typeof normalizeDomain>; eppCode: string } {
    if (!validateOrderForm(body)) {
      const error = validateOrderForm.errors?.[0];
      const field = error?.keyword === 'required' ? (error.params as { missingProperty: string }).missingProperty : error?.instancePath.slice(1);
      if (field === 'eppCode') throw new InputError('transfer:errors.code_required', {}, 'eppCode');
      if (field === 'domain') throw new InputError('transfer:errors.domain_required', {}, 'domain');
      throw new InputError('errors.bad_request');
    }
    const form = body as { domain: string; eppCode: string };
    return { domain: normalizeDomain(form.domain), eppCode: validateEppCode(form.eppCode) };
  }

  async placeOrder(clientId: string, body: unknown): Promise<{ order: TransferOrderRow; invoiceUrl: string }> {
    const { domain, eppCode } = this.parseOrderForm(body);
    const quote = await this.deps.eligibility.check(domain, clientId);
    const created = await this.deps.billing.createTransferOrder({
      clientId,
      domain: domain.domain,
      amountMinor: quote.amountMinor,
      currency: quote.currency,
      description: `Domain transfer: ${domain.unicode} (includes 1-year renewal)`,
    });
    const now = this.deps.clock.now().getTime();
    const row = {
      order_item_id: created.orderItemId,
      order_id: created.orderId,
      invoice_id: created.invoiceId,
      invoice_url: created.invoiceUrl,
      client_id: clientId,
      domain: domain.domain,
      open_domain: domain.domain,
      registrar_id: quote.registrarId,
      amount_minor: quote.amountMinor,
      currency: quote.currency,
      status: 'awaiting_payment',
      dispatch_count: 0,
      code_resubmissions: 0,
      epp_code_ciphertext: this.deps.secretBox.seal(eppCode, eppCodeAad({ order_item_id: created.orderItemId, domain: domain.domain })),
      created_at: now,
      updated_at: now,
    };
    try {
      await this.deps.knex('dt_transfer_orders').insert(row);
    } catch (error) {
      // Another order for this domain won the race (unique open_domain): undo the host's order.
      await this.deps.billing.cancelOrder(created.orderId, 'duplicate transfer order');
      // Whose it is, nobody is told: the loser hears only that it cannot be ordered now.
      if (isUniqueViolation(error)) throw new ConflictError('rules:not_available', { domain: domain.unicode });
      throw error;
    }
    const order = (await this.deps.knex('dt_transfer_orders').where({ order_item_id: created.orderItemId }).first()) as TransferOrderRow;
    return { order, invoiceUrl: created.invoiceUrl };
  }

  /**
   * The host's invoice.paid hook. Only a full payment counts. The conditional update and the
   * job's unique key together make duplicate or concurrent events produce one job.
   */
  async onInvoicePaid(event: InvoicePaidEvent): Promise<number> {
    if (!event?.paidInFull || !Array.isArray(event.items)) return 0;
    const itemIds = event.items.map((i) => String(i.orderItemId));
    const orders: TransferOrderRow[] = await this.deps.knex('dt_transfer_orders').whereIn('order_item_id', itemIds).andWhere('status', 'awaiting_payment');
    if (!orders.length) return 0;
    const invoice = await this.deps.billing.getInvoice(String(event.invoiceId));
    if (invoice?.status !== 'paid' || invoice.paidMinor < invoice.totalMinor) return 0;
    let queued = 0;
    for (let i = 0; i < orders.length; i += PAID_CHUNK) queued += await this.dispatchPaid(orders.slice(i, i + PAID_CHUNK));
    return queued;
  }

  /**
   * Paid orders to queued, each with its first TransferDomainJob: a bulk invoice of thousands
   * of lines takes one transaction per chunk, not one per line. When another process moved any
   * of the chunk meanwhile, the chunk is undone and each order dispatched on its own.
   */
  private async dispatchPaid(orders: TransferOrderRow[]): Promise<number> {
    const now = this.deps.clock.now().getTime();
    const whole = await this.deps.knex
      .transaction(async (trx) => {
        const changed = await trx('dt_transfer_orders')
          .whereIn('id', orders.map((order) => order.id))
          .where({ status: 'awaiting_payment', dispatch_count: 0 })
          .update({ status: 'queued', dispatch_count: 1, failure_code: null, failure_reason: null, updated_at: now });
        if (changed !== orders.length) throw new ChunkRaced();
        const jobs = orders.map((order) => ({ type: TRANSFER_DOMAIN_JOB, key: transferJobKey(order.order_item_id, 1), payload: { transferOrderId: order.id, clientId: order.client_id, dispatch: 1 } }));
        await this.deps.queue.enqueueAll(trx, jobs);
        return true;
      })
      .catch((error: unknown) => {
        if (error instanceof ChunkRaced) return false;
        throw error;
      });
    if (whole) {
      this.deps.queue.wake();
      return orders.length;
    }
    let queued = 0;
    for (const order of orders) if (await this.dispatch(order, 'awaiting_payment')) queued++;
    return queued;
  }

  /** Moves an order to queued and enqueues its next job, atomically; false when someone else did. */
  private async dispatch(order: TransferOrderRow, expectedStatus: TransferOrderRow['status'], patch: Record<string, unknown> = {}, note?: { cause: string; actor: string }): Promise<boolean> {
    const now = this.deps.clock.now().getTime();
    const next = order.dispatch_count + 1;
    const won = await this.deps.knex.transaction(async (trx) => {
      const updated = await trx('dt_transfer_orders')
        .where({ id: order.id, status: expectedStatus, dispatch_count: order.dispatch_count })
        .update({ ...patch, status: 'queued', dispatch_count: next, failure_code: null, failure_reason: null, updated_at: now });
      if (updated !== 1) return false;
      await trx('dt_domains').where({ transfer_order_id: order.id, status: 'pending' }).update({ failure_code: null, failure_reason: null, updated_at: now });
      const domainRow = note ? await trx('dt_domains').where({ transfer_order_id: order.id, status: 'pending' }).first('id') : undefined;
      if (note && domainRow) await noteDomainEvent(trx, { domainId: Number(domainRow.id), status: 'pending', ...note }, this.deps.clock.now());
      await this.deps.queue.enqueue(TRANSFER_DOMAIN_JOB, transferJobKey(order.order_item_id, next), { transferOrderId: order.id, clientId: order.client_id, dispatch: next }, { trx });
      return true;
    });
    if (won) this.deps.queue.wake();
    return won;
  }

  async findOpenOrderForDomain(domain: string): Promise<TransferOrderRow | undefined> {
    return this.deps.knex('dt_transfer_orders').where({ open_domain: domain }).first();
  }

  get codesAllowed(): number {
    return this.deps.config.transferIn.codeResubmissionsPerOrder;
  }

  /** Corrected codes the client may still send for this order (none when a code cannot help). */
  codesLeft(order: { code_resubmissions?: unknown }): number {
    return Math.max(0, this.deps.config.transferIn.codeResubmissionsPerOrder - Number(order.code_resubmissions ?? 0));
  }

  /** The client gives a corrected EPP code after a final failure: re-sealed and re-queued. */
  async resubmitCode(clientId: string, domain: string, rawCode: unknown): Promise<void> {
    const order = await this.findOpenOrderForDomain(domain);
    if (!order || order.client_id !== clientId) throw new NotFoundError();
    if (order.status !== 'failed') throw new ConflictError('transfer:errors.not_awaiting_code', { domain });
    if (awaitsAdmin(order)) throw new ConflictError('transfer:errors.code_not_the_problem', { domain });
    // Each corrected code is a request from our registrar account: guessing is capped.
    if (this.codesLeft(order) === 0) throw new ConflictError('transfer:errors.code_resubmissions_used', { count: this.deps.config.transferIn.codeResubmissionsPerOrder });
    const eppCode = validateEppCode(rawCode);
    const ciphertext = this.deps.secretBox.seal(eppCode, eppCodeAad(order));
    const patch = { epp_code_ciphertext: ciphertext, code_resubmissions: Number(order.code_resubmissions) + 1 };
    if (!(await this.dispatch(order, 'failed', patch, { cause: 'transfer.resubmitted', actor: `client:${clientId}` }))) {
      throw new ConflictError('transfer:errors.not_awaiting_code', { domain });
    }
  }

  /** Admin → Services → [domain] → Actions → Transfer: a new job with the code on file. */
  async adminDispatch(domain: string, actor = 'admin'): Promise<void> {
    const order = await this.findOpenOrderForDomain(domain);
    if (!order) throw new NotFoundError();
    if (order.status !== 'failed') throw new ConflictError('transfer:errors.not_retryable', { status: order.status });
    if (!order.epp_code_ciphertext) throw new ConflictError('transfer:errors.code_missing');
    if (!(await this.dispatch(order, 'failed', {}, { cause: 'transfer.redispatched', actor }))) throw new ConflictError('transfer:errors.not_retryable', { status: order.status });
  }

  /** A client or an admin abandons an unpaid or failed transfer; see `end`. */
  async cancel(domain: string, actor: string, clientId?: string): Promise<void> {
    const order = await this.findOpenOrderForDomain(domain);
    if (!order || (clientId !== undefined && order.client_id !== clientId)) throw new NotFoundError();
    if (!ENDABLE.includes(order.status)) throw new ConflictError('transfer:errors.not_cancellable', { status: order.status });
    if (order.status === 'awaiting_payment' && (await this.partPaid(order))) throw new ConflictError('transfer:errors.invoice_part_paid');
    const by = clientId === undefined ? 'admin' : 'client';
    if (!(await this.end(order, { actor, by, reason: `cancelled by the ${by}` }))) {
      throw new ConflictError('transfer:errors.not_cancellable', { status: order.status });
    }
  }

  /**
   * Ends an unpaid or failed order without the domain, in one transaction: the EPP code purged,
   * a pending domain row cancelled, `domain.transfer.cancelled` for the host, and for a paid
   * order its settlement (credit, or the admin's decision). An unpaid host order is cancelled
   * afterwards. False when the order had moved on (another cancel, a corrected code) meanwhile.
   */
  async end(order: TransferOrderRow, how: { actor: string; by: 'client' | 'admin' | 'expiry'; reason: string }): Promise<boolean> {
    const at = this.deps.clock.now();
    // Only a paid order is ever dispatched, so a failed one was paid.
    const paid = order.status === 'failed';
    // Money is on an invoice not yet paid in full: cancelling it would lose that payment.
    if (!paid && (await this.partPaid(order))) {
      this.deps.logger.warn({ orderId: order.order_id, invoiceId: order.invoice_id }, 'an unpaid transfer order was not ended: its invoice is partly paid; an admin settles it');
      return false;
    }
    const ended = await this.deps.knex.transaction(async (trx) => {
      const updated = await trx('dt_transfer_orders')
        .where({ id: order.id, status: order.status })
        .update({ status: 'cancelled', open_domain: null, epp_code_ciphertext: null, epp_code_purged_at: at.getTime(), updated_at: at.getTime() });
      if (updated !== 1) return false;
      const domainRow = await trx('dt_domains').where({ transfer_order_id: order.id, status: 'pending' }).first('id');
      if (domainRow) {
        await transitionDomain(trx, { domainId: domainRow.id, from: 'pending', to: 'cancelled', cause: 'transfer.cancelled', actor: how.actor, detail: how.reason, at });
      }
      const facts = { domain: order.domain, clientId: order.client_id, registrarId: order.registrar_id, ...orderRefs(order) };
      await this.deps.outbox.record(trx, [{ name: 'domain.transfer.cancelled', facts: { ...facts, cancelledBy: how.by, reason: how.reason, paid } }], at);
      if (paid) await this.deps.settlements.record(trx, order, SETTLEMENT_CAUSE[how.by], how.reason, at);
      return true;
    });
    if (!ended) return false;
    this.deps.queue.wake();
    if (!paid) await this.cancelHostOrder(order, how.reason);
    return true;
  }

  private async partPaid(order: TransferOrderRow): Promise<boolean> {
    const invoice = await this.deps.billing.getInvoice(order.invoice_id);
    return invoice?.status === 'unpaid' && invoice.paidMinor > 0;
  }

  /**
   * An order of one line is cancelled with its invoice. A line of a bulk order whose other
   * lines are still waiting for payment comes off the invoice alone; the last one cancels it.
   */
  private async cancelHostOrder(order: TransferOrderRow, reason: string): Promise<void> {
    const { billing, knex } = this.deps;
    const others = billing.cancelOrderItem ? await knex('dt_transfer_orders').where({ order_id: order.order_id, status: 'awaiting_payment' }).whereNot({ id: order.id }).first('id') : undefined;
    if (others) await billing.cancelOrderItem!(order.order_item_id, reason);
    else await billing.cancelOrder(order.order_id, reason);
  }
}

/** Paid orders moved to queued per transaction. */
const PAID_CHUNK = 200;

/** A chunk of paid orders of which another process had moved some: undone, then one by one. */
class ChunkRaced extends Error {}

/** Orders a client or admin may end: not paid yet, or paid and refused by the registry. */
const ENDABLE: ReadonlyArray<TransferOrderRow['status']> = ['awaiting_payment', 'failed'];

const SETTLEMENT_CAUSE = { client: 'cancelled_by_client', admin: 'cancelled_by_admin', expiry: 'abandoned' } as const;

export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; errno?: number; message?: string };
  return e?.code === 'ER_DUP_ENTRY' || e?.errno === 1062 || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(e?.message ?? '');
}

/**
 * Refusals a corrected EPP code cannot cure, with the notices they send: the registry would
 * not let our registrar act on the domain (EPP 2201), or asks a premium price above the
 * registrar's limit. The client is not asked for another code; the order waits for an admin.
 */
export const REFUSALS_FOR_ADMIN: ReadonlyMap<string, string> = new Map([
  ['not_authorized', 'transfer.refused_for_admin'],
  ['premium_price', 'transfer.premium_price'],
]);

/**
 * The messages a transfer's refusal sends: to the admins, and to the client (asked for a
 * corrected code, or told an admin takes it from here). Whoever saw the refusal (the job at
 * request time, the sync afterwards) says it the same way.
 */
export function refusalNotices(refusal: { domain: string; clientId: string; code: string; reason: string }, locale?: string): QueuedNotification[] {
  const facts = { domain: refusal.domain, code: refusal.code, reason: refusal.reason };
  // A refusal a corrected code cannot cure goes to the admins; the client is not asked for one.
  const notice = REFUSALS_FOR_ADMIN.get(refusal.code) ?? 'transfer.failed';
  return [
    { to: { kind: 'admins' }, template: `${notice}_admin`, params: { ...facts, clientId: refusal.clientId } },
    { to: { kind: 'client', clientId: refusal.clientId }, template: `${notice}_client`, params: facts, locale },
  ];
}

export function awaitsAdmin(order: { status?: unknown; failure_code?: unknown }): boolean {
  return order.status === 'failed' && REFUSALS_FOR_ADMIN.has(String(order.failure_code));
}
