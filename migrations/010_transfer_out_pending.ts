import type { Knex } from 'knex';

// A transfer-out another registrar asked for, as the module last saw it at the registry (the
// status sync, a domain page): lists can say "transfer-out pending" without asking the
// registrar for every row. Cleared when it is cancelled or rejected here, or when the sync
// no longer sees it.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dt_domains', (t) => {
    t.string('transfer_out_gaining', 128).nullable();
    t.bigInteger('transfer_out_requested_at').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dt_domains', (t) => {
    t.dropColumn('transfer_out_requested_at');
    t.dropColumn('transfer_out_gaining');
  });
}
