import type { Knex } from 'knex';

// Bulk transfer by CSV (seed 002). An import is a preview until an admin confirms it: each row
// is checked like a single order and its result kept here; the EPP codes are sealed with the
// row they belong to and purged when the preview is confirmed or expires. The file itself is
// never kept.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dt_bulk_imports', (t) => {
    t.increments('id').primary();
    // In URLs and reports: random, so one admin's import cannot be found by counting.
    t.string('public_id', 32).notNullable().unique();
    t.string('created_by', 128).notNullable();
    t.string('default_client_id', 64).nullable();
    // checking | ready | confirming | confirmed | expired
    t.string('status', 16).notNullable();
    t.integer('total_rows').notNullable().defaultTo(0);
    t.integer('checked_rows').notNullable().defaultTo(0);
    t.integer('accepted_rows').notNullable().defaultTo(0);
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('confirmed_at').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['status', 'expires_at']);
  });

  await knex.schema.createTable('dt_bulk_import_rows', (t) => {
    t.bigIncrements('id').primary();
    t.integer('import_id').unsigned().notNullable().references('id').inTable('dt_bulk_imports').onDelete('CASCADE');
    t.integer('line').notNullable();
    // The normalised (ASCII) name, or what was written when it is not a name.
    t.string('domain', 253).notNullable();
    t.string('client_id', 64).nullable();
    t.text('code_ciphertext').nullable();
    // unchecked | accepted | refused
    t.string('outcome', 16).notNullable();
    t.string('reason_key', 96).nullable();
    t.text('reason_params').nullable();
    t.string('registrar_id', 32).nullable();
    t.bigInteger('amount_minor').nullable();
    t.string('currency', 3).nullable();
    t.integer('transfer_order_id').nullable();
    t.index(['import_id', 'outcome', 'line']);
    t.unique(['import_id', 'line']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('dt_bulk_import_rows');
  await knex.schema.dropTable('dt_bulk_imports');
}
