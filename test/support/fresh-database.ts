import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { createKnex, parseDatabaseUrl, type DatabaseTarget } from '../../module/database.ts';
import { migrateLatest, MODULE_MIGRATIONS_DIRECTORY, MODULE_MIGRATIONS_TABLE, type MigrationSet } from '../../module/migration-source.ts';
import { HOST_MIGRATIONS } from '../../host/host-migrations.ts';

// No vitest import here: benchmarks and scripts use these too.

export const MODULE_MIGRATIONS: MigrationSet = { directory: MODULE_MIGRATIONS_DIRECTORY, tableName: MODULE_MIGRATIONS_TABLE };
export const ALL_MIGRATIONS: MigrationSet[] = [MODULE_MIGRATIONS, HOST_MIGRATIONS];

export interface TestDatabase {
  knex: Knex;
  target: DatabaseTarget;
  /** A DATABASE_URL for this database, for child processes. */
  url: string;
  engine: 'sqlite' | 'mysql';
  destroy(): Promise<void>;
}

/**
 * A brand-new, empty database on the engine DATABASE_URL selects (SQLite by default):
 * a temporary file for SQLite, a freshly created schema for MySQL/MariaDB.
 */
export async function createEmptyDatabase(base = process.env.DATABASE_URL, sqliteCopyOf?: string): Promise<TestDatabase> {
  const suffix = `${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  if (!base || base.startsWith('sqlite:')) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-test-'));
    const filename = path.join(dir, `test_${suffix}.sqlite`);
    if (sqliteCopyOf) fs.copyFileSync(sqliteCopyOf, filename);
    const target: DatabaseTarget = { engine: 'sqlite', filename };
    const knex = createKnex(target);
    return {
      knex,
      target,
      url: `sqlite:${filename}`,
      engine: 'sqlite',
      async destroy() {
        await knex.destroy();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const server = parseDatabaseUrl(base);
  if (server.engine !== 'mysql') throw new Error('unreachable');
  const database = `${server.database}_${suffix}`.slice(0, 64);
  const admin = createKnex(server, { poolMax: 1 });
  try {
    await admin.raw('create database ?? character set utf8mb4 collate utf8mb4_bin', [database]);
  } finally {
    await admin.destroy();
  }
  const target: DatabaseTarget = { ...server, database };
  const knex = createKnex(target);
  const credentials = `${encodeURIComponent(server.user)}${server.password ? ':' + encodeURIComponent(server.password) : ''}`;
  return {
    knex,
    target,
    url: `mysql://${credentials}@${server.host}:${server.port}/${database}`,
    engine: 'mysql',
    async destroy() {
      await knex.destroy();
      const cleanup = createKnex(server, { poolMax: 1 });
      try {
        await cleanup.raw('drop database if exists ??', [database]);
      } finally {
        await cleanup.destroy();
      }
    },
  };
}

/**
 * A SQLite file migrated once for this set of migration files, kept in the temp directory under
 * their digest and shared by every test file and process: migrating took each test file 150 to
 * 400 ms, and a mutation run repeats a file's setup for every mutant. A copy of it is the same
 * migrated empty database that migrating would give.
 */
let template: Promise<string> | undefined;
function sqliteMigratedTemplate(): Promise<string> {
  // Once per process: the migration files do not change while tests run.
  template ??= buildSqliteTemplate().catch((error) => {
    template = undefined;
    throw error;
  });
  return template;
}

async function buildSqliteTemplate(): Promise<string> {
  const hash = crypto.createHash('sha256');
  for (const set of ALL_MIGRATIONS) {
    for (const name of fs.readdirSync(set.directory).sort()) hash.update(`${set.tableName}/${name}\0`).update(fs.readFileSync(path.join(set.directory, name)));
  }
  const file = path.join(os.tmpdir(), `dt-migrated-${hash.digest('hex').slice(0, 20)}.sqlite`);
  if (fs.existsSync(file)) return file;
  // Built aside and renamed into place, so a process racing this one never copies a half-built file.
  const partial = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  const knex = createKnex({ engine: 'sqlite', filename: partial });
  try {
    await migrateLatest(knex, ALL_MIGRATIONS);
    // One self-contained file: the write-ahead log folded in (each copy turns WAL on again when opened).
    await knex.raw('pragma journal_mode = DELETE');
  } finally {
    await knex.destroy();
  }
  fs.renameSync(partial, file);
  return file;
}

export async function createMigratedDatabase(base = process.env.DATABASE_URL): Promise<TestDatabase> {
  if (!base || base.startsWith('sqlite:')) return createEmptyDatabase(base, await sqliteMigratedTemplate());
  const db = await createEmptyDatabase(base);
  try {
    await migrateLatest(db.knex, ALL_MIGRATIONS);
  } catch (error) {
    // A failed migration must not leave a stray database behind.
    await db.destroy();
    throw error;
  }
  return db;
}
