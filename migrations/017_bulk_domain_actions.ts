import type { Knex } from 'knex';

// Bulk actions on a filtered selection of domains (retry transfer, sync now, lock, unlock).
// The selection is fixed when the action is asked for: each domain gets an item, and the job
// works through the items, so a domain that joins the filter later is not touched and one
// that leaves it is still done as asked. Each item keeps its own result.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dt_bulk_actions', (t) => {
    t.increments('id').primary();
    t.string('public_id', 32).notNullable().unique();
    // retry_transfer | sync | lock | unlock
    t.string('action', 16).notNullable();
    // The Domains list query the selection came from, as shown on the progress page.
    t.text('filter').notNullable();
    t.string('created_by', 128).notNullable();
    // running | done
    t.string('status', 16).notNullable();
    t.integer('total').notNullable();
    t.integer('succeeded').notNullable().defaultTo(0);
    t.integer('failed').notNullable().defaultTo(0);
    t.integer('skipped').notNullable().defaultTo(0);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('finished_at').nullable();
  });

  await knex.schema.createTable('dt_bulk_action_items', (t) => {
    t.bigIncrements('id').primary();
    t.integer('action_id').unsigned().notNullable().references('id').inTable('dt_bulk_actions').onDelete('CASCADE');
    t.integer('domain_id').notNullable();
    t.string('domain', 253).notNullable();
    // pending | succeeded | failed | skipped
    t.string('outcome', 16).notNullable();
    t.string('result_key', 96).nullable();
    t.text('result_params').nullable();
    t.unique(['action_id', 'domain_id']);
    t.index(['action_id', 'outcome', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('dt_bulk_action_items');
  await knex.schema.dropTable('dt_bulk_actions');
}
