import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Request } from 'express';
import type { Contact } from '../registrar-adapters/types.ts';

/**
 * What a host platform hands the module. The module reads and writes only its own tables
 * (prefixed `dt_`) through `knex`; everything else about the host goes through these ports.
 */
export interface HostContext {
  knex: Knex;
  events: EventBus;
  billing: BillingPort;
  /**
   * Who is making this request, or null when nobody is logged in; may return a Promise. A
   * principal of the wrong shape is refused (401) and logged with the field at fault.
   */
  auth: (req: Request) => Principal | null | undefined | Promise<Principal | null | undefined>;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
  /** Raw module options; validated against the manifest's config schema at creation. */
  config: unknown;
}

/** A logged-in client of the host. */
export interface ClientPrincipal {
  kind: 'client';
  /** The host's client id: the module shows a client only their own domains. */
  clientId: string;
  /** Shown in the page header; defaults to the id. */
  name?: string;
  /** Stable for the login session and secret to it: CSRF tokens are derived from it. */
  sessionId: string;
  /** Preferred language (a locale with message catalogs, e.g. `en`, `zh-CN`). */
  locale?: string;
}

/** A logged-in member of the host's staff. */
export interface AdminPrincipal {
  kind: 'admin';
  adminId: string;
  name?: string;
  sessionId: string;
  locale?: string;
  /**
   * What this admin may do: `'*'` for everything (a host without roles), or the ids of the
   * permissions in module.manifest.json (`jobs.manage`, `registrars.operate`, …).
   */
  permissions: '*' | readonly string[];
}

export type Principal = ClientPrincipal | AdminPrincipal;

export interface Clock {
  now(): Date;
}

export type EventHandler = (payload: any) => unknown | Promise<unknown>;

/** Handlers run in registration order and are awaited; a throwing handler fails the emit. */
export interface EventBus {
  on(event: string, handler: EventHandler): () => void;
  emit(event: string, payload: unknown): Promise<void>;
}

export interface ClientProfile {
  id: string;
  name: string;
  email: string;
  locale?: string;
  /** Used as registrant, admin and tech contact for transfers. */
  contact: Contact;
}

export interface CreatedOrder {
  orderId: string;
  orderItemId: string;
  invoiceId: string;
  /** Where to send the client to pay. */
  invoiceUrl: string;
}

export interface BulkOrderRequest {
  clientId: string;
  currency: string;
  lines: Array<{ domain: string; amountMinor: number; description: string }>;
  /** The same for every attempt at creating this order. */
  idempotencyKey: string;
}

export interface CreatedBulkOrder {
  orderId: string;
  invoiceId: string;
  invoiceUrl: string;
  /** One per line, naming the domain it is for. */
  items: Array<{ domain: string; orderItemId: string }>;
}

export interface InvoiceView {
  id: string;
  clientId: string;
  status: 'unpaid' | 'paid' | 'cancelled';
  totalMinor: number;
  paidMinor: number;
  currency: string;
}

export interface BillingPort {
  getClient(clientId: string): Promise<ClientProfile | null>;
  /**
   * Optional: many clients in one call, keyed by id (unknown ids are left out). Transfer jobs
   * running in bulk read their clients through it; without it they call getClient per client.
   */
  getClients?(clientIds: string[]): Promise<Map<string, ClientProfile>>;
  /** One order with one line item and its invoice for a domain transfer. */
  createTransferOrder(input: {
    clientId: string;
    domain: string;
    amountMinor: number;
    currency: string;
    description: string;
  }): Promise<CreatedOrder>;
  /**
   * Optional: one order with a line per domain and one invoice for them all, for one client in
   * one currency (a bulk transfer). Called again with the same `idempotencyKey` (a retried or
   * re-submitted confirmation) it creates nothing and returns the order made the first time.
   * Bulk transfers are confirmed only when the host has this and `cancelOrderItem`.
   */
  createTransferOrders?(input: BulkOrderRequest): Promise<CreatedBulkOrder>;
  /**
   * Optional: takes one line off an unpaid order of several lines (and its amount off the
   * invoice), e.g. when one domain of a bulk order is abandoned before payment. When no line
   * is left the host cancels the order and its invoice.
   */
  cancelOrderItem?(orderItemId: string, reason: string): Promise<void>;
  getInvoice(invoiceId: string): Promise<InvoiceView | null>;
  /** Cancels the order and its unpaid invoice, e.g. when a transfer is abandoned before payment. */
  cancelOrder(orderId: string, reason: string): Promise<void>;
  /** Cancels unpaid renewal invoices for a domain that has left; returns how many. */
  cancelUnpaidRenewalInvoices(clientId: string, domain: string): Promise<number>;
  setAutoRenew(clientId: string, domain: string, enabled: boolean): Promise<void>;
  /**
   * Gives a client back what they paid for an order item whose transfer ended without the
   * domain (cancelled, rejected at the registry, abandoned): account credit, or a refund to
   * the card. Required when `billing.onPaidTransferEnded` is `credit` (the default). It may be
   * called again with the same `idempotencyKey` after a failure: credit once per key and
   * return the same credit.
   */
  creditOrderItem?(input: CreditRequest): Promise<{ creditId: string }>;
}

export interface CreditRequest {
  orderItemId: string;
  clientId: string;
  amountMinor: number;
  currency: string;
  /** Why, in English, for the credit note. */
  reason: string;
  /** The same for every attempt at crediting this order item. */
  idempotencyKey: string;
}

/**
 * Payload of the host's `invoice.paid` event. `paidInFull` false (a partial payment) is
 * ignored by the module.
 */
export interface InvoicePaidEvent {
  invoiceId: string;
  clientId: string;
  paidInFull: boolean;
  items: Array<{ orderItemId: string; description?: string }>;
}

export type NotificationRecipient = { kind: 'client'; clientId: string } | { kind: 'admins' };

export interface Notification {
  to: NotificationRecipient;
  /** Stable id of the message kind, e.g. `transfer.failed`. */
  template: string;
  subject: string;
  text: string;
  /** The facts behind the text, never secrets. */
  params: Record<string, string | number>;
}

export interface Notifier {
  notify(notification: Notification): Promise<void>;
  /** Optional: several notifications in one call, e.g. one outbox insert for a batch of jobs. */
  notifyMany?(notifications: Notification[]): Promise<void>;
}
