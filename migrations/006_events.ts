import type { Knex } from 'knex';

// The events a host receives as hooks, written in the same transaction as the change they
// report. A DeliverEventsJob hands them to the host's bus; `delivered_at` stays NULL until a
// delivery succeeded, so a retry sends only what is still owed. The id orders them (and is
// the cursor of an events feed); `event_id`, a time-ordered UUID, is what hosts dedupe on.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dt_events', (t) => {
    t.bigIncrements('id').primary();
    // Unique by construction (a UUID); nothing looks an event up by it, so it carries no index.
    t.string('event_id', 36).notNullable();
    t.string('name', 64).notNullable();
    t.text('payload').notNullable();
    t.string('domain', 253).notNullable();
    t.string('client_id', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('delivered_at').nullable();
    t.integer('delivery_attempts').notNullable().defaultTo(0);
    t.text('last_error').nullable();
    // An event waits for earlier undelivered events of its domain. Not on delivered_at: marking
    // an event delivered then leaves the index alone.
    t.index(['domain', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('dt_events');
}
