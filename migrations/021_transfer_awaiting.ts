import type { Knex } from 'knex';

// A pending transfer-in can wait on a person rather than the registry: `registrant_email`
// while the registrar's confirmation email is unanswered (Alibaba Cloud's NeedMailCheck).
// The client's domain page shows the step, with a button to have the email sent again.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dt_domains', (t) => {
    t.string('awaiting', 32).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  // A plain DROP COLUMN: knex's SQLite way rebuilds the table and cannot copy the generated tld column.
  await knex.raw('alter table dt_domains drop column awaiting');
}
