import type { Knex } from 'knex';

// A rate limit that holds across every app instance sharing the database. A bucket row is
// the lock: taking it first (an UPDATE) serialises attempts on one bucket on MySQL/MariaDB
// (row lock) and on SQLite (the write lock is taken at the first statement). Hits in the
// window are then counted and, when under the limit, one is added. Old hits are pruned in
// the same transaction, so a bucket never holds more than its limit.
// Indexed strings stay at or under 191 characters so utf8mb4 keys fit older InnoDB limits.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dt_rate_limit_buckets', (t) => {
    t.string('bucket', 191).notNullable().primary();
    t.bigInteger('locked_at').notNullable();
  });

  await knex.schema.createTable('dt_rate_limit_hits', (t) => {
    t.bigIncrements('id').primary();
    // e.g. `epp-code:domain:example.com`, `epp-code:client:12`. Never a secret.
    t.string('bucket', 191).notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['bucket', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('dt_rate_limit_hits');
  await knex.schema.dropTable('dt_rate_limit_buckets');
}
