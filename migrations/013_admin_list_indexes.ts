import type { Knex } from 'knex';

// The admin lists filter and sort a million domains and jobs a page at a time (keyset
// pagination: each page starts where the last ended, found through an index). Every sort the
// Domains page offers has an index that hands rows over in that order, ending in the id that
// breaks ties; every narrow filter has one that finds its few rows without a scan.
//
// The TLD (everything after the first label: `com`, `co.uk`) is a generated column, so no
// write path has to remember it and both engines can index it.

// By the driver: a host may configure knex's client by name or by class.
const isSqlite = (knex: Knex) => /sqlite/i.test(String((knex.client as { driverName?: string }).driverName ?? (knex.client as { config: { client: unknown } }).config.client));
const tldExpression = (knex: Knex) => (isSqlite(knex) ? "substr(domain, instr(domain, '.') + 1)" : "substr(domain, locate('.', domain) + 1)");

export async function up(knex: Knex): Promise<void> {
  // SQLite adds only VIRTUAL generated columns to an existing table; MariaDB indexes those too.
  await knex.raw(`alter table dt_domains add column tld varchar(253) generated always as (${tldExpression(knex)}) virtual`);
  await knex.schema.alterTable('dt_domains', (t) => {
    t.index(['tld', 'domain'], 'dt_domains_tld_domain_index');
    t.index(['status_changed_at', 'id'], 'dt_domains_changed_id_index');
    t.index(['expiry_date', 'id'], 'dt_domains_expiry_id_index');
    t.index(['status', 'expiry_date', 'id'], 'dt_domains_status_expiry_index');
    t.index(['failure_code', 'id'], 'dt_domains_failure_id_index');
    // Serves the client filter in name order; the client_id index it replaces served only the filter.
    t.index(['client_id', 'domain'], 'dt_domains_client_domain_index');
    t.dropIndex(['client_id']);
  });
  await knex.schema.alterTable('dt_jobs', (t) => {
    t.index(['status', 'id'], 'dt_jobs_status_id_index');
    t.index(['type', 'id'], 'dt_jobs_type_id_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dt_jobs', (t) => {
    t.dropIndex(['type', 'id'], 'dt_jobs_type_id_index');
    t.dropIndex(['status', 'id'], 'dt_jobs_status_id_index');
  });
  await knex.schema.alterTable('dt_domains', (t) => {
    t.index(['client_id']);
    t.dropIndex(['client_id', 'domain'], 'dt_domains_client_domain_index');
    t.dropIndex(['failure_code', 'id'], 'dt_domains_failure_id_index');
    t.dropIndex(['status', 'expiry_date', 'id'], 'dt_domains_status_expiry_index');
    t.dropIndex(['expiry_date', 'id'], 'dt_domains_expiry_id_index');
    t.dropIndex(['status_changed_at', 'id'], 'dt_domains_changed_id_index');
    t.dropIndex(['tld', 'domain'], 'dt_domains_tld_domain_index');
  });
  await knex.raw('alter table dt_domains drop column tld');
}
