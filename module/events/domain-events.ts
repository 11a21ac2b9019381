/**
 * The hooks the module emits on the host's event bus, and their payloads.
 *
 * Facts (everything but `domain.transfer.before`) are written to the module's outbox in the
 * same transaction as the change they report, then delivered by the job workers at least
 * once: a listener that throws gets the event again later, with backoff. Hosts dedupe by
 * `eventId`. Events of one domain are delivered in the order they happened; a later one
 * waits while an earlier one is still owed.
 *
 * `domain.transfer.before` is a question, not a fact: it is emitted synchronously just before
 * the registrar is asked, and a listener may stop the transfer with `abort(reason)`.
 */

/** The host's own ids for the transfer order behind a domain; null when there is none (an adopted domain). */
export interface HostOrderRefs {
  orderId: string | null;
  orderItemId: string | null;
  invoiceId: string | null;
}

export interface DomainEventBase extends HostOrderRefs {
  /** A UUID, unique per event. The same event may arrive twice; handle it once. */
  eventId: string;
  /** ISO 8601 time of the change. */
  occurredAt: string;
  /** Lower-case ASCII (IDNs in punycode). */
  domain: string;
  /** The host's client id. */
  clientId: string;
  /** The registrar id from the module's config that handles the domain. */
  registrarId: string;
}

/** Fires once per transfer-in, just before the registrar is asked; a listener may abort it. */
export interface TransferBeforeEvent extends DomainEventBase {
  /** Stops this transfer: it fails with code `aborted` and this reason, shown to admin and client. */
  abort(reason: string): void;
}

/** The registrar accepted a transfer-in; the domain is pending until the losing side acts. */
export interface TransferRequestedEvent extends DomainEventBase {
  /** The registry's reference for the transfer ('' when it gives none). */
  reference: string;
  /** When the registry acts on its own (ISO 8601), if it said. */
  actionDate: string | null;
}

/** A transfer-in failed with a final error; the client has been asked to correct the code. */
export interface TransferFailedEvent extends DomainEventBase {
  /** `auth_code_invalid`, `transfer_prohibited`, `not_eligible`, `rejected`, `aborted`, `registrar_unreachable`, … */
  code: string;
  /** The registrar's own words, or the module's. */
  reason: string;
}

/** A transfer-in completed: the domain is ours and active. */
export interface TransferCompletedEvent extends DomainEventBase {
  /** ISO 8601 expiry date at the registry after the transfer. */
  expiryDate: string;
}

/** A transfer-in ended without the domain. */
export interface TransferCancelledEvent extends DomainEventBase {
  /** Who ended it: the registry or losing registrar (rejection), the client, an admin, or the expiry of an unpaid or abandoned order. */
  cancelledBy: 'registry' | 'client' | 'admin' | 'expiry';
  reason: string;
  /** Whether the transfer's invoice had been paid: a paid transfer that ends here owes the client a refund or credit. */
  paid: boolean;
}

/** A domain we sponsored left for another registrar; auto-renew is off and unpaid renewals are cancelled. */
export interface TransferredAwayEvent extends DomainEventBase {
  gainingRegistrar: string | null;
  renewalInvoicesCancelled: number;
}

/** The registry reports a new expiry date for an active domain (a renewal elsewhere, a correction). */
export interface ExpiryChangedEvent extends DomainEventBase {
  previousExpiryDate: string | null;
  expiryDate: string;
}

/** Every hook the module emits, by name. */
export interface DomainTransferEvents {
  'domain.transfer.before': TransferBeforeEvent;
  'domain.transfer.requested': TransferRequestedEvent;
  'domain.transfer.failed': TransferFailedEvent;
  'domain.transfer.completed': TransferCompletedEvent;
  'domain.transfer.cancelled': TransferCancelledEvent;
  'domain.transferred_away': TransferredAwayEvent;
  'domain.expiry.changed': ExpiryChangedEvent;
}

export type DomainTransferEventName = keyof DomainTransferEvents;

/** The events that go through the outbox (all but the synchronous `domain.transfer.before`). */
export type DeliveredEventName = Exclude<DomainTransferEventName, 'domain.transfer.before'>;

export const DELIVERED_EVENT_NAMES: readonly DeliveredEventName[] = [
  'domain.transfer.requested',
  'domain.transfer.failed',
  'domain.transfer.completed',
  'domain.transfer.cancelled',
  'domain.transferred_away',
  'domain.expiry.changed',
];

/** What a caller supplies for an event; the outbox adds `eventId` and `occurredAt`. */
export type EventFacts<N extends DeliveredEventName> = Omit<DomainTransferEvents[N], 'eventId' | 'occurredAt'>;

/** One event to record, with its name. */
export type OutgoingEvent = { [N in DeliveredEventName]: { name: N; facts: EventFacts<N> } }[DeliveredEventName];

/** The host's ids from a transfer order row (or none). */
export function orderRefs(order: { order_id: string; order_item_id: string; invoice_id: string } | null | undefined): HostOrderRefs {
  return order ? { orderId: order.order_id, orderItemId: order.order_item_id, invoiceId: order.invoice_id } : { orderId: null, orderItemId: null, invoiceId: null };
}
