import { assertReachable, createKnex, describeTarget, parseDatabaseUrl } from '../../module/database.ts';

/** Says which engine the suite runs on, and fails the run at once if MySQL is configured but unreachable. */
export default async function globalSetup(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url || url.startsWith('sqlite:')) {
    console.log('[domain-transfers] test database: SQLite (MySQL not configured; set DATABASE_URL=mysql://user:pass@host:3306/db to run on MySQL/MariaDB)');
    return;
  }
  const target = parseDatabaseUrl(url);
  const knex = createKnex(target, { poolMax: 1 });
  try {
    await assertReachable(knex, target);
  } finally {
    await knex.destroy();
  }
  console.log(`[domain-transfers] test database: ${describeTarget(target)} (one fresh database per test file)`);
}
