import type { Knex } from 'knex';

// What happened to the money of a paid transfer that ended without the domain (cancelled,
// rejected at the registry, abandoned). One row per transfer order, so a client is credited
// once however many cancels race: the unique key is the guard, the host's idempotency key the
// second one. Orders are also read by status and age, to expire the ones nobody finishes.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dt_order_settlements', (t) => {
    t.increments('id').primary();
    t.integer('transfer_order_id').unsigned().notNullable().unique().references('id').inTable('dt_transfer_orders');
    t.string('order_item_id', 64).notNullable();
    t.string('client_id', 64).notNullable();
    t.string('domain', 253).notNullable();
    t.integer('amount_minor').notNullable();
    t.string('currency', 3).notNullable();
    // cancelled_by_client | cancelled_by_admin | rejected | abandoned
    t.string('cause', 32).notNullable();
    t.text('reason').nullable();
    // crediting → credited ; awaiting_admin → crediting | settled_elsewhere
    t.string('status', 24).notNullable();
    t.string('credit_id', 128).nullable();
    t.string('decided_by', 128).nullable();
    t.text('note').nullable();
    t.bigInteger('settled_at').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['status', 'id']);
    t.index(['client_id']);
  });

  // The hourly expiry of unpaid and abandoned orders reads them by status and age.
  await knex.schema.alterTable('dt_transfer_orders', (t) => {
    t.index(['status', 'updated_at'], 'dt_transfer_orders_status_updated_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dt_transfer_orders', (t) => {
    t.dropIndex(['status', 'updated_at'], 'dt_transfer_orders_status_updated_at');
  });
  await knex.schema.dropTable('dt_order_settlements');
}
