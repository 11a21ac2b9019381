import type { Knex } from 'knex';

// One row per run of a scheduled task. A scheduled run is keyed by (task, slot_at): the
// unique index is what lets only one of many app instances claim the 05:00 slot. Manual runs
// (CLI, admin button) have no slot (NULL never collides). The lease columns let another
// instance take over a slot whose runner died, and make a runner that cannot renew stop.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dt_cron_runs', (t) => {
    t.bigIncrements('id').primary();
    t.string('task', 64).notNullable();
    t.bigInteger('slot_at').nullable();
    // schedule | catch-up | cli | admin
    t.string('trigger', 16).notNullable();
    // running | succeeded | failed | lost
    t.string('status', 16).notNullable();
    t.string('owner', 128).notNullable();
    t.bigInteger('lease_expires_at').notNullable();
    t.integer('takeovers').notNullable().defaultTo(0);
    t.string('domain', 253).nullable();
    t.text('summary').nullable();
    t.text('error').nullable();
    t.bigInteger('started_at').notNullable();
    t.bigInteger('heartbeat_at').notNullable();
    t.bigInteger('finished_at').nullable();
    t.unique(['task', 'slot_at']);
    t.index(['task', 'status', 'id']);
  });

  // Each registrar's domains are streamed on their own (keyset by id), so a slow or failing
  // registrar never holds back the others.
  await knex.schema.alterTable('dt_domains', (t) => {
    t.index(['registrar_id', 'status', 'id'], 'dt_domains_registrar_status_id_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('dt_domains', (t) => {
    t.dropIndex(['registrar_id', 'status', 'id'], 'dt_domains_registrar_status_id_index');
  });
  await knex.schema.dropTable('dt_cron_runs');
}
