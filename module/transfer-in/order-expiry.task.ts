import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Clock } from '../host-context.ts';
import type { ModuleConfig } from '../config.ts';
import type { ScheduledTask } from '../../cron/scheduled-task.ts';
import type { TransferOrderRow, TransferOrderService } from './transfer-order.service.ts';

export const EXPIRE_ORDERS_TASK_ID = 'expire-transfer-orders';
const DAY_MS = 24 * 60 * 60 * 1000;
const PAGE = 200;

export interface OrderExpirySummary {
  /** Unpaid orders cancelled (their host orders and invoices cancelled too). */
  expiredUnpaid: number;
  /** Failed orders nobody corrected or cancelled: ended, their payment settled. */
  abandoned: number;
  durationMs: number;
}

/**
 * Releases domains held by orders nobody will finish: unpaid after `orders.unpaidExpiryDays`,
 * failed and left alone after `orders.abandonFailedAfterDays` (a paid order: its payment is
 * settled like any cancel). Each order ends through TransferOrderService.end, so a client who
 * pays or corrects the code at the same moment wins, and the order is left alone.
 */
export function createOrderExpiryTask(deps: { knex: Knex; clock: Clock; logger: Logger; orders: ModuleConfig['orders']; transferOrders: TransferOrderService }): ScheduledTask<OrderExpirySummary> {
  const { knex, clock, orders, transferOrders } = deps;

  async function endOlderThan(status: TransferOrderRow['status'], days: number, how: { by: 'expiry'; reason: string }, signal?: AbortSignal): Promise<number> {
    const before = clock.now().getTime() - days * DAY_MS;
    let ended = 0;
    let afterId = 0;
    for (;;) {
      if (signal?.aborted) return ended;
      const page: TransferOrderRow[] = await knex('dt_transfer_orders').where({ status }).andWhere('updated_at', '<', before).andWhere('id', '>', afterId).orderBy('id').limit(PAGE);
      for (const order of page) {
        if (await transferOrders.end(order, { actor: 'expiry', ...how })) ended++;
      }
      if (page.length < PAGE) return ended;
      afterId = page[page.length - 1]!.id;
    }
  }

  return {
    id: EXPIRE_ORDERS_TASK_ID,
    schedule: 'every 60 min',
    timezone: 'UTC',
    description: 'Cancels unpaid transfer orders and abandoned failed ones, releasing their domains.',
    async execute({ signal }) {
      const started = Date.now();
      const expiredUnpaid = await endOlderThan('awaiting_payment', orders.unpaidExpiryDays, { by: 'expiry', reason: `not paid within ${orders.unpaidExpiryDays} days` }, signal);
      const abandoned = await endOlderThan('failed', orders.abandonFailedAfterDays, { by: 'expiry', reason: `not corrected or cancelled within ${orders.abandonFailedAfterDays} days` }, signal);
      if (expiredUnpaid || abandoned) deps.logger.info({ expiredUnpaid, abandoned }, 'expired transfer orders');
      return { expiredUnpaid, abandoned, durationMs: Date.now() - started };
    },
  };
}
