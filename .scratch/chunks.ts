import { createMigratedDatabase } from '../test/support/fresh-database.ts';
import { insertRows } from '../module/database.ts';
const db = await createMigratedDatabase();
const now = Date.now();
for (const chunk of [100, 400, 500, 1000, 2000, 4000]) {
  const rows = Array.from({ length: 50_000 }, (_, i) => ({ type: 'Bench', key: `c${chunk}-${i}`, payload: JSON.stringify({ i }), status: 'queued', attempts: 0, max_attempts: 8, run_at: now, created_at: now, updated_at: now }));
  const t = process.hrtime.bigint();
  if (db.engine === 'sqlite' || chunk * 10 <= 65535) await db.knex.transaction((trx) => insertRows(trx, 'dt_jobs', rows, { chunk }));
  console.log(db.engine, chunk, Math.round(50_000 / (Number(process.hrtime.bigint() - t) / 1e9)), 'rows/s');
}
await db.destroy();
