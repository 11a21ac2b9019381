import type { Knex } from 'knex';

// The admin dashboard counts what needs action and charts 30 days of transfers on every visit.
// Each of its queries reads one index range instead of a table (failed orders already have
// theirs, from migration 008):
// - pending domains by how long they have been pending;
// - active domains another registrar has asked for;
// - status changes by time, carrying the statuses so the chart's counts never read a row.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dt_domains', (t) => {
    t.index(['status', 'status_changed_at'], 'dt_domains_status_changed_index');
    t.index(['status', 'transfer_out_requested_at'], 'dt_domains_status_transfer_out_index');
  });
  await knex.schema.alterTable('dt_domain_status_history', (t) => {
    t.index(['created_at', 'to_status', 'from_status'], 'dt_status_history_created_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dt_domain_status_history', (t) => {
    t.dropIndex(['created_at', 'to_status', 'from_status'], 'dt_status_history_created_index');
  });
  await knex.schema.alterTable('dt_domains', (t) => {
    t.dropIndex(['status', 'transfer_out_requested_at'], 'dt_domains_status_transfer_out_index');
    t.dropIndex(['status', 'status_changed_at'], 'dt_domains_status_changed_index');
  });
}
