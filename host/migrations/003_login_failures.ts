import type { Knex } from 'knex';

// Failed logins, one row per attempt, counted per account (the email tried) and per client
// address over a sliding window. In the database so every instance sharing it counts the same
// attempts. A successful login clears its account's rows for the account count only: they still
// count against the address they came from.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('host_login_failures', (t) => {
    t.increments('id').primary();
    // The email as typed, normalised; whether or not such an account exists.
    t.string('account', 191).notNullable();
    // The client address, or its /64 network for IPv6 (one subscriber's whole range).
    t.string('address', 64).notNullable();
    t.boolean('account_cleared').notNullable().defaultTo(false);
    t.bigInteger('created_at').notNullable();
    t.index(['account', 'created_at']);
    t.index(['address', 'created_at']);
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('host_login_failures');
}
