import type { Knex } from 'knex';

// "Get EPP Code" forms carry a one-time token. A token used once (a reload re-sending the
// post, a double click) is recognised here, by its hash, so the registrar is not asked for a
// second code and the hourly allowance is not spent. No code is ever stored: only that and
// when one was issued for the token. Rows are kept for a day.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dt_issue_once_tokens', (t) => {
    t.string('token_hash', 64).primary();
    t.string('domain', 253).notNullable();
    t.bigInteger('used_at').notNullable();
    t.bigInteger('issued_at').nullable();
    t.index(['used_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('dt_issue_once_tokens');
}
