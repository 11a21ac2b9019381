import type { Knex } from 'knex';

// Sandbox faults beyond error codes: a delay, a call that never answers, and a request the
// registry carries out whose answer is lost (a dropped connection); limited to domains that
// match a pattern, and applied to a share of calls instead of a count.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dt_sandbox_faults', (t) => {
    // error | delay | hang | drop
    t.string('kind', 16).notNullable().defaultTo('error');
    t.integer('delay_ms').nullable();
    // `*` for any domain, `*.example` for a suffix, or one name.
    t.string('domain_pattern', 253).notNullable().defaultTo('*');
    // null: every matching call until `remaining` runs out; else that share of them.
    t.float('rate').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dt_sandbox_faults', (t) => {
    t.dropColumn('rate');
    t.dropColumn('domain_pattern');
    t.dropColumn('delay_ms');
    t.dropColumn('kind');
  });
}
