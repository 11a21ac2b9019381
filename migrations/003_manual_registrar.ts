import type { Knex } from 'knex';

// The manual registrar: every operation is a task for staff, and what staff confirm about a
// domain is kept as its facts. Times are epoch milliseconds, as everywhere in the module.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dt_manual_tasks', (t) => {
    t.increments('id').primary();
    // The registrar id from config (several manual registrars may share these tables).
    t.string('adapter_id', 32).notNullable();
    t.string('domain', 191).notNullable();
    // transfer | lock | eppCode
    t.string('operation', 16).notNullable();
    // open → done
    t.string('status', 16).notNullable();
    // SHA-256 of adapter+operation+domain while open, NULL once done: the unique index makes
    // "one open task per domain and operation" hold under concurrent requests.
    t.string('open_key', 64).nullable().unique();
    t.text('instructions').notNullable();
    // JSON: contacts and period for transfers, nothing secret.
    t.text('details').nullable();
    t.boolean('requested_lock').nullable();
    // AES-256-GCM envelope (SecretBox), bound to the task id and domain; purged on completion.
    t.text('auth_code_sealed').nullable();
    t.bigInteger('auth_code_purged_at').nullable();
    t.bigInteger('secret_revealed_at').nullable();
    t.string('secret_revealed_by', 128).nullable();
    // completed | rejected | done
    t.string('outcome', 16).nullable();
    t.text('outcome_reason').nullable();
    t.bigInteger('outcome_expiry_at').nullable();
    t.string('emailed_to', 254).nullable();
    t.string('completed_by', 128).nullable();
    t.bigInteger('completed_at').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['adapter_id', 'domain', 'operation', 'id']);
    t.index(['status', 'id']);
  });

  await knex.schema.createTable('dt_manual_domain_facts', (t) => {
    t.increments('id').primary();
    t.string('adapter_id', 32).notNullable();
    t.string('domain', 191).notNullable();
    t.boolean('sponsored_by_us').nullable();
    t.string('registrar', 128).nullable();
    t.string('statuses', 512).nullable();
    // Last lock state staff confirmed at the registrar.
    t.boolean('locked').nullable();
    t.bigInteger('registered_at').nullable();
    t.bigInteger('expires_at').nullable();
    t.bigInteger('last_transferred_at').nullable();
    t.bigInteger('last_renewed_at').nullable();
    t.string('registrant_email', 254).nullable();
    t.string('recorded_by', 128).notNullable();
    t.bigInteger('recorded_at').notNullable();
    t.unique(['adapter_id', 'domain']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('dt_manual_domain_facts');
  await knex.schema.dropTable('dt_manual_tasks');
}
