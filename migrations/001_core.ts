import type { Knex } from 'knex';

// Times are epoch milliseconds (BIGINT) on every engine: one comparison semantics, no
// time-zone conversion between SQLite and MySQL. Money is integer minor units.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dt_transfer_orders', (t) => {
    t.increments('id').primary();
    t.string('order_item_id', 64).notNullable().unique();
    t.string('order_id', 64).notNullable();
    t.string('invoice_id', 64).notNullable();
    t.string('client_id', 64).notNullable();
    t.string('domain', 253).notNullable();
    t.string('registrar_id', 32).notNullable();
    t.integer('amount_minor').notNullable();
    t.string('currency', 3).notNullable();
    // awaiting_payment → queued → submitted | failed ; any open state → cancelled
    t.string('status', 24).notNullable();
    // Equals `domain` while the order is open and NULL once closed: the unique index allows
    // one open transfer per domain, atomically, on every engine.
    t.string('open_domain', 253).nullable().unique();
    // Incremented by each new dispatch (client's corrected code, admin's Transfer action).
    t.integer('dispatch_count').notNullable().defaultTo(0);
    // AES-256-GCM envelope, present only while a transfer still needs the code.
    t.text('epp_code_ciphertext').nullable();
    t.bigInteger('epp_code_purged_at').nullable();
    t.string('failure_code', 32).nullable();
    t.text('failure_reason').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['domain', 'status']);
    t.index(['client_id']);
  });

  await knex.schema.createTable('dt_domains', (t) => {
    t.increments('id').primary();
    t.string('domain', 253).notNullable().unique();
    t.string('client_id', 64).notNullable();
    t.string('registrar_id', 32).notNullable();
    t.string('registrar_ref', 128).nullable();
    // pending | active | cancelled | transferred_away — changed only by the status machine.
    t.string('status', 24).notNullable();
    t.bigInteger('expiry_date').nullable();
    t.boolean('auto_renew').notNullable().defaultTo(true);
    t.integer('transfer_order_id').unsigned().nullable().references('id').inTable('dt_transfer_orders');
    t.string('failure_code', 32).nullable();
    t.text('failure_reason').nullable();
    t.bigInteger('last_checked_at').nullable();
    t.bigInteger('status_changed_at').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['status', 'id']);
    t.index(['client_id']);
  });

  await knex.schema.createTable('dt_domain_status_history', (t) => {
    t.increments('id').primary();
    t.integer('domain_id').unsigned().notNullable().references('id').inTable('dt_domains').onDelete('CASCADE');
    t.string('from_status', 24).nullable();
    t.string('to_status', 24).notNullable();
    t.string('cause', 64).notNullable();
    t.string('actor', 128).notNullable();
    t.text('detail').nullable();
    t.bigInteger('created_at').notNullable();
    t.index(['domain_id', 'id']);
  });

  await knex.schema.createTable('dt_jobs', (t) => {
    t.bigIncrements('id').primary();
    t.string('key', 191).notNullable().unique();
    t.string('type', 64).notNullable();
    t.text('payload').notNullable();
    // queued | running | done | dead
    t.string('status', 16).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('max_attempts').notNullable();
    t.bigInteger('run_at').notNullable();
    t.bigInteger('locked_at').nullable();
    t.string('locked_by', 128).nullable();
    t.bigInteger('lease_expires_at').nullable();
    t.text('last_error').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('finished_at').nullable();
    t.index(['status', 'run_at']);
    t.index(['status', 'lease_expires_at']);
  });

  await knex.schema.createTable('dt_provisioning_log', (t) => {
    t.bigIncrements('id').primary();
    t.string('domain', 253).notNullable();
    t.integer('transfer_order_id').nullable();
    t.string('registrar_id', 32).nullable();
    t.string('action', 48).notNullable();
    // ok | failed | retry
    t.string('outcome', 16).notNullable();
    t.text('message').nullable();
    t.bigInteger('created_at').notNullable();
    t.index(['domain', 'id']);
  });

  await knex.schema.createTable('dt_audit_log', (t) => {
    t.bigIncrements('id').primary();
    t.string('actor_kind', 16).notNullable();
    t.string('actor_id', 64).notNullable();
    t.string('domain', 253).nullable();
    t.string('action', 64).notNullable();
    t.text('detail').nullable();
    t.string('ip', 64).nullable();
    t.bigInteger('created_at').notNullable();
    t.index(['domain', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('dt_audit_log');
  await knex.schema.dropTable('dt_provisioning_log');
  await knex.schema.dropTable('dt_jobs');
  await knex.schema.dropTable('dt_domain_status_history');
  await knex.schema.dropTable('dt_domains');
  await knex.schema.dropTable('dt_transfer_orders');
}
