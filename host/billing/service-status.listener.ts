import type { Knex } from 'knex';
import type {
  Clock,
  DomainEventBase,
  EventBus,
  TransferCancelledEvent,
  TransferCompletedEvent,
  TransferFailedEvent,
  TransferredAwayEvent,
  TransferRequestedEvent,
} from '../../module/index.ts';
import { parseId } from './billing.port.ts';

/**
 * The host's services follow the module's hooks, as a real platform's would: a paid transfer
 * is "transfer pending" until the domain arrives, then active; failed, cancelled or gone are
 * shown as such. Deliveries may repeat (at least once) and setting a status again changes
 * nothing; a listener that throws is retried by the module.
 */
export function followTransfersInServices(bus: EventBus, knex: Knex, clock: Clock): void {
  const set = async (status: string, event: DomainEventBase) => {
    const itemId = event.orderItemId === null ? null : parseId(event.orderItemId);
    const clientId = parseId(event.clientId);
    const target = itemId !== null ? { order_item_id: itemId } : clientId !== null ? { client_id: clientId, domain: event.domain } : null;
    if (!target) return;
    await knex('host_services').where(target).update({ status, updated_at: clock.now().getTime() });
  };
  bus.on('domain.transfer.requested', (event: TransferRequestedEvent) => set('pending_transfer', event));
  bus.on('domain.transfer.failed', (event: TransferFailedEvent) => set('transfer_failed', event));
  bus.on('domain.transfer.completed', (event: TransferCompletedEvent) => set('active', event));
  bus.on('domain.transfer.cancelled', (event: TransferCancelledEvent) => set('cancelled', event));
  bus.on('domain.transferred_away', (event: TransferredAwayEvent) => set('transferred_away', event));
}
