import type { Knex } from 'knex';
import type { BulkOrderRequest, Clock, CreatedBulkOrder } from '../../module/index.ts';
import { DOMAIN_TRANSFER_PRODUCT, INVOICE_DUE_DAYS_MS, parseId } from './billing.port.ts';

const CHUNK = 500;

/**
 * Orders of many lines with one invoice (a bulk transfer), and taking one line off such an
 * order before it is paid. The reference host's side of BillingPort.createTransferOrders and
 * cancelOrderItem.
 */
export class HostBulkOrders {
  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
    private readonly clientExists: (clientId: number) => Promise<boolean>,
  ) {}

  async create(input: BulkOrderRequest): Promise<CreatedBulkOrder> {
    const clientId = parseId(input.clientId);
    if (clientId === null || !(await this.clientExists(clientId))) throw new Error(`unknown client ${input.clientId}`);
    if (!input.lines.length) throw new Error('an order needs at least one line');
    if (input.lines.some((line) => !Number.isInteger(line.amountMinor) || line.amountMinor < 0)) throw new Error('amountMinor must be a non-negative integer');
    const key = String(input.idempotencyKey).slice(0, 128);
    const earlier = await this.byKey(key);
    if (earlier) return earlier;
    const now = this.clock.now().getTime();
    try {
      return await this.knex.transaction(async (trx) => {
        const [orderId] = await trx('host_orders').insert({ client_id: clientId, status: 'pending', idempotency_key: key, created_at: now, updated_at: now });
        const [invoiceId] = await trx('host_invoices').insert({
          client_id: clientId,
          order_id: orderId,
          kind: 'order',
          status: 'unpaid',
          total_minor: input.lines.reduce((sum, line) => sum + line.amountMinor, 0),
          paid_minor: 0,
          currency: input.currency,
          due_at: now + INVOICE_DUE_DAYS_MS,
          created_at: now,
          updated_at: now,
        });
        // Many rows to a statement; the items' ids are read back in the order they were written.
        for (let i = 0; i < input.lines.length; i += CHUNK) {
          const chunk = input.lines.slice(i, i + CHUNK);
          await trx('host_order_items').insert(chunk.map((line) => ({ order_id: orderId, product_type: DOMAIN_TRANSFER_PRODUCT, domain: line.domain, description: line.description, amount_minor: line.amountMinor, currency: input.currency, created_at: now })));
        }
        const items: Array<{ id: number; domain: string; description: string; amount_minor: number }> = await trx('host_order_items').where({ order_id: orderId }).orderBy('id').select('id', 'domain', 'description', 'amount_minor');
        for (let i = 0; i < items.length; i += CHUNK) {
          const chunk = items.slice(i, i + CHUNK);
          await trx('host_services').insert(chunk.map((item) => ({ client_id: clientId, order_id: orderId, order_item_id: item.id, product_type: DOMAIN_TRANSFER_PRODUCT, domain: item.domain, status: 'pending', auto_renew: true, created_at: now, updated_at: now })));
          await trx('host_invoice_items').insert(chunk.map((item) => ({ invoice_id: invoiceId, order_item_id: item.id, type: DOMAIN_TRANSFER_PRODUCT, domain: item.domain, description: item.description, amount_minor: item.amount_minor })));
        }
        return { orderId: String(orderId), invoiceId: String(invoiceId), invoiceUrl: `/client/invoices/${invoiceId}`, items: [] };
      }).then(async (made) => (await this.byKey(key)) ?? made);
    } catch (error) {
      // The same key at the same moment from another process: its order is the one.
      const raced = await this.byKey(key);
      if (raced) return raced;
      throw error;
    }
  }

  private async byKey(key: string): Promise<CreatedBulkOrder | undefined> {
    const order = await this.knex('host_orders').where({ idempotency_key: key }).first('id');
    if (!order) return undefined;
    const invoice = await this.knex('host_invoices').where({ order_id: order.id, kind: 'order' }).orderBy('id').first('id');
    const items: Array<{ id: number; domain: string }> = await this.knex('host_order_items').where({ order_id: order.id }).orderBy('id').select('id', 'domain');
    return {
      orderId: String(order.id),
      invoiceId: String(invoice.id),
      invoiceUrl: `/client/invoices/${invoice.id}`,
      items: items.map((item) => ({ domain: item.domain, orderItemId: String(item.id) })),
    };
  }

  /**
   * One line off an unpaid order: its service cancelled, its invoice line removed and the total
   * lowered; the order and invoice cancelled when it was the last line. A paid invoice is left
   * as it is (what was paid for is settled by the module, not by deleting the line).
   */
  async cancelItem(orderItemId: string, reason: string): Promise<void> {
    const id = parseId(orderItemId);
    if (id === null) return;
    const now = this.clock.now().getTime();
    await this.knex.transaction(async (trx) => {
      const line = await trx('host_invoice_items as ii').join('host_invoices as i', 'i.id', 'ii.invoice_id').where({ 'ii.order_item_id': id, 'i.status': 'unpaid' }).first('ii.id', 'ii.amount_minor', 'i.id as invoice_id', 'i.order_id');
      if (!line) return;
      await trx('host_services').where({ order_item_id: id }).whereNot({ status: 'cancelled' }).update({ status: 'cancelled', updated_at: now });
      await trx('host_invoice_items').where({ id: line.id }).delete();
      await trx('host_invoices').where({ id: line.invoice_id }).update({ total_minor: trx.raw('total_minor - ?', [line.amount_minor]), updated_at: now });
      const left = await trx('host_invoice_items').where({ invoice_id: line.invoice_id }).first('id');
      if (!left) {
        await trx('host_invoices').where({ id: line.invoice_id, status: 'unpaid' }).update({ status: 'cancelled', updated_at: now });
        await trx('host_orders').where({ id: line.order_id }).whereNot({ status: 'cancelled' }).update({ status: 'cancelled', cancel_reason: reason, updated_at: now });
      }
    });
  }
}
