import type { Knex } from 'knex';
import type { Clock, CreditRequest } from '../../module/index.ts';
import { parseId } from './billing.port.ts';

export interface CreditNote {
  id: number;
  amount_minor: number;
  currency: string;
  reason: string | null;
  created_at: number;
}

/** `CN-12`: how a credit note is named to the module and on pages. */
export const creditNoteNumber = (id: number) => `CN-${id}`;

/**
 * The reference host's account credit. `credit` is the billing port's creditOrderItem: one
 * ledger row per idempotency key, written as a credit note on the invoice that paid for the
 * order item. Invoices can be paid from the balance (PaymentService, gateway `credit`).
 */
export class AccountCredit {
  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
  ) {}

  async credit(request: CreditRequest): Promise<{ creditId: string }> {
    const clientId = parseId(request.clientId);
    const orderItemId = parseId(request.orderItemId);
    if (clientId === null || orderItemId === null) throw new Error(`credit for unknown client ${request.clientId} or order item ${request.orderItemId}`);
    if (!Number.isInteger(request.amountMinor) || request.amountMinor <= 0) throw new Error('a credit must be a positive whole number of minor units');
    return this.knex.transaction(async (trx) => {
      const existing = await trx('host_credit_ledger').where({ idempotency_key: request.idempotencyKey }).first('id');
      if (existing) return { creditId: creditNoteNumber(Number(existing.id)) };
      const item = await trx('host_invoice_items').where({ order_item_id: orderItemId }).first('invoice_id');
      const [id] = await trx('host_credit_ledger').insert({
        client_id: clientId,
        kind: 'credit',
        amount_minor: request.amountMinor,
        currency: request.currency,
        invoice_id: item?.invoice_id ?? null,
        order_item_id: orderItemId,
        reason: request.reason.slice(0, 500),
        idempotency_key: request.idempotencyKey,
        created_at: this.clock.now().getTime(),
      });
      return { creditId: creditNoteNumber(Number(id)) };
    });
  }

  /** The client's balance per currency (only currencies with something left). */
  async balances(clientId: number, db: Knex | Knex.Transaction = this.knex): Promise<Map<string, number>> {
    const rows: Array<{ currency: string; total: number | string }> = await db('host_credit_ledger').where({ client_id: clientId }).groupBy('currency').select('currency').sum({ total: 'amount_minor' });
    return new Map(rows.map((r) => [r.currency, Number(r.total)] as [string, number]).filter(([, total]) => total > 0));
  }

  async creditNotes(invoiceId: number): Promise<CreditNote[]> {
    return this.knex('host_credit_ledger').where({ invoice_id: invoiceId, kind: 'credit' }).orderBy('id').select('id', 'amount_minor', 'currency', 'reason', 'created_at');
  }

  /**
   * Spends credit on an invoice inside the payment's transaction. The client's row is locked
   * first, so two payments from one balance cannot both spend it.
   */
  async spend(trx: Knex.Transaction, input: { clientId: number; invoiceId: number; amountMinor: number; currency: string }): Promise<boolean> {
    await trx('host_clients').where({ id: input.clientId }).forUpdate().first('id');
    const balance = (await this.balances(input.clientId, trx)).get(input.currency) ?? 0;
    if (balance < input.amountMinor) return false;
    await trx('host_credit_ledger').insert({
      client_id: input.clientId,
      kind: 'spend',
      amount_minor: -input.amountMinor,
      currency: input.currency,
      invoice_id: input.invoiceId,
      reason: `paid invoice ${input.invoiceId}`,
      created_at: this.clock.now().getTime(),
    });
    return true;
  }
}
