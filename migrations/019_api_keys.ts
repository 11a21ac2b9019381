import type { Knex } from 'knex';

// The JSON API (/api/v1). A key is shown once when an admin creates it and stored only as a
// hash of the whole token; its prefix (the part before the secret) stays visible so keys can
// be told apart. A key may be bound to one client, and carries scopes.
//
// The events feed (GET /api/v1/events) of a client-bound key reads its client's events by id.
//
// Idempotency-Key: the first response to a POST is kept for 24 hours under the key that made
// it, so a replay answers the same and does nothing twice, on every instance.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dt_api_keys', (t) => {
    t.increments('id').primary();
    t.string('prefix', 16).notNullable().unique();
    // SHA-256 of the whole token, hex.
    t.string('token_hash', 64).notNullable();
    t.string('name', 100).notNullable();
    // JSON array of scopes, e.g. ["domains:read","transfers:write"].
    t.text('scopes').notNullable();
    t.string('client_id', 64).nullable();
    t.string('created_by', 128).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('last_used_at').nullable();
    t.bigInteger('revoked_at').nullable();
    t.string('revoked_by', 128).nullable();
  });

  await knex.schema.createTable('dt_api_idempotency', (t) => {
    t.bigIncrements('id').primary();
    t.integer('key_id').unsigned().notNullable().references('id').inTable('dt_api_keys').onDelete('CASCADE');
    t.string('idempotency_key', 191).notNullable();
    // SHA-256 of method, path and body: the same key with another request is refused.
    t.string('request_hash', 64).notNullable();
    // Null while the first request is still being answered.
    t.integer('status').nullable();
    t.text('response').nullable();
    t.bigInteger('created_at').notNullable();
    t.unique(['key_id', 'idempotency_key']);
    t.index(['created_at']);
  });

  // Requests per key per minute: one row per key and minute, counted by every instance.
  await knex.schema.createTable('dt_api_rate_windows', (t) => {
    t.integer('key_id').unsigned().notNullable();
    t.bigInteger('window_start').notNullable();
    t.integer('requests').notNullable();
    t.primary(['key_id', 'window_start']);
  });

  // The events feed of a key bound to one client reads that client's events in order.
  await knex.schema.alterTable('dt_events', (t) => {
    t.index(['client_id', 'id'], 'dt_events_client_id_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dt_events', (t) => {
    t.dropIndex(['client_id', 'id'], 'dt_events_client_id_index');
  });
  await knex.schema.dropTable('dt_api_rate_windows');
  await knex.schema.dropTable('dt_api_idempotency');
  await knex.schema.dropTable('dt_api_keys');
}
