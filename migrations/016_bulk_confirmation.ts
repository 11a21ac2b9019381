import type { Knex } from 'knex';

// Confirming a bulk transfer: the accepted rows are grouped into one host order per client and
// currency. Each group's key is written to its rows before the host is asked, so a confirmation
// that stops half-way asks again with the same key and gets the same order, never a second one.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dt_bulk_imports', (t) => {
    t.string('confirmed_by', 128).nullable();
    // Groups formed so far: numbers the next group's key.
    t.integer('order_groups').notNullable().defaultTo(0);
  });
  await knex.schema.alterTable('dt_bulk_import_rows', (t) => {
    t.string('order_key', 160).nullable();
    t.index(['import_id', 'order_key']);
  });
  // The lines of one host order (a bulk order has many): cancelling one looks for the others.
  await knex.schema.alterTable('dt_transfer_orders', (t) => {
    t.index(['order_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dt_transfer_orders', (t) => {
    t.dropIndex(['order_id']);
  });
  await knex.schema.alterTable('dt_bulk_import_rows', (t) => {
    t.dropIndex(['import_id', 'order_key']);
    t.dropColumn('order_key');
  });
  await knex.schema.alterTable('dt_bulk_imports', (t) => {
    t.dropColumn('order_groups');
    t.dropColumn('confirmed_by');
  });
}
