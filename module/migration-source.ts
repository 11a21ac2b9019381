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
