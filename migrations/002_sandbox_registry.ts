import type { Knex } from 'knex';

// The sandbox registry's own state, so a demo survives restarts. It plays the registry for
// every registrar id it knows; "sponsor" and the transfer parties are plain registrar ids.
// Indexed strings stay at or under 191 characters so utf8mb4 keys fit older InnoDB limits.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dt_sandbox_domains', (t) => {
    t.increments('id').primary();
    t.string('name', 191).notNullable().unique();
    t.string('sponsor', 128).notNullable();
    // Comma-separated client*/server*/pending* statuses that persist; `ok` and `pendingTransfer`
    // are derived, so they can never disagree with the transfer rows.
    t.string('statuses', 512).notNullable().defaultTo('');
    // SHA-256 of the current auth code (RFC 9154: the registry keeps no plain code). NULL means
    // no code matches, which is how the "wrong auth code" demo domain behaves.
    t.string('auth_code_hash', 64).nullable();
    t.string('registrant_email', 254).nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('last_transferred_at').nullable();
    t.bigInteger('last_renewed_at').nullable();
    // The one pending transfer, set by a conditional update so two requests cannot both win.
    t.integer('pending_transfer_id').unsigned().nullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['sponsor', 'name']);
  });

  await knex.schema.createTable('dt_sandbox_transfers', (t) => {
    t.increments('id').primary();
    t.integer('domain_id').unsigned().notNullable().references('id').inTable('dt_sandbox_domains').onDelete('CASCADE');
    t.string('domain', 191).notNullable();
    t.string('gaining_registrar', 128).notNullable();
    t.string('losing_registrar', 128).notNullable();
    // pending → completed | rejected | cancelled
    t.string('status', 16).notNullable();
    t.text('reason').nullable();
    t.integer('period_years').notNullable().defaultTo(1);
    t.bigInteger('requested_at').notNullable();
    t.bigInteger('action_date').notNullable();
    t.bigInteger('resolved_at').nullable();
    t.bigInteger('expiry_after').nullable();
    t.index(['domain', 'gaining_registrar', 'id']);
    t.index(['status', 'action_date']);
  });

  await knex.schema.createTable('dt_sandbox_messages', (t) => {
    t.bigIncrements('id').primary();
    t.string('registrar_id', 128).notNullable();
    t.string('domain', 191).notNullable();
    t.string('direction', 8).notNullable();
    // JSON of the TransferStatus, dates as epoch milliseconds.
    t.text('payload').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('acked_at').nullable();
    t.index(['registrar_id', 'acked_at', 'id']);
  });

  await knex.schema.createTable('dt_sandbox_faults', (t) => {
    t.increments('id').primary();
    t.string('registrar_id', 128).notNullable();
    // An adapter method name, or `*` for any call.
    t.string('operation', 64).notNullable();
    t.string('error_code', 32).notNullable();
    t.integer('remaining').notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['registrar_id', 'remaining']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('dt_sandbox_faults');
  await knex.schema.dropTable('dt_sandbox_messages');
  await knex.schema.dropTable('dt_sandbox_transfers');
  await knex.schema.dropTable('dt_sandbox_domains');
}
