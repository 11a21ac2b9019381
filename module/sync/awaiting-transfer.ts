import type { Knex } from 'knex';
import type { Clock } from '../host-context.ts';
import type { ModuleNotifications } from '../notifications.ts';
import type { EventOutbox } from '../events/event-outbox.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { noteDomainEvent } from '../domains/domain-status.machine.ts';
import { writeProvisioningLog } from '../domains/provisioning-log.ts';
import { transactionRetryingDeadlocks } from '../database.ts';
import { orderRefs } from '../events/domain-events.ts';
import { refusalNotices } from '../transfer-in/transfer-order.service.ts';
import type { SyncDomainRow } from './status-applier.ts';

/**
 * A pending transfer-in that waits for someone rather than for the registry: the registrant's
 * answer to the registrar's confirmation email, or a corrected code after a registrar that
 * checks codes later (Alibaba Cloud's status 31) refused the one it was given.
 */
export class AwaitingTransfers {
  constructor(
    private readonly deps: { knex: Knex; clock: Clock; outbox: EventOutbox; notifications: ModuleNotifications; queue: JobQueue },
  ) {}

  /** Records what the transfer waits for (`null`: nothing), only when that changed. */
  async noteAwaiting(row: SyncDomainRow, awaiting: string | null): Promise<boolean> {
    if ((row.awaiting ?? null) === awaiting) return false;
    const updated = await this.deps.knex('dt_domains').where({ id: row.id, status: 'pending' }).update({ awaiting, updated_at: this.deps.clock.now().getTime() });
    return updated === 1;
  }

  /**
   * The code was refused after the registrar accepted the request: the paid order goes back to
   * waiting for a corrected code (the client is asked, as after an immediate refusal), the
   * domain stays pending, and nothing is charged again. False when the order had moved on.
   */
  async awaitCorrectedCode(row: SyncDomainRow, reason: string, actor: string): Promise<boolean> {
    const at = this.deps.clock.now();
    const code = 'auth_code_invalid';
    const applied = await transactionRetryingDeadlocks(this.deps.knex, async (trx) => {
      const order = await trx('dt_transfer_orders').where({ domain: row.domain, status: 'submitted' }).orderBy('id', 'desc').first('id', 'client_id', 'registrar_id', 'order_id', 'order_item_id', 'invoice_id');
      if (!order) return false;
      const reopened = await trx('dt_transfer_orders')
        .where({ id: order.id, status: 'submitted' })
        .update({ status: 'failed', open_domain: row.domain, failure_code: code, failure_reason: reason.slice(0, 2000), updated_at: at.getTime() });
      if (reopened !== 1) return false;
      await trx('dt_domains').where({ id: row.id, status: 'pending' }).update({ failure_code: code, failure_reason: reason.slice(0, 2000), awaiting: null, last_checked_at: at.getTime(), updated_at: at.getTime() });
      await noteDomainEvent(trx, { domainId: row.id, status: 'pending', cause: 'transfer.failed', actor, detail: `${code}: ${reason}` }, at);
      await writeProvisioningLog(trx, { domain: row.domain, transferOrderId: Number(order.id), registrarId: row.registrar_id, action: 'transfer.status', outcome: 'failed', message: `${code}: ${reason}` }, at);
      await this.deps.notifications.enqueue(trx, refusalNotices({ domain: row.domain, clientId: row.client_id, code, reason }));
      await this.deps.outbox.record(trx, [{ name: 'domain.transfer.failed', facts: { domain: row.domain, clientId: row.client_id, registrarId: row.registrar_id, ...orderRefs(order), code, reason } }], at);
      return true;
    });
    if (applied) this.deps.queue.wake();
    return applied;
  }
}
