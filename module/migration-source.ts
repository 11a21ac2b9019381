import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';

/** The module's migrations live beside it and are tracked in their own table. */
export const MODULE_MIGRATIONS_DIRECTORY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../migrations');
export const MODULE_MIGRATIONS_TABLE = 'dt_knex_migrations';

const MIGRATION_FILE = /^\d{3,}[-_].+\.(ts|mjs|js)$/;

/**
 * Lists migration files by name, without extension, so the same history holds whether the
 * files run as TypeScript or compiled JavaScript.
 */
export function directoryMigrationSource(directory: string): Knex.MigrationSource<string> {
  return {
    async getMigrations() {
      return fs
        .readdirSync(directory)
        .filter((file) => MIGRATION_FILE.test(file) && !file.endsWith('.d.ts'))
        .sort();
    },
    getMigrationName(file) {
      return file.replace(/\.(ts|mjs|js)$/, '');
    },
    async getMigration(file) {
      return import(pathToFileURL(path.join(directory, file)).href) as Promise<Knex.Migration>;
    },
  };
}

export interface MigrationSet {
  directory: string;
  tableName: string;
}

export function migratorConfig(set: MigrationSet): Knex.MigratorConfig {
  return { migrationSource: directoryMigrationSource(set.directory), tableName: set.tableName };
}

export async function migrateLatest(knex: Knex, sets: MigrationSet[]): Promise<string[]> {
  const applied: string[] = [];
  for (const set of sets) {
    const [, names] = (await knex.migrate.latest(migratorConfig(set))) as [number, string[]];
    applied.push(...names);
  }
  return applied;
}

/** Rolls every set back completely, last set first. */
export async function migrateDownAll(knex: Knex, sets: MigrationSet[]): Promise<void> {
  for (const set of [...sets].reverse()) {
    await knex.migrate.rollback(migratorConfig(set), true);
  }
}

/**
 * Migrations of `set` not yet applied to this database, by name. Reads only: a database the
 * module has never seen (no bookkeeping table) has all of them pending.
 */
export async function pendingMigrations(knex: Knex, set: MigrationSet): Promise<string[]> {
  const source = directoryMigrationSource(set.directory);
  const all = (await source.getMigrations([])).map((file) => source.getMigrationName(file));
  if (!(await knex.schema.hasTable(set.tableName))) return all;
  const applied = new Set((await knex(set.tableName).select('name')).map((row: { name: string }) => row.name.replace(/\.(ts|mjs|js)$/, '')));
  return all.filter((name) => !applied.has(name));
}

/** `start()` found migrations the database does not have yet. */
export class MigrationsPendingError extends Error {
  readonly code = 'DT_MIGRATIONS_PENDING';
  constructor(readonly pending: string[]) {
    super(
      `domain-transfers: ${pending.length} migration(s) not applied to this database (${pending.join(', ')}). ` +
        'Apply them before start(): `npx domain-transfers migrate --context <your context file>`, or in code `await migrateLatest(knex, [module.migrations])`.',
    );
    this.name = 'MigrationsPendingError';
  }
}
