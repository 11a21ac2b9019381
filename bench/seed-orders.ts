import type { Knex } from 'knex';
import type { Host } from '../host/build-host.ts';
import { insertRows } from '../module/database.ts';
import { SecretBox } from '../module/secret-box.ts';
import { eppCodeAad } from '../module/transfer-in/transfer-order.service.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../registrar-adapters/sandbox/index.ts';
import { BENCH_ENCRYPTION_KEY } from './bench-host.ts';

/** Lines per host order and invoice: a bulk transfer's size, not one order per domain. */
const LINES_PER_ORDER = 1_000;
const AMOUNT_MINOR = 1099;

/** The tables a paid bulk transfer writes, for counting what the seeding wrote. */
export const ORDER_TABLES = ['host_orders', 'host_order_items', 'host_services', 'host_invoices', 'host_invoice_items', 'host_payments', 'dt_transfer_orders', 'dt_jobs'] as const;

export async function rowCount(knex: Knex, tables: readonly string[]): Promise<number> {
  let total = 0;
  for (const table of tables) total += Number((await knex(table).count({ n: '*' }).first())!.n);
  return total;
}

/**
 * Paid transfer orders the way a bulk transfer makes them: the host's order and invoice of
 * many lines (BillingPort.createTransferOrders, many rows to a statement), the module's
 * transfer orders with their sealed codes (one multi-row insert per chunk), then the invoice
 * paid, which queues each order's TransferDomainJob in chunks. Returns the transfer order count.
 */
export async function seedPaidOrders(knex: Knex, host: Host, clientId: string, names: readonly string[]): Promise<number> {
  const secretBox = new SecretBox(BENCH_ENCRYPTION_KEY);
  const billing = host.billing;
  for (let from = 0; from < names.length; from += LINES_PER_ORDER) {
    const group = names.slice(from, from + LINES_PER_ORDER);
    const created = await billing.createTransferOrders!({
      clientId,
      currency: 'USD',
      idempotencyKey: `bench-seed:${from}`,
      lines: group.map((domain) => ({ domain, amountMinor: AMOUNT_MINOR, description: `Domain transfer: ${domain} (includes 1-year renewal)` })),
    });
    const now = Date.now();
    await insertRows(
      knex,
      'dt_transfer_orders',
      created.items.map((item) => ({
        order_item_id: item.orderItemId,
        order_id: created.orderId,
        invoice_id: created.invoiceId,
        invoice_url: created.invoiceUrl,
        client_id: clientId,
        domain: item.domain,
        open_domain: item.domain,
        registrar_id: 'sandbox',
        amount_minor: AMOUNT_MINOR,
        currency: 'USD',
        status: 'awaiting_payment',
        dispatch_count: 0,
        code_resubmissions: 0,
        epp_code_ciphertext: secretBox.seal(SANDBOX_DEMO_AUTH_CODE, eppCodeAad({ order_item_id: item.orderItemId, domain: item.domain })),
        created_at: now,
        updated_at: now,
      })),
    );
    await host.payments.pay({ invoiceId: Number(created.invoiceId), gateway: 'admin', recordedBy: 'bench' });
  }
  return Number((await knex('dt_transfer_orders').where({ status: 'queued' }).count({ n: '*' }).first())!.n);
}
