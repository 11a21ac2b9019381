import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { BillingPort, Clock } from '../host-context.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { JobHandler } from '../jobs/job-types.ts';
import type { ModuleNotifications } from '../notifications.ts';
import { ConflictError, NotFoundError } from '../errors.ts';

export const CREDIT_ORDER_ITEM_JOB = 'CreditOrderItemJob';

/** Why a paid transfer ended without the domain. */
export type SettlementCause = 'cancelled_by_client' | 'cancelled_by_admin' | 'rejected' | 'abandoned';

export type SettlementStatus = 'crediting' | 'credited' | 'awaiting_admin' | 'settled_elsewhere';

/** What the config says to do with the money: credit at once, or let an admin decide. */
export type PaidTransferPolicy = 'credit' | 'admin_decides';

export interface SettlementRow {
  id: number;
  transfer_order_id: number;
  order_item_id: string;
  client_id: string;
  domain: string;
  amount_minor: number;
  currency: string;
  cause: SettlementCause;
  reason: string | null;
  status: SettlementStatus;
  credit_id: string | null;
  decided_by: string | null;
  note: string | null;
  settled_at: number | null;
  created_at: number;
}

/** The order a settlement is for: what was paid, by whom, for which host order item. */
export interface PaidOrder {
  id: number;
  order_item_id: string;
  client_id: string;
  domain: string;
  amount_minor: number;
  currency: string;
}

/** The key the host's billing sees: the same for every attempt at crediting one order item. */
export const creditIdempotencyKey = (orderItemId: string) => `domain-transfers:credit:${orderItemId}`;

/**
 * The money side of a paid transfer that ended without the domain. `record` writes, in the
 * transaction that ends the transfer, one settlement per order (a unique key, so racing
 * cancels make one) and, under the `credit` policy, a CreditOrderItemJob that asks the host's
 * billing to credit the client, retried until it does; under `admin_decides`, the admins are
 * told and the domain page offers Credit or "settled elsewhere".
 */
export class PaidTransferSettlements {
  constructor(
    private readonly deps: {
      knex: Knex;
      clock: Clock;
      billing: BillingPort;
      queue: JobQueue;
      notifications: ModuleNotifications;
      logger: Logger;
      policy: PaidTransferPolicy;
    },
  ) {}

  get policy(): PaidTransferPolicy {
    return this.deps.policy;
  }

  /** Returns false when the order was settled already (another ending won the race). */
  async record(trx: Knex.Transaction, order: PaidOrder, cause: SettlementCause, reason: string, at: Date): Promise<boolean> {
    const crediting = this.deps.policy === 'credit';
    // The caller's conditional update already picked one ending per order; the unique key on
    // transfer_order_id turns any other into a failed transaction rather than a second credit.
    if (await trx('dt_order_settlements').where({ transfer_order_id: order.id }).first('id')) return false;
    await trx('dt_order_settlements').insert({
      transfer_order_id: order.id,
      order_item_id: order.order_item_id,
      client_id: order.client_id,
      domain: order.domain,
      amount_minor: order.amount_minor,
      currency: order.currency,
      cause,
      reason: reason.slice(0, 2000),
      status: crediting ? 'crediting' : 'awaiting_admin',
      created_at: at.getTime(),
      updated_at: at.getTime(),
    });
    if (crediting) {
      await this.deps.queue.enqueueAll(trx, [{ type: CREDIT_ORDER_ITEM_JOB, key: `credit:${order.order_item_id}`, payload: { transferOrderId: order.id } }]);
    } else {
      const params = { domain: order.domain, clientId: order.client_id, amount: formatMoney(order.amount_minor, order.currency), reason };
      await this.deps.notifications.enqueue(trx, [{ to: { kind: 'admins' }, template: 'settlement.awaiting_admin', params }]);
    }
    return true;
  }

  async forOrder(transferOrderId: number): Promise<SettlementRow | undefined> {
    return this.deps.knex('dt_order_settlements').where({ transfer_order_id: transferOrderId }).first();
  }

  /** Admin → Credit, for `admin_decides`: the same job the `credit` policy queues, once. */
  async adminCredit(transferOrderId: number, actor: string): Promise<void> {
    const at = this.deps.clock.now().getTime();
    const moved = await this.deps.knex.transaction(async (trx) => {
      const updated = await trx('dt_order_settlements')
        .where({ transfer_order_id: transferOrderId, status: 'awaiting_admin' })
        .update({ status: 'crediting', decided_by: actor, updated_at: at });
      if (updated !== 1) return false;
      const row = await trx('dt_order_settlements').where({ transfer_order_id: transferOrderId }).first('order_item_id');
      await this.deps.queue.enqueueAll(trx, [{ type: CREDIT_ORDER_ITEM_JOB, key: `credit:${row.order_item_id}`, payload: { transferOrderId } }]);
      return true;
    });
    if (!moved) throw this.notAwaiting(transferOrderId);
    this.deps.queue.wake();
  }

  /** Admin → "refunded another way" (to the card, by bank transfer): recorded with the admin's note. */
  async settleElsewhere(transferOrderId: number, actor: string, note: string): Promise<void> {
    const at = this.deps.clock.now().getTime();
    const updated = await this.deps
      .knex('dt_order_settlements')
      .where({ transfer_order_id: transferOrderId, status: 'awaiting_admin' })
      .update({ status: 'settled_elsewhere', decided_by: actor, note: note.slice(0, 1000), settled_at: at, updated_at: at });
    if (updated !== 1) throw this.notAwaiting(transferOrderId);
  }

  private notAwaiting(transferOrderId: number): Error {
    return new ConflictError('settlement:errors.not_awaiting', { id: transferOrderId });
  }

  /** Asks the host to credit the client; throwing retries it. The host dedupes by the idempotency key. */
  readonly creditJob: JobHandler = {
    run: async (payload, context) => {
      context.releaseSlot();
      const settlement = await this.forOrder(Number(payload.transferOrderId));
      if (!settlement) throw new NotFoundError();
      if (settlement.status !== 'crediting') return;
      const { billing } = this.deps;
      if (!billing.creditOrderItem) throw new Error('billing.creditOrderItem is not available; set billing.onPaidTransferEnded to "admin_decides"');
      const credit = await billing.creditOrderItem({
        orderItemId: settlement.order_item_id,
        clientId: settlement.client_id,
        amountMinor: Number(settlement.amount_minor),
        currency: settlement.currency,
        reason: `Transfer of ${settlement.domain} did not complete: ${settlement.reason ?? settlement.cause}`,
        idempotencyKey: creditIdempotencyKey(settlement.order_item_id),
      });
      const at = this.deps.clock.now().getTime();
      await this.deps.knex.transaction(async (trx) => {
        const updated = await trx('dt_order_settlements')
          .where({ id: settlement.id, status: 'crediting' })
          .update({ status: 'credited', credit_id: String(credit.creditId).slice(0, 128), settled_at: at, updated_at: at });
        if (updated !== 1) return;
        await this.deps.notifications.enqueue(trx, [
          {
            to: { kind: 'client', clientId: settlement.client_id },
            template: 'settlement.credited',
            params: { domain: settlement.domain, amount: formatMoney(Number(settlement.amount_minor), settlement.currency) },
          },
        ]);
      });
      this.deps.queue.wake();
    },
  };
}

/** `USD 10.99` in messages: the currency code and the amount, readable in every language. */
export function formatMoney(minor: number, currency: string): string {
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // an unknown currency keeps two decimals
  }
  return `${currency} ${(minor / 10 ** digits).toFixed(digits)}`;
}
