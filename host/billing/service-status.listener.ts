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

interface Waiting {
  itemIds: number[];
  callers: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

/**
 * The host's services follow the module's hooks, as a real platform's would: a paid transfer
 * is "transfer pending" until the domain arrives, then active; failed, cancelled or gone are
 * shown as such. Deliveries may repeat (at least once) and setting a status again changes
 * nothing; a listener that throws is retried by the module.
 *
 * The module emits events of different domains together, so the updates that arrive in one
 * turn of the event loop are written as one statement per status: a batch of a thousand
 * accepted transfers costs a few statements, not a thousand commits.
 */
export function followTransfersInServices(bus: EventBus, knex: Knex, clock: Clock): void {
  let waiting = new Map<string, Waiting>();
  let scheduled = false;

  const flush = async () => {
    const now = waiting;
    waiting = new Map();
    scheduled = false;
    for (const [status, { itemIds, callers }] of now) {
      try {
        const ids = [...new Set(itemIds)];
        for (let i = 0; i < ids.length; i += 500) {
          await knex('host_services').whereIn('order_item_id', ids.slice(i, i + 500)).update({ status, updated_at: clock.now().getTime() });
        }
        for (const c of callers) c.resolve();
      } catch (error) {
        for (const c of callers) c.reject(error);
      }
    }
  };

  const set = async (status: string, event: DomainEventBase) => {
    const itemId = event.orderItemId === null ? null : parseId(event.orderItemId);
    if (itemId === null) {
      // A domain that came without an order (adopted, imported): its service, if any, by name.
      const clientId = parseId(event.clientId);
      if (clientId === null) return;
      await knex('host_services').where({ client_id: clientId, domain: event.domain }).update({ status, updated_at: clock.now().getTime() });
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const entry = waiting.get(status) ?? { itemIds: [], callers: [] };
      entry.itemIds.push(itemId);
      entry.callers.push({ resolve, reject });
      waiting.set(status, entry);
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => void flush());
      }
    });
  };
  bus.on('domain.transfer.requested', (event: TransferRequestedEvent) => set('pending_transfer', event));
  bus.on('domain.transfer.failed', (event: TransferFailedEvent) => set('transfer_failed', event));
  bus.on('domain.transfer.completed', (event: TransferCompletedEvent) => set('active', event));
  bus.on('domain.transfer.cancelled', (event: TransferCancelledEvent) => set('cancelled', event));
  bus.on('domain.transferred_away', (event: TransferredAwayEvent) => set('transferred_away', event));
}
