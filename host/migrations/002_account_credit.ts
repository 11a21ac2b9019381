import type { Knex } from 'knex';

// Account credit: a ledger per client and currency. A credit (a credit note on the invoice
// that paid for what is given back) adds; paying an invoice with credit spends. The balance
// is the sum. A credit carries the idempotency key it was asked with, so asking again returns
// the same credit instead of a second one.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('host_credit_ledger', (t) => {
    t.increments('id').primary();
    t.integer('client_id').unsigned().notNullable().references('id').inTable('host_clients');
    // credit (positive) | spend (negative)
    t.string('kind', 16).notNullable();
    t.integer('amount_minor').notNullable();
    t.string('currency', 3).notNullable();
    // The invoice a credit note belongs to, or the invoice paid with credit.
    t.integer('invoice_id').unsigned().nullable().references('id').inTable('host_invoices');
    t.integer('order_item_id').unsigned().nullable().references('id').inTable('host_order_items');
    t.string('reason', 500).nullable();
    t.string('idempotency_key', 191).nullable().unique();
    t.bigInteger('created_at').notNullable();
    t.index(['client_id', 'currency']);
    t.index(['invoice_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('host_credit_ledger');
}
