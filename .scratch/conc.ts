import { createMigratedDatabase } from '../test/support/fresh-database.ts';
const db = await createMigratedDatabase();
await db.knex('dt_api_keys').insert({ prefix: 'dtk_abc', token_hash: 'x'.repeat(64), name: 'n', scopes: '[]', created_by: 'a', created_at: 1 });
for (const conc of [1, 5, 50]) {
  const n = 20000;
  let left = n;
  const t = process.hrtime.bigint();
  await Promise.all(Array.from({ length: conc }, async () => { while (left-- > 0) await db.knex('dt_api_keys').where({ prefix: 'dtk_abc' }).first('id', 'scopes'); }));
  console.log('concurrency', conc, (Number(process.hrtime.bigint() - t) / n / 1000).toFixed(1), 'µs/query');
}
await db.destroy();
