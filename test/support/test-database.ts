import type { Knex } from 'knex';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { engineOf } from '../../module/database.ts';
import { createMigratedDatabase, type TestDatabase } from './fresh-database.ts';

export { ALL_MIGRATIONS, MODULE_MIGRATIONS, createEmptyDatabase, createMigratedDatabase, type TestDatabase } from './fresh-database.ts';

const KEPT_TABLES = /(_knex_migrations|_knex_migrations_lock)$/;

/** Deletes every row of every table except migration bookkeeping. */
export async function emptyAllTables(knex: Knex): Promise<void> {
  const engine = engineOf(knex);
  const tables: string[] =
    engine === 'sqlite'
      ? (await knex.raw(`select name from sqlite_master where type='table' and name not like 'sqlite_%'`)).map((r: { name: string }) => r.name)
      : (await knex.raw('select table_name as name from information_schema.tables where table_schema = database()'))[0].map(
          (r: { name: string }) => r.name,
        );
  const targets = tables.filter((t) => !KEPT_TABLES.test(t));
  await knex.transaction(async (trx) => {
    await trx.raw(engine === 'sqlite' ? 'PRAGMA defer_foreign_keys = ON' : 'SET FOREIGN_KEY_CHECKS = 0');
    for (const table of targets) await trx(table).del();
    if (engine === 'mysql') await trx.raw('SET FOREIGN_KEY_CHECKS = 1');
  });
}

/**
 * Registers hooks so the file gets one migrated database and every test starts with it empty.
 * Use the returned object's `knex` inside tests (it is set in beforeAll).
 */
export function useMigratedDatabase(): TestDatabase {
  const handle = {} as TestDatabase;
  beforeAll(async () => {
    Object.assign(handle, await createMigratedDatabase());
  }, 120_000);
  beforeEach(async () => {
    await emptyAllTables(handle.knex);
  });
  afterAll(async () => {
    await handle.destroy?.();
  });
  return handle;
}
