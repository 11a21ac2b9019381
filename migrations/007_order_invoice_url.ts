import type { Knex } from 'knex';

// Where the host says its invoice for a transfer order lives, so the client's pages link to
// the host's own invoice page wherever it is, instead of guessing a path.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dt_transfer_orders', (t) => {
    t.string('invoice_url', 2000).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dt_transfer_orders', (t) => {
    t.dropColumn('invoice_url');
  });
}
