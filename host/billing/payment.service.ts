import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { ConflictError, InputError, NotFoundError, type Clock, type EventBus, type InvoicePaidEvent } from '../../module/index.ts';
import { DOMAIN_TRANSFER_PRODUCT, type HostBilling, type InvoiceRow } from './billing.port.ts';

export interface PaymentRequest {
  invoiceId: number;
  /** When set, the invoice must belong to this client (else 404, as if it did not exist). */
  clientId?: number;
  /** Defaults to the open balance. */
  amountMinor?: number;
  /** `credit` pays from the client's account credit. */
  gateway: 'simulated' | 'admin' | 'credit';
  recordedBy: string;
}

export interface PaymentResult {
  invoice: InvoiceRow;
  amountMinor: number;
  paidInFull: boolean;
  /** False when the payment is recorded but a listener of invoice.paid failed. */
  eventDelivered: boolean;
}

export function fractionDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** "12.5" → 1250 for USD; undefined for anything that is not a plain amount. */
export function parseAmount(text: string, currency: string): number | undefined {
  const digits = fractionDigits(currency);
  const match = /^(\d{1,9})(?:\.(\d+))?$/.exec(text.trim());
  if (!match || (match[2] ?? '').length > digits) return undefined;
  return Number(match[1]) * 10 ** digits + Number((match[2] ?? '').padEnd(digits, '0') || '0');
}

export function formatAmount(minor: number, currency: string): string {
  const digits = fractionDigits(currency);
  return digits ? (minor / 10 ** digits).toFixed(digits) : String(minor);
}

/**
 * Records payments and tells the rest of the platform. The invoice row is changed with a
 * conditional update on the balance it was read with, so two submissions of the same form
 * (or a client and an admin at once) cannot both be charged.
 */
export class PaymentService {
  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
    private readonly billing: HostBilling,
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  async pay(request: PaymentRequest): Promise<PaymentResult> {
    const { invoice, amountMinor, paidInFull } = await this.record(request);
    const eventDelivered = await this.emitPaid(invoice, paidInFull);
    return { invoice, amountMinor, paidInFull, eventDelivered };
  }

  /** Repeats invoice.paid for a paid invoice whose first emit failed. */
  async reemit(invoiceId: number): Promise<boolean> {
    const invoice = await this.billing.invoiceRow(invoiceId);
    if (!invoice) throw new NotFoundError();
    if (invoice.status !== 'paid') throw new ConflictError('host:billing.errors.not_paid');
    return this.emitPaid(invoice, true);
  }

  private async record(request: PaymentRequest): Promise<{ invoice: InvoiceRow; amountMinor: number; paidInFull: boolean }> {
    const now = this.clock.now().getTime();
    return this.knex.transaction(async (trx) => {
      const invoice = await trx<InvoiceRow>('host_invoices').where({ id: request.invoiceId }).first();
      if (!invoice || (request.clientId !== undefined && Number(invoice.client_id) !== request.clientId)) throw new NotFoundError();
      if (invoice.status === 'paid') throw new ConflictError('host:billing.errors.already_paid', { id: invoice.id });
      if (invoice.status === 'cancelled') throw new ConflictError('host:billing.errors.cancelled', { id: invoice.id });
      const total = Number(invoice.total_minor);
      const alreadyPaid = Number(invoice.paid_minor);
      const balance = total - alreadyPaid;
      const amount = request.amountMinor ?? balance;
      if (!Number.isInteger(amount) || amount < 0 || (amount === 0 && balance > 0)) {
        throw new InputError('host:billing.errors.amount_invalid', {}, 'amount');
      }
      if (amount > balance) {
        throw new InputError('host:billing.errors.amount_too_high', { balance: formatAmount(balance, invoice.currency) }, 'amount');
      }
      if (request.gateway === 'credit') {
        const spent = await this.billing.credits.spend(trx, { clientId: Number(invoice.client_id), invoiceId: invoice.id, amountMinor: amount, currency: invoice.currency });
        if (!spent) throw new ConflictError('host:billing.errors.credit_too_low');
      }
      const paidInFull = alreadyPaid + amount >= total;
      const changed = await trx('host_invoices')
        .where({ id: invoice.id, status: 'unpaid', paid_minor: alreadyPaid })
        .update({
          paid_minor: alreadyPaid + amount,
          status: paidInFull ? 'paid' : 'unpaid',
          paid_at: paidInFull ? now : null,
          updated_at: now,
        });
      if (Number(changed) !== 1) throw new ConflictError('host:billing.errors.already_paid', { id: invoice.id });
      await trx('host_payments').insert({
        invoice_id: invoice.id,
        amount_minor: amount,
        currency: invoice.currency,
        gateway: request.gateway,
        transaction_ref: `${request.gateway}-${crypto.randomUUID()}`,
        recorded_by: request.recordedBy.slice(0, 64),
        created_at: now,
      });
      if (paidInFull && invoice.order_id !== null) {
        await trx('host_orders').where({ id: invoice.order_id, status: 'pending' }).update({ status: 'active', updated_at: now });
        // A paid transfer is not a working service yet: it waits for the domain (the module's hooks move it on).
        await trx('host_services').where({ order_id: invoice.order_id, status: 'pending', product_type: DOMAIN_TRANSFER_PRODUCT }).update({ status: 'pending_transfer', updated_at: now });
        await trx('host_services').where({ order_id: invoice.order_id, status: 'pending' }).update({ status: 'active', updated_at: now });
      }
      const updated = (await trx<InvoiceRow>('host_invoices').where({ id: invoice.id }).first()) as InvoiceRow;
      return { invoice: updated, amountMinor: amount, paidInFull };
    });
  }

  // Emitted after commit: listeners (the module's hook) use their own connection, and must see the payment.
  private async emitPaid(invoice: InvoiceRow, paidInFull: boolean): Promise<boolean> {
    const items = await this.billing.invoiceItems(invoice.id);
    const event: InvoicePaidEvent = {
      invoiceId: String(invoice.id),
      clientId: String(invoice.client_id),
      paidInFull,
      items: items
        .filter((item) => item.order_item_id !== null)
        .map((item) => ({ orderItemId: String(item.order_item_id), description: item.description })),
    };
    try {
      await this.bus.emit('invoice.paid', event);
    } catch (error) {
      this.logger.error({ err: error, invoiceId: invoice.id }, 'an invoice.paid listener failed; the payment stands and an admin can notify again');
      return false;
    }
    if (paidInFull) await this.knex('host_invoices').where({ id: invoice.id }).update({ paid_event_at: this.clock.now().getTime() });
    return true;
  }
}
