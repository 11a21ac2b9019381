import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationSet } from '../module/index.ts';

/** The reference host's own tables, tracked apart from the module's. */
export const HOST_MIGRATIONS: MigrationSet = {
  directory: path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
  tableName: 'host_knex_migrations',
};
