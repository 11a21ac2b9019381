import type { Knex } from 'knex';

// Filters that match many domains, read in the page's order rather than by walking the sort
// and looking up every row's filter column (see list-plan.ts):
// - a status by name (the admin's "pending, A to Z"): pending is a few percent of a
//   portfolio, so the walk read some thirty rows for each one it kept;
// - a client by last change or by expiry (a reseller's 50,000 domains, soonest to expire
//   first): the walk read twenty rows for each of theirs.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dt_domains', (t) => {
    t.index(['status', 'domain'], 'dt_domains_status_domain_index');
    t.index(['client_id', 'status_changed_at', 'id'], 'dt_domains_client_changed_index');
    t.index(['client_id', 'expiry_date', 'id'], 'dt_domains_client_expiry_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dt_domains', (t) => {
    t.dropIndex(['client_id', 'expiry_date', 'id'], 'dt_domains_client_expiry_index');
    t.dropIndex(['client_id', 'status_changed_at', 'id'], 'dt_domains_client_changed_index');
    t.dropIndex(['status', 'domain'], 'dt_domains_status_domain_index');
  });
}
