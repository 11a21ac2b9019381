import type { Knex } from 'knex';

// Orders change status by id with the status they must still have as a guard ("these orders,
// if still queued"). With only (status, updated_at) to go on, SQLite read such an UPDATE
// through that index: every order of that status, for each batch. A bulk transfer of 100,000
// orders then spent 2.7 ms a batch on it, 29% of the run. (status, id) serves the guard and
// the ids together.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dt_transfer_orders', (t) => {
    t.index(['status', 'id'], 'dt_transfer_orders_status_id_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dt_transfer_orders', (t) => {
    t.dropIndex(['status', 'id'], 'dt_transfer_orders_status_id_index');
  });
}
