import type { Knex } from 'knex';

// Same conventions as the module: times are BIGINT epoch milliseconds, money is integer minor
// units, and indexed strings stay within 191 characters so utf8mb4 indexes fit on MySQL.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('host_clients', (t) => {
    t.increments('id').primary();
    t.string('name', 191).notNullable();
    t.string('organization', 191).nullable();
    t.string('email', 191).notNullable();
    t.string('phone', 32).nullable();
    // One address line per text line; registrars accept up to three.
    t.text('street').notNullable();
    t.string('city', 128).notNullable();
    t.string('state', 128).nullable();
    t.string('postcode', 16).notNullable();
    t.string('country_code', 2).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('host_users', (t) => {
    t.increments('id').primary();
    t.string('email', 191).notNullable().unique();
    t.string('password_hash', 255).notNullable();
    // admin | client
    t.string('role', 16).notNullable();
    t.string('name', 191).notNullable();
    t.string('locale', 16).nullable();
    t.integer('client_id').unsigned().nullable().references('id').inTable('host_clients').onDelete('CASCADE');
    t.bigInteger('last_login_at').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['role']);
  });

  await knex.schema.createTable('host_sessions', (t) => {
    t.string('sid', 191).primary();
    t.text('sess').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.index(['expires_at']);
  });

  await knex.schema.createTable('host_orders', (t) => {
    t.increments('id').primary();
    t.integer('client_id').unsigned().notNullable().references('id').inTable('host_clients');
    // pending | active | cancelled
    t.string('status', 16).notNullable();
    t.text('cancel_reason').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['client_id', 'id']);
  });

  await knex.schema.createTable('host_order_items', (t) => {
    t.increments('id').primary();
    t.integer('order_id').unsigned().notNullable().references('id').inTable('host_orders').onDelete('CASCADE');
    t.string('product_type', 32).notNullable();
    t.string('domain', 191).nullable();
    t.string('description', 255).notNullable();
    t.integer('amount_minor').notNullable();
    t.string('currency', 3).notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['order_id']);
  });

  await knex.schema.createTable('host_invoices', (t) => {
    t.increments('id').primary();
    t.integer('client_id').unsigned().notNullable().references('id').inTable('host_clients');
    t.integer('order_id').unsigned().nullable().references('id').inTable('host_orders');
    // order | renewal
    t.string('kind', 16).notNullable();
    // unpaid | paid | cancelled
    t.string('status', 16).notNullable();
    t.integer('total_minor').notNullable();
    t.integer('paid_minor').notNullable().defaultTo(0);
    t.string('currency', 3).notNullable();
    t.bigInteger('due_at').notNullable();
    t.bigInteger('paid_at').nullable();
    // Set once invoice.paid reached every listener, so a failed emit can be repeated by an admin.
    t.bigInteger('paid_event_at').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['client_id', 'status']);
    t.index(['order_id']);
  });

  await knex.schema.createTable('host_invoice_items', (t) => {
    t.increments('id').primary();
    t.integer('invoice_id').unsigned().notNullable().references('id').inTable('host_invoices').onDelete('CASCADE');
    t.integer('order_item_id').unsigned().nullable().references('id').inTable('host_order_items');
    // domain_transfer | domain_renewal
    t.string('type', 32).notNullable();
    t.string('domain', 191).nullable();
    t.string('description', 255).notNullable();
    t.integer('amount_minor').notNullable();
    t.index(['invoice_id']);
    t.index(['domain']);
  });

  await knex.schema.createTable('host_services', (t) => {
    t.increments('id').primary();
    t.integer('client_id').unsigned().notNullable().references('id').inTable('host_clients');
    t.integer('order_id').unsigned().notNullable().references('id').inTable('host_orders');
    t.integer('order_item_id').unsigned().notNullable().unique().references('id').inTable('host_order_items');
    t.string('product_type', 32).notNullable();
    t.string('domain', 191).notNullable();
    // pending (awaiting payment) | active | cancelled
    t.string('status', 16).notNullable();
    t.boolean('auto_renew').notNullable().defaultTo(true);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['client_id', 'domain']);
    t.index(['domain']);
  });

  await knex.schema.createTable('host_payments', (t) => {
    t.increments('id').primary();
    t.integer('invoice_id').unsigned().notNullable().references('id').inTable('host_invoices');
    t.integer('amount_minor').notNullable();
    t.string('currency', 3).notNullable();
    // simulated | admin
    t.string('gateway', 32).notNullable();
    t.string('transaction_ref', 64).notNullable().unique();
    t.string('recorded_by', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['invoice_id']);
  });

  await knex.schema.createTable('host_outbox', (t) => {
    t.bigIncrements('id').primary();
    // client | admins
    t.string('recipient_kind', 16).notNullable();
    t.integer('client_id').unsigned().nullable();
    t.text('to_addresses').nullable();
    t.string('template', 64).notNullable();
    t.string('subject', 255).notNullable();
    t.text('body').notNullable();
    t.text('params').notNullable();
    // recorded (no SMTP configured) | sent | failed | undeliverable
    t.string('status', 16).notNullable();
    t.text('error').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('sent_at').nullable();
    t.index(['status', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'host_outbox',
    'host_payments',
    'host_services',
    'host_invoice_items',
    'host_invoices',
    'host_order_items',
    'host_orders',
    'host_sessions',
    'host_users',
    'host_clients',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
