import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { engineOf } from '../module/database.ts';
import { migrateDownAll, migrateLatest } from '../module/migration-source.ts';
import { ALL_MIGRATIONS, createEmptyDatabase, type TestDatabase } from './support/test-database.ts';

async function tableNames(knex: Knex): Promise<string[]> {
  const rows =
    engineOf(knex) === 'sqlite'
      ? await knex.raw(`select name from sqlite_master where type='table' and name not like 'sqlite_%'`)
      : (await knex.raw('select table_name as name from information_schema.tables where table_schema = database()'))[0];
  return rows.map((r: { name: string }) => r.name).sort();
}

const productTables = (names: string[]) => names.filter((n) => !/_knex_migrations(_lock)?$/.test(n));

describe('migrations on the engine DATABASE_URL selects', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createEmptyDatabase();
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('go up from an empty database, down to nothing, and up again', async () => {
    const applied = await migrateLatest(db.knex, ALL_MIGRATIONS);
    expect(applied).toContain('001_core');
    expect(applied).toContain('001_host');
    const up = productTables(await tableNames(db.knex));
    expect(up).toEqual(expect.arrayContaining(['dt_domains', 'dt_jobs', 'dt_transfer_orders', 'dt_sandbox_domains', 'host_users', 'host_sessions', 'host_invoices']));

    expect(await migrateLatest(db.knex, ALL_MIGRATIONS)).toEqual([]);

    await migrateDownAll(db.knex, ALL_MIGRATIONS);
    expect(productTables(await tableNames(db.knex))).toEqual([]);

    const again = await migrateLatest(db.knex, ALL_MIGRATIONS);
    expect(again.length).toBe(applied.length);
    expect(productTables(await tableNames(db.knex))).toEqual(up);
  });
});
