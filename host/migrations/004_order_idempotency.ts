import type { Knex } from 'knex';

// An order made for a bulk transfer carries the key its creator gave it, so a retried or
// re-submitted confirmation finds the order made the first time instead of making another.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('host_orders', (t) => {
    t.string('idempotency_key', 128).nullable().unique();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('host_orders', (t) => {
    t.dropUnique(['idempotency_key']);
    t.dropColumn('idempotency_key');
  });
}
