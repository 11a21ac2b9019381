import type { Knex } from 'knex';

// How many corrected EPP codes a client has sent for one order: each is a transfer request from
// our registrar account, so they are capped (transferIn.codeResubmissionsPerOrder) and the order
// then waits for an admin.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dt_transfer_orders', (t) => {
    t.integer('code_resubmissions').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dt_transfer_orders', (t) => {
    t.dropColumn('code_resubmissions');
  });
}
