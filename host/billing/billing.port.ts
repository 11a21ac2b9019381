import type { Knex } from 'knex';
import type { BillingPort, BulkOrderRequest, ClientProfile, Clock, CreatedBulkOrder, CreatedOrder, CreditRequest, InvoiceView } from '../../module/index.ts';
import { AccountCredit } from './account-credit.ts';
import { HostBulkOrders } from './bulk-orders.ts';
import type { AccountRepository } from '../accounts/account.repository.ts';

export const DOMAIN_TRANSFER_PRODUCT = 'domain_transfer';
const INVOICE_DUE_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;
export const INVOICE_DUE_DAYS_MS = INVOICE_DUE_DAYS * DAY_MS;

export interface InvoiceRow {
  id: number;
  client_id: number;
  order_id: number | null;
  kind: 'order' | 'renewal';
  status: 'unpaid' | 'paid' | 'cancelled';
  total_minor: number;
  paid_minor: number;
  currency: string;
  due_at: number;
  paid_at: number | null;
  paid_event_at: number | null;
  created_at: number;
}

export interface InvoiceItemRow {
  id: number;
  invoice_id: number;
  order_item_id: number | null;
  type: string;
  domain: string | null;
  description: string;
  amount_minor: number;
}

/** Ids travel as strings through the port; anything that is not a positive integer matches nothing. */
export function parseId(id: string | number): number | null {
  const text = String(id);
  return /^[1-9]\d{0,9}$/.test(text) ? Number(text) : null;
}

/**
 * The host's billing, as the module sees it through BillingPort. Orders, services and
 * invoices are the host's; the module only keeps the ids it is handed.
 */
export class HostBilling implements BillingPort {
  readonly credits: AccountCredit;
  private readonly bulkOrders: HostBulkOrders;

  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
    private readonly accounts: AccountRepository,
  ) {
    this.credits = new AccountCredit(knex, clock);
    this.bulkOrders = new HostBulkOrders(knex, clock, async (id) => Boolean(await accounts.getClientRow(id)));
  }

  /** A bulk transfer's order: a line per domain, one invoice; once per idempotency key. */
  createTransferOrders(input: BulkOrderRequest): Promise<CreatedBulkOrder> {
    return this.bulkOrders.create(input);
  }

  cancelOrderItem(orderItemId: string, reason: string): Promise<void> {
    return this.bulkOrders.cancelItem(orderItemId, reason);
  }

  /** A transfer that ended without the domain: the client gets account credit and a credit note on the invoice. */
  creditOrderItem(request: CreditRequest): Promise<{ creditId: string }> {
    return this.credits.credit(request);
  }

  async getClient(clientId: string): Promise<ClientProfile | null> {
    const id = parseId(clientId);
    return id === null ? null : this.accounts.clientProfile(id);
  }

  async getClients(clientIds: string[]): Promise<Map<string, ClientProfile>> {
    const ids = clientIds.map(parseId).filter((id): id is number => id !== null);
    const found = ids.length ? await this.accounts.clientProfiles(ids) : new Map<number, ClientProfile>();
    return new Map([...found].map(([id, profile]) => [String(id), profile]));
  }

  async createTransferOrder(input: {
    clientId: string;
    domain: string;
    amountMinor: number;
    currency: string;
    description: string;
  }): Promise<CreatedOrder> {
    const clientId = parseId(input.clientId);
    if (clientId === null || !(await this.accounts.getClientRow(clientId))) throw new Error(`unknown client ${input.clientId}`);
    if (!Number.isInteger(input.amountMinor) || input.amountMinor < 0) throw new Error('amountMinor must be a non-negative integer');
    const now = this.clock.now().getTime();
    return this.knex.transaction(async (trx) => {
      const [orderId] = await trx('host_orders').insert({ client_id: clientId, status: 'pending', created_at: now, updated_at: now });
      const [orderItemId] = await trx('host_order_items').insert({
        order_id: orderId,
        product_type: DOMAIN_TRANSFER_PRODUCT,
        domain: input.domain,
        description: input.description,
        amount_minor: input.amountMinor,
        currency: input.currency,
        created_at: now,
      });
      await trx('host_services').insert({
        client_id: clientId,
        order_id: orderId,
        order_item_id: orderItemId,
        product_type: DOMAIN_TRANSFER_PRODUCT,
        domain: input.domain,
        status: 'pending',
        auto_renew: true,
        created_at: now,
        updated_at: now,
      });
      const invoiceId = await insertInvoice(trx, now, {
        clientId,
        orderId,
        kind: 'order',
        currency: input.currency,
        item: { order_item_id: orderItemId, type: DOMAIN_TRANSFER_PRODUCT, domain: input.domain, description: input.description, amount_minor: input.amountMinor },
      });
      return {
        orderId: String(orderId),
        orderItemId: String(orderItemId),
        invoiceId: String(invoiceId),
        invoiceUrl: `/client/invoices/${invoiceId}`,
      };
    });
  }

  async getInvoice(invoiceId: string): Promise<InvoiceView | null> {
    const id = parseId(invoiceId);
    if (id === null) return null;
    const row = await this.knex<InvoiceRow>('host_invoices').where({ id }).first();
    return row ? toView(row) : null;
  }

  async cancelOrder(orderId: string, reason: string): Promise<void> {
    const id = parseId(orderId);
    if (id === null) return;
    const now = this.clock.now().getTime();
    await this.knex.transaction(async (trx) => {
      await trx('host_orders').where({ id }).whereNot({ status: 'cancelled' }).update({ status: 'cancelled', cancel_reason: reason, updated_at: now });
      await trx('host_invoices').where({ order_id: id, status: 'unpaid' }).update({ status: 'cancelled', updated_at: now });
      await trx('host_services').where({ order_id: id }).update({ status: 'cancelled', updated_at: now });
    });
  }

  async cancelUnpaidRenewalInvoices(clientId: string, domain: string): Promise<number> {
    const id = parseId(clientId);
    if (id === null) return 0;
    const ids = await this.knex('host_invoices as i')
      .join('host_invoice_items as ii', 'ii.invoice_id', 'i.id')
      .where({ 'i.client_id': id, 'i.kind': 'renewal', 'i.status': 'unpaid', 'ii.domain': domain })
      .distinct('i.id')
      .pluck('i.id');
    if (!ids.length) return 0;
    // Conditional on status, so an invoice paid a moment ago is not cancelled under the payer.
    const changed = await this.knex('host_invoices')
      .whereIn('id', ids)
      .andWhere({ status: 'unpaid' })
      .update({ status: 'cancelled', updated_at: this.clock.now().getTime() });
    return Number(changed);
  }

  async setAutoRenew(clientId: string, domain: string, enabled: boolean): Promise<void> {
    const id = parseId(clientId);
    if (id === null) return;
    await this.knex('host_services')
      .where({ client_id: id, domain })
      .update({ auto_renew: enabled, updated_at: this.clock.now().getTime() });
  }

  /** A renewal invoice for a domain the client holds (admin tooling and tests). */
  async createRenewalInvoice(input: { clientId: number; domain: string; amountMinor: number; currency: string; description: string }): Promise<number> {
    const now = this.clock.now().getTime();
    return this.knex.transaction((trx) =>
      insertInvoice(trx, now, {
        clientId: input.clientId,
        orderId: null,
        kind: 'renewal',
        currency: input.currency,
        item: { type: 'domain_renewal', domain: input.domain, description: input.description, amount_minor: input.amountMinor },
      }),
    );
  }

  async invoiceRow(invoiceId: number): Promise<InvoiceRow | undefined> {
    return this.knex<InvoiceRow>('host_invoices').where({ id: invoiceId }).first();
  }

  async invoiceItems(invoiceId: number): Promise<InvoiceItemRow[]> {
    return this.knex<InvoiceItemRow>('host_invoice_items').where({ invoice_id: invoiceId }).orderBy('id');
  }

  async invoicesOf(clientId: number): Promise<InvoiceRow[]> {
    return this.knex<InvoiceRow>('host_invoices').where({ client_id: clientId }).orderBy('id', 'desc');
  }

  async allInvoices(limit = 200): Promise<Array<InvoiceRow & { client_name: string }>> {
    return this.knex('host_invoices as i')
      .join('host_clients as c', 'c.id', 'i.client_id')
      .select('i.*', 'c.name as client_name')
      .orderBy('i.id', 'desc')
      .limit(limit);
  }

  async payments(invoiceId: number): Promise<Array<{ id: number; amount_minor: number; currency: string; gateway: string; transaction_ref: string; created_at: number }>> {
    return this.knex('host_payments').where({ invoice_id: invoiceId }).orderBy('id');
  }

  async services(limit = 500) {
    return this.knex('host_services as s')
      .join('host_clients as c', 'c.id', 's.client_id')
      .leftJoin('host_invoice_items as ii', 'ii.order_item_id', 's.order_item_id')
      .select('s.*', 'c.name as client_name', 'ii.invoice_id as invoice_id')
      .orderBy('s.id', 'desc')
      .limit(limit);
  }
}

export function toView(row: InvoiceRow): InvoiceView {
  return {
    id: String(row.id),
    clientId: String(row.client_id),
    status: row.status,
    totalMinor: Number(row.total_minor),
    paidMinor: Number(row.paid_minor),
    currency: row.currency,
  };
}

/** An unpaid invoice with its one line item; the total is the item's amount. */
async function insertInvoice(
  trx: Knex.Transaction,
  now: number,
  invoice: { clientId: number; orderId: number | null; kind: 'order' | 'renewal'; currency: string; item: Record<string, unknown> & { amount_minor: number } },
): Promise<number> {
  const [invoiceId] = await trx('host_invoices').insert({
    client_id: invoice.clientId,
    order_id: invoice.orderId,
    kind: invoice.kind,
    status: 'unpaid',
    total_minor: invoice.item.amount_minor,
    paid_minor: 0,
    currency: invoice.currency,
    due_at: now + INVOICE_DUE_DAYS_MS,
    created_at: now,
    updated_at: now,
  });
  await trx('host_invoice_items').insert({ invoice_id: invoiceId, ...invoice.item });
  return Number(invoiceId);
}
