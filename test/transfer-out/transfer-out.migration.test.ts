import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedDatabase, MODULE_MIGRATIONS, type TestDatabase } from '../support/test-database.ts';
import { migratorConfig } from '../../module/migration-source.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createMigratedDatabase();
}, 120_000);
afterAll(async () => {
  await db?.destroy();
});

describe('migration 005_transfer_out', () => {
  it('runs down and up again, leaving the rate-limit tables usable', async () => {
    const config = migratorConfig(MODULE_MIGRATIONS);
    expect(await db.knex.schema.hasTable('dt_rate_limit_hits')).toBe(true);
    await db.knex.migrate.down({ ...config, name: '005_transfer_out' });
    expect(await db.knex.schema.hasTable('dt_rate_limit_hits')).toBe(false);
    expect(await db.knex.schema.hasTable('dt_rate_limit_buckets')).toBe(false);
    expect(await db.knex.schema.hasTable('dt_domains')).toBe(true);
    await db.knex.migrate.up({ ...config, name: '005_transfer_out' });
    const bucket = `epp-code:domain:${'a'.repeat(170)}`;
    await db.knex('dt_rate_limit_buckets').insert({ bucket, locked_at: Date.now() });
    await db.knex('dt_rate_limit_hits').insert({ bucket, created_at: Date.now() });
    expect(await db.knex('dt_rate_limit_hits').where({ bucket }).count({ n: '*' }).first()).toMatchObject({ n: 1 });
    await expect(db.knex('dt_rate_limit_buckets').insert({ bucket, locked_at: 1 })).rejects.toThrow();
  });
});
