import type { Knex } from 'knex';

// RFC 9154: a transfer authorization code lives only as long as it is needed. A row per code
// set at the registry by us (issued for a transfer-out) or left there by a transfer-in we
// completed: when, for which domain, until when, and when and why it was unset. The code itself
// is never stored.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dt_auth_codes', (t) => {
    t.bigIncrements('id').primary();
    t.string('domain', 253).notNullable();
    t.string('registrar_id', 64).notNullable();
    // out: issued by us for a transfer-out; in: used for a transfer-in we completed.
    t.string('direction', 8).notNullable();
    t.string('set_by', 128).notNullable();
    t.bigInteger('set_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('cleared_at').nullable();
    // expired | transfer_out_ended | transferred | replaced | transfer_in_completed | unsupported
    t.string('clear_reason', 32).nullable();
    t.text('last_error').nullable();
    t.index(['domain', 'cleared_at'], 'dt_auth_codes_domain_cleared');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('dt_auth_codes');
}
